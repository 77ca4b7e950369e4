/**
 * The latent-space tools on real models: a medium-dense VAE (latent 2) trained briefly on an
 * MNIST slice, lecture-conv (latent 100) where PCA matters, geron-dense (latent 10) for
 * Géron's axis walk, a conditional keras-conv2d, and a recording LatentModel that notes how it
 * is called.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batches, loadMnist, Rng, VAE, type Dataset, type Encoding, type LatentModel } from '../../src/index.js';
import { PRESETS } from '../../src/models/presets.js';
import {
  addAttribute,
  attributeVector,
  classMeans,
  interpolate,
  latentPoints,
  lerp,
  manifold,
  morph,
  reconstruct,
  samplePrior,
  slerp,
  traverseAxis,
  type ClassMeans,
} from '../../src/tools/latent.js';

const PER = 784;
const train = loadMnist('train', { limit: 2048 });
const testSet = loadMnist('test', { limit: 600 });

// ~100 Adam steps of 128: enough for the codes to spread out by class (≈ 0.3 s).
const vae = VAE.fromPreset('medium-dense', { seed: 1 });
{
  const it = batches(train, 128, { rng: new Rng(2) });
  for (let epoch = 0; epoch < 6; epoch++) for (const b of it) await vae.trainStep(b.x);
}

const image = (ds: Dataset, i: number) => ds.images.slice(i * PER, (i + 1) * PER);
const means = async (m: LatentModel, x: Float32Array) => (await m.encode(x, new Float32Array((x.length / PER) * m.latentDim))).mean;
const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
const row = (a: Float32Array, i: number, len: number) => a.subarray(i * len, (i + 1) * len);
const inUnit = (a: Float32Array) => a.every((v) => v >= 0 && v <= 1);
function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5, what = 'values'): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('samplePrior: Gaussian and uniform draws, temperature, reproducible from the generator', async () => {
  const g = await samplePrior(vae, 2000, { rng: new Rng(3) });
  assert.equal(g.z.length, 2000 * 2);
  assert.equal(g.images.length, 2000 * PER);
  assert.ok(inUnit(g.images));
  const mean = g.z.reduce((a, v) => a + v, 0) / g.z.length;
  const sd = Math.sqrt(g.z.reduce((a, v) => a + v * v, 0) / g.z.length);
  assert.ok(Math.abs(mean) < 0.05 && Math.abs(sd - 1) < 0.05, `mean ${mean}, sd ${sd}`);

  const again = await samplePrior(vae, 2000, { distribution: 'gaussian', rng: new Rng(3) });
  assert.deepEqual(again.z, g.z);
  assert.deepEqual(again.images, g.images);
  const cold = await samplePrior(vae, 2000, { rng: new Rng(3), temperature: 0.5 });
  assertClose(
    cold.z,
    g.z.map((v) => 0.5 * v),
    1e-6,
    'z',
  );

  const u = await samplePrior(vae, 1000, { distribution: 'uniform', rng: new Rng(4) });
  assert.ok(
    u.z.every((v) => v >= -2 && v < 2),
    'default half-width 2',
  );
  assert.ok(Math.max(...u.z) > 1.9 && Math.min(...u.z) < -1.9);
  const narrow = await samplePrior(vae, 500, { distribution: 'uniform', range: 0.5, temperature: 2, rng: new Rng(4) });
  assert.ok(narrow.z.every((v) => v >= -1 && v < 1));
  // The decoded images are those of the drawn z.
  assertClose(u.images.subarray(0, 3 * PER), await vae.decode(u.z.slice(0, 6)), 1e-6, 'images');
});

test('samplePrior: bad arguments name what was expected', async () => {
  const rng = new Rng(1);
  await assert.rejects(samplePrior(vae, 0, { rng }), /samplePrior: n: expected an integer ≥ 1, got 0/);
  await assert.rejects(samplePrior(vae, 2, { rng, distribution: 'beta' as never }), /distribution: expected 'gaussian' or 'uniform', got 'beta'/);
  await assert.rejects(samplePrior(vae, 2, {} as never), { name: 'TypeError', message: /samplePrior: opts\.rng: expected an Rng, got undefined/ });
  await assert.rejects(samplePrior(vae, 2, { rng, temperature: -1 }), /temperature: expected a positive number, got -1/);
  await assert.rejects(samplePrior(vae, 2, { rng, labels: Int32Array.of(1, 2) }), { name: 'TypeError', message: /not conditional/ });
});

test('reconstruct: test images 1, 3, 7 and the decodings of their encoder means', async () => {
  const r = await reconstruct(vae, testSet, [1, 3, 7]);
  assert.equal(r.originals.length, 3 * PER);
  assert.deepEqual(r.originals.subarray(PER, 2 * PER), image(testSet, 3));
  assertClose(r.reconstructions, await vae.decode(await means(vae, r.originals)), 1e-6, 'reconstructions');
  assert.ok(inUnit(r.reconstructions));
  // A trained model reconstructs better than the mean image does.
  const sse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
  const flat = new Float32Array(3 * PER).fill(0.13);
  assert.ok(sse(r.originals, r.reconstructions) < sse(r.originals, flat));
  assert.deepEqual((await reconstruct(vae, testSet, Int32Array.of(1, 3, 7))).originals, r.originals);
  await assert.rejects(reconstruct(vae, testSet, [1, 600]), /reconstruct: indices\[1\]: expected an integer in \[0, 599\], got 600/);
  await assert.rejects(reconstruct(vae, testSet, []), /indices: expected a non-empty array/);
});

test('interpolate: linear path between the encoder means, endpoints decode to the endpoints', async () => {
  const xa = image(testSet, 3); // a 0
  const xb = image(testSet, 2); // a 1
  const [ma, mb] = [await means(vae, xa), await means(vae, xb)];
  const strip = await interpolate(vae, xa, xb, 5);
  assert.equal(strip.length, 5 * PER);
  assert.ok(inUnit(strip));
  assertClose(row(strip, 0, PER), await vae.decode(ma), 1e-6, 'first');
  assertClose(row(strip, 4, PER), await vae.decode(mb), 1e-6, 'last');
  assertClose(row(strip, 2, PER), await vae.decode(lerp(ma, mb, 0.5)), 1e-5, 'middle');
  // The path actually moves: consecutive images differ.
  assert.notDeepEqual(row(strip, 1, PER), row(strip, 3, PER));
});

test('interpolate: slerp path, endpoints exact, middle is the slerp of the means', async () => {
  const xa = image(testSet, 3);
  const xb = image(testSet, 4);
  const [ma, mb] = [await means(vae, xa), await means(vae, xb)];
  const strip = await interpolate(vae, xa, xb, 7, { method: 'slerp' });
  assert.equal(strip.length, 7 * PER);
  assertClose(row(strip, 0, PER), await vae.decode(ma), 1e-6, 'first');
  assertClose(row(strip, 6, PER), await vae.decode(mb), 1e-6, 'last');
  assertClose(row(strip, 3, PER), await vae.decode(slerp(ma, mb, 0.5)), 1e-5, 'middle');
});

test("slerp keeps norms between the endpoints' norms and falls back to linear", () => {
  const rng = new Rng(6);
  for (let trial = 0; trial < 50; trial++) {
    const a = rng.normalArray(16);
    let b = rng.normalArray(16);
    // Acute angles with unequal norms: the norm stays between the ends' norms.
    if (a.reduce((s, v, i) => s + v * b[i], 0) < 0) b = b.map((v) => -v);
    b = b.map((v) => 1.7 * v);
    const [lo, hi] = [Math.min(norm(a), norm(b)), Math.max(norm(a), norm(b))];
    for (let t = 0; t <= 1; t += 0.125) {
      const n = norm(slerp(a, b, t));
      assert.ok(n >= lo - 1e-5 && n <= hi + 1e-5, `trial ${trial}, t ${t}: ${n} not in [${lo}, ${hi}]`);
    }
    // Equal norms at any angle: the norm is preserved all along (unlike the straight line).
    const c = rng.normalArray(16);
    const d = rng.normalArray(16).map((v, _, arr) => (v * norm(c)) / norm(arr));
    assert.ok(Math.abs(norm(slerp(c, d, 0.5)) - norm(c)) < 1e-4 * norm(c));
    assert.ok(norm(lerp(c, d, 0.5)) < norm(c));
  }
  // Ends are the inputs; (anti-)parallel vectors and zero vectors fall back to lerp.
  const a = Float32Array.of(1, 2, 3);
  const b = Float32Array.of(-1, 0.5, 2);
  assertClose(slerp(a, b, 0), a, 1e-6);
  assertClose(slerp(a, b, 1), b, 1e-6);
  for (const other of [a.map((v) => 2 * v), a.map((v) => -v), new Float32Array(3)])
    for (const t of [0.25, 0.5]) assertClose(slerp(a, other, t), lerp(a, other, t), 1e-6, 'fallback');
  assert.ok(
    slerp(
      a,
      a.map((v) => -v),
      0.5,
    ).every(Number.isFinite),
  );
  // Documented: at obtuse angles with unequal norms the norm can dip below both ends'.
  assert.ok(norm(slerp([1, 0], [-1.732, 1], 0.1)) < 1);
});

test('interpolate: bad arguments', async () => {
  const x = image(testSet, 0);
  await assert.rejects(interpolate(vae, x, x, 1), /interpolate: steps: expected an integer ≥ 2, got 1/);
  await assert.rejects(interpolate(vae, x, x.subarray(0, 10), 3), /interpolate: xb: expected one image of 28×28×1 = 784 values, got 10/);
  await assert.rejects(interpolate(vae, [] as never, x, 3), { name: 'TypeError', message: /interpolate: xa: expected a Float32Array/ });
  await assert.rejects(interpolate(vae, x, x, 3, { method: 'cubic' as never }), /method: expected 'linear' or 'slerp', got 'cubic'/);
});

test('traverseAxis: only the chosen axis moves (Géron: axis 3 of 10, linspace(−0.8, 0.8, 7))', async () => {
  const geron = VAE.fromPreset('geron-dense', { seed: 1 });
  const g = await traverseAxis(geron, 3);
  assert.equal(g.z.length, 7 * 10);
  assert.equal(g.images.length, 7 * PER);
  for (let i = 0; i < 7; i++)
    for (let j = 0; j < 10; j++) {
      const want = j === 3 ? -0.8 + (1.6 * i) / 6 : 0;
      assert.ok(Math.abs(g.z[i * 10 + j] - want) < 1e-6, `z[${i}][${j}] = ${g.z[i * 10 + j]}, want ${want}`);
    }
  assertClose(g.images, await geron.decode(g.z), 1e-6, 'images');

  const base = Float32Array.of(0.3, -1.2);
  const t = await traverseAxis(vae, 1, { from: -2, to: 2, steps: 5, base });
  for (let i = 0; i < 5; i++) {
    assert.equal(t.z[2 * i], base[0]);
    assert.ok(Math.abs(t.z[2 * i + 1] - (-2 + i)) < 1e-6);
  }
  assert.ok(inUnit(t.images));
  await assert.rejects(traverseAxis(vae, 2), /traverseAxis: axis: expected an integer in \[0, 1\], got 2/);
  await assert.rejects(traverseAxis(vae, 0, { steps: 1 }), /steps: expected an integer ≥ 2, got 1/);
  await assert.rejects(traverseAxis(vae, 0, { base: new Float32Array(3) }), /base: expected 2 values \(latentDim\), got 3/);
  await geron.dispose();
});

test('classMeans: equal to a direct per-class average of z_mean, encoded in batches', async () => {
  const cm = await classMeans(vae, testSet, { batchSize: 128 }); // 600 = 4 × 128 + 88
  assert.equal(cm.numClasses, 10);
  assert.equal(cm.latentDim, 2);
  const all = await means(vae, testSet.images);
  const sums = new Float64Array(20);
  const counts = new Int32Array(10);
  testSet.labels!.forEach((c, i) => {
    counts[c]++;
    sums[2 * c] += all[2 * i];
    sums[2 * c + 1] += all[2 * i + 1];
  });
  assert.deepEqual(cm.counts, counts);
  assertClose(
    cm.means,
    sums.map((s, k) => s / counts[k >> 1]),
    1e-5,
    'means',
  );
  // Trained codes separate the digits: 0s and 1s have clearly different means.
  assert.ok(norm(attributeVector(cm, 0, 1)) > 0.5);
  await assert.rejects(classMeans(vae, { ...testSet, labels: null }), { name: 'TypeError', message: /classMeans: ds: expected a labelled data set/ });
  await assert.rejects(classMeans(vae, testSet, { batchSize: 0 }), /batchSize: expected an integer ≥ 1, got 0/);
});

test('classMeans never encodes more than batchSize images at once (recording model)', async () => {
  const calls: number[] = [];
  const recorder: LatentModel = {
    latentDim: 3,
    inputShape: [28, 28, 1],
    numClasses: null,
    async encode(x: Float32Array): Promise<Encoding> {
      const n = x.length / PER;
      calls.push(n);
      const mean = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) mean.set(x.subarray(i * PER + 200, i * PER + 203), i * 3);
      return { mean, logVar: new Float32Array(n * 3), z: mean };
    },
    async decode(z: Float32Array) {
      return new Float32Array((z.length / 3) * PER);
    },
  };
  const big = loadMnist('train', { limit: 1200 });
  const cm = await classMeans(recorder, big);
  assert.deepEqual(calls, [500, 500, 200]);
  assert.equal(
    cm.counts.reduce((a, b) => a + b, 0),
    1200,
  );
  const lp = await latentPoints(recorder, big, { limit: 700, batchSize: 300 });
  assert.deepEqual(calls.slice(3), [300, 300, 100]);
  assert.equal(lp.method, 'pca');
  assert.equal(lp.points.length, 1400);
});

test('morph: a strip from one class mean to another', async () => {
  const cm = await classMeans(vae, testSet);
  const strip = await morph(vae, cm, 0, 1, 8);
  assert.equal(strip.length, 8 * PER);
  assertClose(row(strip, 0, PER), await vae.decode(cm.means.slice(0, 2)), 1e-6, 'from');
  assertClose(row(strip, 7, PER), await vae.decode(cm.means.slice(2, 4)), 1e-6, 'to');
  assert.equal((await morph(vae, cm, 3, 8, 4, { method: 'slerp' })).length, 4 * PER);
  await assert.rejects(morph(vae, cm, 0, 10, 8), /morph: to: expected a class in \[0, 9\], got 10/);
  await assert.rejects(morph(vae, cm, 0, 1, 1), /morph: steps: expected an integer ≥ 2, got 1/);
  const empty: ClassMeans = { ...cm, counts: cm.counts.map((c, k) => (k === 5 ? 0 : c)) };
  await assert.rejects(morph(vae, empty, 5, 1, 3), /morph: from: class 5 has no images/);
  const wrong: ClassMeans = { means: new Float32Array(30), counts: new Int32Array(10).fill(1), numClasses: 10, latentDim: 3 };
  await assert.rejects(morph(vae, wrong, 0, 1, 3), /morph: means: expected vectors of latentDim 2, got 3/);
});

test('attributeVector and addAttribute: latent arithmetic', async () => {
  const cm = await classMeans(vae, testSet);
  const v = attributeVector(cm, 7, 1);
  assertClose(v, [cm.means[14] - cm.means[2], cm.means[15] - cm.means[3]], 1e-6);
  const x = image(testSet, 2); // a 1
  const m = await means(vae, x);
  const r = await addAttribute(vae, x, v, [0, 0.5, 1]);
  assert.equal(r.images.length, 3 * PER);
  assertClose(row(r.z, 2, 2), [m[0] + v[0], m[1] + v[1]], 1e-5, 'z');
  assertClose(row(r.images, 0, PER), await vae.decode(m), 1e-6, 'scale 0 is the reconstruction');
  assert.throws(() => attributeVector(cm, -1, 1), /attributeVector: a: expected a class in \[0, 9\], got -1/);
  await assert.rejects(addAttribute(vae, x, new Float32Array(5), [1]), /addAttribute: vector: expected 2 values \(latentDim\), got 5/);
  await assert.rejects(addAttribute(vae, x, v, []), /scales: expected a non-empty array/);
});

test("latentPoints: the means themselves in 2-D, PCA for lecture-conv's 100 dimensions", async () => {
  const lp = await latentPoints(vae, testSet, { limit: 250 });
  assert.equal(lp.method, 'identity');
  assert.equal(lp.explainedVariance, undefined);
  assertClose(lp.points, await means(vae, testSet.images.subarray(0, 250 * PER)), 1e-6, 'points');
  assert.deepEqual(lp.labels, testSet.labels!.slice(0, 250));

  const conv = VAE.fromPreset('lecture-conv', { seed: 1 });
  const p = await latentPoints(conv, testSet, { limit: 300, batchSize: 128 });
  assert.equal(p.method, 'pca');
  assert.equal(p.points.length, 600);
  assert.equal(p.labels?.length, 300);
  const [e1, e2] = p.explainedVariance!;
  assert.ok(e1 >= e2 && e2 > 0 && e1 + e2 <= 1, `${e1}, ${e2}`);
  // Projections of centred data are centred.
  const mx = p.points.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) / 300;
  assert.ok(Math.abs(mx) < 1e-4);
  await conv.dispose();
  await assert.rejects(latentPoints(vae, testSet, { limit: 0 }), /latentPoints: limit: expected an integer ≥ 1, got 0/);
  const rgb: Dataset = { ...testSet, shape: [28, 28, 3] };
  await assert.rejects(latentPoints(vae, rgb), /latentPoints: ds: expected images of \[28, 28, 1\].*got \[28, 28, 3\]/);
});

test('manifold: an n × n grid over [−range, range]², top row = largest z[1] (keras.io layout)', async () => {
  const m = await manifold(vae, { n: 5, range: 2 });
  assert.equal(m.images.length, 25 * PER);
  const z = (i: number, j: number) => [m.z[(i * 5 + j) * 2], m.z[(i * 5 + j) * 2 + 1]];
  assert.deepEqual(z(0, 0), [-2, 2]);
  assert.deepEqual(z(0, 4), [2, 2]);
  assert.deepEqual(z(4, 0), [-2, -2]);
  assert.deepEqual(z(2, 3), [1, 0]);
  assertClose(row(m.images, 7, PER), await vae.decode(Float32Array.from(z(1, 2))), 1e-6, 'tile (1, 2)');
  const full = await manifold(vae);
  assert.equal(full.images.length, 900 * PER);
  assert.ok(full.z.every((v) => v >= -1 && v <= 1));
  const geron = VAE.fromPreset('geron-dense', { seed: 1 });
  await assert.rejects(manifold(geron), (e: Error) => e instanceof RangeError && /needs a 2-D latent space, got latentDim 10/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(manifold(vae, { n: 1 }), /manifold: n: expected an integer ≥ 2, got 1/);
});

test('conditional model: generation takes a label; tools pass labels through', async () => {
  const cvae = new VAE({ ...PRESETS['keras-conv2d'](), numClasses: 10 }, { seed: 1 });
  const s = await samplePrior(cvae, 4, { rng: new Rng(1), labels: Int32Array.of(0, 3, 7, 9) });
  assert.equal(s.images.length, 4 * PER);
  assert.ok(inUnit(s.images));
  // Same z, different label → different image: the label reaches the decoder.
  const one = await samplePrior(cvae, 4, { rng: new Rng(1), labels: Int32Array.of(5) });
  assert.deepEqual(one.z, s.z);
  assertClose(one.images, await cvae.decode(s.z, Int32Array.of(5, 5, 5, 5)), 1e-6, 'broadcast label');
  assert.notDeepEqual(one.images.subarray(0, PER), s.images.subarray(0, PER));

  await assert.rejects(samplePrior(cvae, 4, { rng: new Rng(1) }), {
    name: 'TypeError',
    message: /samplePrior: labels: a conditional model needs an Int32Array of 1 or 4 labels, got none/,
  });
  await assert.rejects(samplePrior(cvae, 4, { rng: new Rng(1), labels: Int32Array.of(1, 2) }), /expected 1 or 4 labels, got 2/);
  await assert.rejects(samplePrior(cvae, 2, { rng: new Rng(1), labels: Int32Array.of(10) }), /labels: expected labels in \[0, 9\], got 10 at index 0/);

  const r = await reconstruct(cvae, testSet, [0, 1]);
  assert.equal(r.reconstructions.length, 2 * PER);
  const path = await interpolate(cvae, image(testSet, 0), image(testSet, 1), 4, { labels: Int32Array.of(7, 2) });
  assert.equal(path.length, 4 * PER);
  await assert.rejects(interpolate(cvae, image(testSet, 0), image(testSet, 1), 4), /interpolate: labels: a conditional model needs/);
  const cm = await classMeans(cvae, testSet);
  assert.equal((await morph(cvae, cm, 2, 5, 3)).length, 3 * PER);
  assert.equal((await manifold(cvae, { n: 3, labels: Int32Array.of(4) })).images.length, 9 * PER);
  assert.equal((await traverseAxis(cvae, 0, { steps: 3, labels: Int32Array.of(1, 2, 3) })).images.length, 3 * PER);
  await cvae.dispose();
});
