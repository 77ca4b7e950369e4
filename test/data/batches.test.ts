import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batches, loadMnist, splitValidation, subset, type Dataset } from '../../src/data/index.js';
import { Rng } from '../../src/rng.js';

/** N images of 2×2×1 whose pixels all equal the image index / 1000, label = index % 3. */
function toy(n: number, labelled = true): Dataset {
  const images = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) images.fill(i / 1000, 4 * i, 4 * i + 4);
  return {
    images,
    labels: labelled ? Int32Array.from({ length: n }, (_, i) => i % 3) : null,
    shape: [2, 2, 1],
    count: n,
    labelNames: labelled ? ['a', 'b', 'c'] : null,
    name: 'toy',
  };
}

/** Run one epoch and return the image indices in order, checking each batch's contents. */
function epochOrder(it: Iterable<{ x: Float32Array; labels: Int32Array | null; count: number; indices: Int32Array }>): number[] {
  const seen: number[] = [];
  for (const b of it) {
    assert.equal(b.x.length, b.count * 4);
    assert.equal(b.indices.length, b.count);
    for (let i = 0; i < b.count; i++) {
      const idx = Math.round(b.x[4 * i] * 1000); // pixels identify the image
      assert.equal(idx, b.indices[i]);
      if (b.labels !== null) assert.equal(b.labels[i], idx % 3);
      seen.push(idx);
    }
  }
  return seen;
}

describe('batches', () => {
  it('covers every index exactly once per epoch, with a new permutation each epoch', () => {
    const ds = toy(103);
    const it = batches(ds, 10, { rng: new Rng(7) });
    assert.equal(it.batchesPerEpoch, 11);
    const orders: number[][] = [];
    for (let e = 0; e < 3; e++) {
      const order = epochOrder(it);
      assert.equal(order.length, 103);
      assert.deepEqual(
        [...order].sort((a, b) => a - b),
        Array.from({ length: 103 }, (_, i) => i),
      );
      orders.push(order);
    }
    assert.notDeepEqual(orders[0], orders[1]);
    assert.notDeepEqual(orders[1], orders[2]);
    assert.notDeepEqual(
      orders[0],
      Array.from({ length: 103 }, (_, i) => i),
    ); // actually shuffled
  });

  it('same seed → same order, epoch after epoch; no rng → data order', () => {
    const ds = toy(50);
    const a = batches(ds, 8, { rng: new Rng(123) });
    const b = batches(ds, 8, { rng: new Rng(123) });
    const c = batches(ds, 8, { rng: new Rng(124) });
    for (let e = 0; e < 2; e++) {
      const oa = epochOrder(a);
      assert.deepEqual(oa, epochOrder(b));
      assert.notDeepEqual(oa, epochOrder(c));
    }
    assert.deepEqual(
      epochOrder(batches(ds, 8)),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('reuses one buffer; the short last batch is a view of it; dropRemainder skips it', () => {
    const ds = toy(25, false);
    const it = batches(ds, 10, { rng: new Rng(1) });
    const buffers = new Set<ArrayBufferLike>();
    const counts: number[] = [];
    for (let e = 0; e < 2; e++) {
      for (const b of it) {
        buffers.add(b.x.buffer);
        counts.push(b.count);
        assert.equal(b.labels, null);
      }
    }
    assert.equal(buffers.size, 1);
    assert.deepEqual(counts, [10, 10, 5, 10, 10, 5]);
    const dropped = batches(ds, 10, { dropRemainder: true, rng: new Rng(1) });
    assert.equal(dropped.batchesPerEpoch, 2);
    assert.deepEqual(
      [...dropped].map((b) => b.count),
      [10, 10],
    );
    // A batch larger than the data set is the whole set.
    assert.deepEqual(
      [...batches(ds, 100)].map((b) => b.count),
      [25],
    );
    assert.throws(() => batches(ds, 0), /batchSize: expected a positive integer, got 0/);
  });

  it('walks real MNIST: each batch holds the images and labels at its indices', () => {
    const ds = loadMnist('test', { limit: 300 });
    const per = 28 * 28;
    const seen = new Set<number>();
    for (const b of batches(ds, 128, { rng: new Rng(0) })) {
      for (let i = 0; i < b.count; i++) {
        const j = b.indices[i];
        seen.add(j);
        assert.deepEqual(b.x.subarray(i * per, (i + 1) * per), ds.images.subarray(j * per, (j + 1) * per));
        assert.equal(b.labels?.[i], ds.labels?.[j]);
      }
    }
    assert.equal(seen.size, 300);
  });
});

describe('subset and splitValidation', () => {
  it('subset copies the chosen images and labels in the given order', () => {
    const ds = toy(10);
    const s = subset(ds, [9, 0, 9]);
    assert.equal(s.count, 3);
    assert.deepEqual(Array.from(s.images), [0.009, 0.009, 0.009, 0.009, 0, 0, 0, 0, 0.009, 0.009, 0.009, 0.009].map(Math.fround));
    assert.deepEqual(Array.from(s.labels ?? []), [0, 0, 0]);
    assert.deepEqual(s.labelNames, ['a', 'b', 'c']);
    s.images[0] = 5;
    assert.notEqual(ds.images[36], 5); // a copy
    assert.throws(() => subset(ds, [10]), /subset: index 10 at position 0 is outside \[0, 10\)/);
  });

  it("{ last: n } holds out the last n images, as Géron does with Fashion-MNIST's last 5,000", () => {
    const ds = toy(20);
    const { train, validation } = splitValidation(ds, { last: 5 });
    assert.equal(train.count, 15);
    assert.equal(validation.count, 5);
    assert.equal(Math.round(validation.images[0] * 1000), 15);
    assert.equal(Math.round(train.images[train.images.length - 1] * 1000), 14);
    assert.deepEqual(Array.from(validation.labels ?? []), [0, 1, 2, 0, 1]);
    // A plain count without rng means the same.
    assert.deepEqual(splitValidation(ds, 5).validation.images, validation.images);
  });

  it('a fraction or count with an rng picks a seeded random subset; both parts partition the data', () => {
    const ds = toy(100);
    const a = splitValidation(ds, 0.1, { rng: new Rng(3) });
    const b = splitValidation(ds, 0.1, { rng: new Rng(3) });
    assert.equal(a.validation.count, 10);
    assert.equal(a.train.count, 90);
    assert.deepEqual(a.validation.images, b.validation.images);
    const ids = (d: Dataset): number[] => Array.from({ length: d.count }, (_, i) => Math.round(d.images[4 * i] * 1000));
    const all = [...ids(a.train), ...ids(a.validation)].sort((x, y) => x - y);
    assert.deepEqual(
      all,
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.notDeepEqual(ids(a.validation), [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    assert.throws(() => splitValidation(ds, 100), /leaves none to train on/);
    assert.throws(() => splitValidation(ds, 0), /expected a fraction in \(0, 1\) or a count ≥ 1, got 0/);
    assert.throws(() => splitValidation(ds, 2.5), /got 2\.5/);
    assert.throws(() => splitValidation(ds, { last: 5 }, { rng: new Rng(1) }), /drop the rng/);
  });
});
