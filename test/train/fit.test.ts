/** The training loop: epoch figures, validation, KL warm-up, data checks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist, VAE } from '../../src/index.js';
import { fit } from '../../src/train/fit.js';

const train = loadMnist('train', { limit: 1000 });
const val = loadMnist('test', { limit: 200 });

test('fit reports per-epoch means, validation, and a linear KL warm-up', async () => {
  const vae = VAE.fromPreset('medium-dense', { seed: 1 });
  const seen: number[] = [];
  const r = await fit(vae, train, { epochs: 4, batchSize: 100, validation: val, klWarmup: 2, onBatch: (p) => seen.push(p.batch) });
  assert.equal(r.history.length, 4);
  assert.deepEqual(
    r.history.map((h) => h.beta),
    [0.5, 1, 1, 1],
  );
  assert.equal(seen.length, 40);
  assert.ok(r.history[3].loss < r.history[0].loss);
  assert.ok(r.history.every((h) => h.val && Number.isFinite(h.val.loss)));
  assert.equal(vae.beta, 1);
  await vae.dispose();
});

test('fit refuses data of the wrong shape, and conditional models without labels', async () => {
  const vae = VAE.fromPreset('medium-dense');
  const small = { ...train, shape: [14, 14, 4] as [number, number, number] };
  await assert.rejects(fit(vae, small, { epochs: 1 }), /training data: the model expects images of 28×28×1, the data set 'mnist\/train' has 14×14×4/);
  const cvae = VAE.fromPreset('cvae');
  await assert.rejects(fit(cvae, { ...train, labels: null }, { epochs: 1 }), /a conditional model needs labels/);
  await vae.dispose();
  await cvae.dispose();
});

test('fit with several steps per run trains exactly as one step per run', async () => {
  const histories = [];
  for (const stepsPerRun of [1, 3]) {
    const vae = VAE.fromPreset('medium-dense', { seed: 2 });
    const batches: number[] = [];
    // 1000 images in batches of 300: runs of 3, then the last batch of 100 on its own.
    const r = await fit(vae, train, { epochs: 2, batchSize: 300, stepsPerRun, onBatch: (p) => batches.push(p.batch) });
    assert.deepEqual(batches, [1, 2, 3, 4, 1, 2, 3, 4]);
    histories.push({ history: r.history.map(({ seconds: _s, imagesPerSecond: _i, ...h }) => h), weights: vae.getWeights() });
    await vae.dispose();
  }
  assert.deepEqual(histories[1], histories[0]);
});

test('fit refuses a stepsPerRun that is not a positive integer', async () => {
  const vae = VAE.fromPreset('medium-dense');
  await assert.rejects(fit(vae, train, { epochs: 1, stepsPerRun: 0 }), /fit: stepsPerRun must be a positive integer, got 0/);
  await vae.dispose();
});
