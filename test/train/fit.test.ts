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
