/**
 * Data-set evaluation and the importance-sampled log-likelihood, on a small dense Bernoulli VAE
 * (medium-dense with a BCE decoder) trained for 200 steps on 4,096 MNIST images.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { batches, loadMnist, Rng, VAE, type Dataset } from '../../src/index.js';
import { PRESETS } from '../../src/models/presets.js';
import { binarize, evaluateDataset, logLikelihood } from '../../src/train/evaluate.js';

const train = loadMnist('train', { limit: 4096 });
const test_ = loadMnist('test', { limit: 1000 });
let vae: VAE;

before(async () => {
  vae = new VAE({ ...PRESETS['medium-dense'](), loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 } }, { seed: 1 });
  const it = batches(train, 128, { rng: new Rng(2) });
  let steps = 0;
  training: for (;;)
    for (const b of it) {
      await vae.trainStep(b.x);
      if (++steps === 200) break training;
    }
});

after(async () => {
  await vae.dispose();
});

test('evaluateDataset is the size-weighted average of evaluate over batches, with seeded noise', async () => {
  // 1000 images in batches of 300: 300, 300, 300 and a short 100.
  const got = await evaluateDataset(vae, test_, { batchSize: 300, seed: 9 });
  const rng = new Rng(9);
  let loss = 0;
  let rec = 0;
  let kl = 0;
  for (let s = 0; s < 1000; s += 300) {
    const n = Math.min(300, 1000 - s);
    const m = await vae.evaluate(test_.images.slice(s * 784, (s + n) * 784), rng.normalArray(n * 2));
    loss += m.loss * n;
    rec += m.reconstruction * n;
    kl += m.kl * n;
  }
  assert.equal(got.count, 1000);
  assert.ok(Math.abs(got.loss - loss / 1000) < 1e-9 * Math.abs(got.loss), `${got.loss} vs ${loss / 1000}`);
  assert.ok(Math.abs(got.reconstruction - rec / 1000) < 1e-9 * got.reconstruction);
  assert.ok(Math.abs(got.kl - kl / 1000) < 1e-9 * got.kl);
  assert.ok(Math.abs(got.loss - (got.reconstruction + got.kl)) < 1e-3, 'β = 1: loss = reconstruction + KL');
  // Reproducible; the batch size changes nothing but float rounding (the noise stream is per image).
  assert.deepEqual(await evaluateDataset(vae, test_, { batchSize: 300, seed: 9 }), got);
  const other = await evaluateDataset(vae, test_, { batchSize: 1000, seed: 9 });
  assert.ok(Math.abs(other.loss - got.loss) < 1e-3, `${other.loss} vs ${got.loss}`);
  // Trained: well under the ~543 nats of an untrained Bernoulli decoder (784·log 2).
  assert.ok(got.loss > 100 && got.loss < 250, `test loss ${got.loss}`);
  const progress: number[] = [];
  const lim = await evaluateDataset(vae, test_, { limit: 250, batchSize: 100, onProgress: (d, t) => progress.push(d, t) });
  assert.equal(lim.count, 250);
  assert.deepEqual(progress, [100, 250, 200, 250, 250, 250]);
});

test('k = 1 is the one-sample ELBO with the same noise; k = 64 gives a tighter bound', async () => {
  const n = 300;
  const ds = subsetOf(test_, n);
  const elbo = await evaluateDataset(vae, ds, { seed: 4 });
  const one = await logLikelihood(vae, ds, { k: 1, seed: 4 });
  assert.equal(one.count, n);
  assert.equal(one.k, 1);
  // Same ε, so the reconstruction term is identical; what differs is a one-sample KL estimate
  // (log q − log p at the sampled z) in place of the closed form. Compute that by hand.
  const { mean, logVar } = await vae.encode(ds.images, new Float32Array(n * 2));
  const eps = new Rng(4).normalArray(n * 2);
  let klHat = 0;
  for (let i = 0; i < n * 2; i++) {
    const z = mean[i] + Math.exp(0.5 * logVar[i]) * eps[i];
    klHat += 0.5 * (z * z - logVar[i] - eps[i] * eps[i]);
  }
  klHat /= n;
  const expected = elbo.reconstruction + klHat;
  assert.ok(Math.abs(one.nats - expected) < 2e-3 * expected, `k=1: ${one.nats} vs reconstruction + sampled KL ${expected}`);
  // ... and, up to that sampling noise, the −ELBO (the training loss with β = 1).
  assert.ok(Math.abs(one.nats - elbo.loss) < 1.5, `k=1: ${one.nats} vs −ELBO ${elbo.loss}`);

  const progress: Array<[number, number]> = [];
  const many = await logLikelihood(vae, ds, { k: 64, seed: 4, chunk: 1000, batchSize: 128, onProgress: (d, t) => progress.push([d, t]) });
  assert.ok(many.nats < one.nats, `k=64 ${many.nats} should be below k=1 ${one.nats}`);
  assert.ok(many.nats < elbo.loss - 0.5, `k=64 ${many.nats} vs −ELBO ${elbo.loss}`);
  assert.ok(many.nats > 80 && many.nats < 250, `−log p(x) = ${many.nats}`);
  assert.ok(many.stderr > 0 && many.stderr < 10, `stderr ${many.stderr}`);
  assert.ok(many.seconds > 0);
  assert.deepEqual(progress, [
    [128, 300],
    [256, 300],
    [300, 300],
  ]);
  // The chunk size (here, image samples split across decode calls) changes nothing but rounding.
  const chunked = await logLikelihood(vae, ds, { k: 64, seed: 4, chunk: 48 });
  assert.ok(Math.abs(chunked.nats - many.nats) < 1e-4, `${chunked.nats} vs ${many.nats}`);
});

test("binarized data, limit, and the model's generator untouched", async () => {
  const ds = subsetOf(test_, 100);
  const b = binarize(ds, 'sample', new Rng(1));
  assert.ok(b.images.every((v) => v === 0 || v === 1));
  assert.ok(binarize(ds, 'threshold').images.every((v, i) => v === (ds.images[i] >= 0.5 ? 1 : 0)));
  // Sampled binarization keeps the expected intensity.
  const meanOf = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(meanOf(b.images) - meanOf(ds.images)) < 0.005);
  const r = await logLikelihood(vae, test_, { k: 8, limit: 100, binarize: true, binarizeSeed: 1 });
  const same = await logLikelihood(vae, b, { k: 8 });
  assert.equal(r.count, 100);
  assert.equal(r.nats, same.nats);
  // The encoder is called with explicit zero noise, so the model's own ε stream does not move.
  const probe = new VAE({ ...PRESETS['medium-dense'](), loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 } }, { seed: 5 });
  const twin = new VAE({ ...PRESETS['medium-dense'](), loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 } }, { seed: 5 });
  await logLikelihood(probe, ds, { k: 2 });
  await evaluateDataset(probe, ds);
  assert.deepEqual((await probe.encode(ds.images.slice(0, 784))).z, (await twin.encode(ds.images.slice(0, 784))).z);
  await probe.dispose();
  await twin.dispose();
});

test('refusals: SSE decoders, plain autoencoders, bad arguments, unlabelled data for conditional models', async () => {
  const sse = VAE.fromPreset('medium-dense', { seed: 1 });
  await assert.rejects(
    logLikelihood(sse, test_, { k: 1, limit: 2 }),
    (e: Error) => e instanceof RangeError && /'bce'/.test(e.message) && /'sse'/.test(e.message) && !e.message.includes('\n'),
  );
  const ae = new VAE({ ...PRESETS['medium-dense'](), loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 }, variational: false }, { seed: 1 });
  await assert.rejects(logLikelihood(ae, test_, { k: 1, limit: 2 }), /plain autoencoder/);
  // A plain autoencoder's data-set loss still works (no noise is drawn).
  const aeLoss = await evaluateDataset(ae, test_, { limit: 10 });
  assert.equal(aeLoss.kl, 0);
  await assert.rejects(logLikelihood(vae, test_, { k: 0 }), /k: expected a positive integer, got 0/);
  await assert.rejects(evaluateDataset(vae, test_, { batchSize: 1.5 }), /batchSize/);
  await assert.rejects(evaluateDataset(vae, test_, { limit: 0 }), /limit/);
  const cvae = new VAE({ ...PRESETS['medium-dense'](), loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 }, numClasses: 10 }, { seed: 1 });
  const unlabelled: Dataset = { ...subsetOf(test_, 10), labels: null };
  await assert.rejects(evaluateDataset(cvae, unlabelled), TypeError);
  // Conditional models get the labels.
  const c = await evaluateDataset(cvae, test_, { limit: 20, batchSize: 8 });
  assert.equal(c.count, 20);
  assert.ok((await logLikelihood(cvae, test_, { limit: 5, k: 3 })).nats > 0);
  for (const m of [sse, ae, cvae]) await m.dispose();
});

function subsetOf(ds: Dataset, n: number): Dataset {
  return { ...ds, images: ds.images.slice(0, n * 784), labels: ds.labels ? ds.labels.slice(0, n) : null, count: n };
}
