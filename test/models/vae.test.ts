/**
 * Whole-model checks through the public API: per-preset gradients against finite differences,
 * argument validation, and real learning on MNIST.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist, nodeRuntime, Rng, VAE, type NamedWeight, type PresetName } from '../../src/index.js';
import { PRESETS } from '../../src/models/presets.js';
import { checkGradients } from './gradcheck.js';

// lecture-conv-2022 is lecture-conv with another optimizer: its gradients are lecture-conv's.
const PRESET_NAMES = (Object.keys(PRESETS) as PresetName[]).filter((p) => p !== 'lecture-conv-2022');
const mnist = loadMnist('train', { limit: 2048 });
const batch = (n: number) => mnist.images.slice(0, n * 784);

test("lecture-conv has the lecture's latent size and parameter counts", () => {
  const vae = VAE.fromPreset('lecture-conv', { seed: 1 });
  assert.equal(vae.latentDim, 100);
  const ws = vae.getWeights();
  const count = (prefix: string) => ws.filter((w) => w.name.startsWith(prefix)).reduce((a, w) => a + w.data.length, 0);
  assert.equal(count('encoder/'), 318_600);
  assert.equal(count('decoder/'), 172_385);
  // Keras layouts and order: conv kernel [kh,kw,in,out], transposed-conv kernel [kh,kw,out,in].
  assert.deepEqual(ws.map((w) => `${w.name} ${w.shape.join('x')}`).slice(0, 8), [
    'encoder/conv2d/kernel 3x3x1x16',
    'encoder/conv2d/bias 16',
    'encoder/conv2d_1/kernel 3x3x16x32',
    'encoder/conv2d_1/bias 32',
    'encoder/z_mean/kernel 1568x100',
    'encoder/z_mean/bias 100',
    'encoder/z_log_var/kernel 1568x100',
    'encoder/z_log_var/bias 100',
  ]);
  assert.equal(ws[10].name, 'decoder/conv2d_transpose/kernel');
  assert.deepEqual(ws[10].shape, [3, 3, 32, 32]);
  assert.deepEqual(ws[14].shape, [3, 3, 1, 16]);
});

test('same seed, same weights; weights round-trip through setWeights', () => {
  const a = VAE.fromPreset('keras-conv2d', { seed: 7 });
  const b = VAE.fromPreset('keras-conv2d', { seed: 7 });
  const c = VAE.fromPreset('keras-conv2d', { seed: 8 });
  assert.deepEqual(a.getWeights(), b.getWeights());
  assert.notDeepEqual(a.getWeights()[0].data, c.getWeights()[0].data);
  c.setWeights(a.getWeights());
  assert.deepEqual(c.getWeights(), a.getWeights());
  // Glorot-uniform kernels stay inside their limit; biases start at zero.
  const [k, bias] = a.getWeights();
  const limit = Math.sqrt(6 / (9 * 1 + 9 * 32));
  assert.ok(k.data.every((v) => Math.abs(v) <= limit));
  assert.ok(bias.data.every((v) => v === 0));
});

for (const preset of PRESET_NAMES) {
  test(`${preset}: gradients agree with finite differences in every weight tensor`, async () => {
    const vae = VAE.fromPreset(preset, { seed: 3 });
    // Perturb the biases off zero so their gradients see the same conditions as trained weights.
    const rng = new Rng(11);
    vae.setWeights(vae.getWeights().map((w) => ({ ...w, data: w.data.map((v) => v + 0.01 * rng.normal()) })));
    const n = 4;
    const x = batch(n);
    const eps = new Rng(5).normalArray(n * vae.latentDim);
    const labels = vae.numClasses ? Int32Array.from(mnist.labels!.slice(0, n)) : undefined;
    await checkGradients(vae, x, eps, labels, preset, rng);
    await vae.dispose();
  });
}

test('one config builds several independent models', async () => {
  const config = PRESETS['medium-dense']();
  const a = new VAE(config, { seed: 1 });
  const b = new VAE(config, { seed: 2 });
  const x = batch(4);
  const eps = new Float32Array(8);
  const ea = await a.evaluate(x, eps);
  const eb = await b.evaluate(x, eps);
  assert.ok(Number.isFinite(ea.loss) && Number.isFinite(eb.loss) && ea.loss !== eb.loss);
  await a.dispose();
  await b.dispose();
});

test('bad arguments are refused with errors that name them', async () => {
  assert.throws(() => VAE.fromPreset('nope' as PresetName), { name: 'RangeError', message: /unknown preset 'nope'/ });
  const vae = VAE.fromPreset('medium-dense');
  await assert.rejects(vae.trainStep(new Float32Array(100)), { name: 'RangeError', message: /x: expected N × 784 values .* got 100/ });
  await assert.rejects(vae.trainStep([1, 2] as unknown as Float32Array), { name: 'TypeError', message: /x: expected a Float32Array/ });
  const nan = batch(1);
  nan[5] = NaN;
  await assert.rejects(vae.encode(nan), { name: 'RangeError', message: /x: expected finite numbers, got NaN at index 5/ });
  await assert.rejects(vae.trainStep(batch(2), new Float32Array(3)), { name: 'RangeError', message: /eps: expected 2 × 2 = 4 values, got 3/ });
  await assert.rejects(vae.decode(new Float32Array(3)), { name: 'RangeError', message: /decode: z must hold N × 2 values, got 3/ });
  assert.throws(() => vae.setWeights([]), { name: 'RangeError', message: /setWeights: expected 10 weights, got 0/ });
  await vae.dispose();
});

test('a conditional VAE takes one-hot labels into encoder and decoder', async () => {
  const vae = VAE.fromPreset('cvae', { seed: 2 });
  assert.equal(vae.numClasses, 10);
  const x = batch(4);
  const z = new Float32Array(4 * 2);
  await assert.rejects(vae.decode(z), { name: 'TypeError', message: /decode: labels: a conditional model needs an Int32Array of 4 labels, got none/ });
  await assert.rejects(vae.decode(z, Int32Array.of(0, 1, 2, 10)), { name: 'RangeError', message: /expected labels in \[0, 9\], got 10 at index 3/ });
  // The same z decodes differently under different labels: the label reaches the decoder.
  const a = await vae.decode(z, Int32Array.of(0, 0, 0, 0));
  const b = await vae.decode(z, Int32Array.of(7, 7, 7, 7));
  assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-4));
  // …and the encoder.
  const e0 = await vae.encode(x, z, Int32Array.of(0, 0, 0, 0));
  const e7 = await vae.encode(x, z, Int32Array.of(7, 7, 7, 7));
  assert.ok(e0.mean.some((v, i) => Math.abs(v - e7.mean[i]) > 1e-5));
  const plain = VAE.fromPreset('medium-dense');
  await assert.rejects(plain.decode(z, Int32Array.of(1, 2, 3, 4)), { name: 'TypeError', message: /not conditional/ });
  await vae.dispose();
  await plain.dispose();
});

test('a plain autoencoder (ae-2d) has one code head, no noise and no KL term', async () => {
  const ae = VAE.fromPreset('ae-2d', { seed: 2 });
  assert.equal(ae.variational, false);
  assert.ok(ae.getWeights().some((w) => w.name === 'encoder/z/kernel'));
  assert.ok(!ae.getWeights().some((w) => w.name.includes('z_log_var')));
  const x = batch(3);
  const e = await ae.encode(x);
  assert.deepEqual(e.z, e.mean);
  assert.ok(e.logVar.every((v) => v === 0));
  const m = await ae.trainStep(x);
  assert.equal(m.kl, 0);
  assert.equal(m.loss, m.reconstruction);
  await ae.dispose();
});

test('β is fed to every step: β = 0 drops the KL term from the loss', async () => {
  const vae = VAE.fromPreset('medium-dense', { seed: 2 });
  const x = batch(8);
  const eps = new Rng(1).normalArray(16);
  const full = await vae.evaluate(x, eps);
  vae.beta = 0;
  const noKl = await vae.evaluate(x, eps);
  assert.equal(noKl.loss, noKl.reconstruction);
  assert.ok(Math.abs(full.loss - (full.reconstruction + full.kl)) < 1e-3);
  assert.equal(noKl.kl, full.kl);
  await vae.dispose();
});

test('encode and decode: shapes, ranges and the reparameterization', async () => {
  const vae = VAE.fromPreset('keras-conv2d', { seed: 4 });
  const x = batch(3);
  const eps = new Float32Array(6).fill(0);
  const e = await vae.encode(x, eps);
  assert.equal(e.mean.length, 6);
  assert.deepEqual(e.z, e.mean); // ε = 0 ⇒ z = μ
  const imgs = await vae.decode(e.z);
  assert.equal(imgs.length, 3 * 784);
  assert.ok(imgs.every((v) => v >= 0 && v <= 1));
  await vae.dispose();
});

test('lecture-conv learns: 240 steps on 2,048 real MNIST images cut the loss far below its start', async () => {
  const vae = VAE.fromPreset('lecture-conv', { seed: 1 });
  const rng = new Rng(1);
  const order = Array.from({ length: 16 }, (_, i) => i);
  let first = NaN;
  let lastEpoch = 0;
  for (let epoch = 0; epoch < 15; epoch++) {
    rng.shuffle(order);
    lastEpoch = 0;
    for (const b of order) {
      const m = await vae.trainStep(mnist.images.subarray(b * 128 * 784, (b + 1) * 128 * 784));
      if (Number.isNaN(first)) first = m.loss;
      lastEpoch += m.loss / order.length;
    }
  }
  // Starts near 180 (an untrained sigmoid decoder outputs ≈ 0.5); learned digits are far below.
  assert.ok(first > 100, `first loss ${first}`);
  assert.ok(lastEpoch < 0.4 * first, `last epoch mean loss ${lastEpoch} vs first ${first}`);
  await vae.dispose();
});

test(
  "conv presets train alike on ORT's NCHWc kernels and on standard ONNX",
  { skip: (await nodeRuntime.nchwcBlock!()) === undefined && 'this ONNX Runtime has no NCHWc kernels here' },
  async () => {
    const x = batch(64);
    const steps = [{ x: x.subarray(0, 32 * 784) }, { x: x.subarray(32 * 784) }];
    for (const preset of ['lecture-conv', 'keras-conv2d'] as const) {
      const blocked = VAE.fromPreset(preset, { seed: 3 });
      const plain = VAE.fromPreset(preset, { seed: 3, runtime: { ...nodeRuntime, nchwcBlock: undefined } });
      const [mb, mp] = [await blocked.trainSteps(steps), await plain.trainSteps(steps)];
      mb.forEach((m, i) => assert.ok(Math.abs(m.loss - mp[i].loss) <= 1e-5 * Math.abs(mp[i].loss), `${preset} step ${i}: loss ${m.loss} vs ${mp[i].loss}`));
      const [wb, wp] = [blocked.getWeights(), plain.getWeights()];
      wb.forEach((w, i) => {
        let worst = 0;
        for (let j = 0; j < w.data.length; j++) worst = Math.max(worst, Math.abs(w.data[j] - wp[i].data[j]));
        assert.ok(worst <= 1e-5, `${preset} ${w.name}: differs by ${worst}`);
      });
      await blocked.dispose();
      await plain.dispose();
    }
  },
);
