/**
 * The IWAE objective: its gradient against finite differences, its value against a reference
 * computed here from the model's own encoder and decoder, and its place between the ELBO and
 * the log-likelihood.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dense, Flatten, loadMnist, loadRun, Rng, runReport, trainRun, VAE, type VAEConfig } from '../../src/index.js';
import { checkGradients } from '../models/gradcheck.js';

const mnist = loadMnist('train', { limit: 64 });
const N = 4;
const x = mnist.images.slice(0, N * 784);

/** A small Burda-shaped model: tanh dense layers, Bernoulli decoder. */
function config(samples: number, numClasses?: number): VAEConfig {
  return {
    inputShape: [28, 28, 1],
    latentDim: 3,
    encoder: [new Flatten(), new Dense(16, { activation: 'tanh' })],
    decoder: [new Dense(16, { activation: 'tanh' }), new Dense(784, { activation: 'sigmoid' })],
    loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 1,
    batchSize: 100,
    numClasses,
    objective: { name: 'iwae', samples },
  };
}

function perturbed(c: VAEConfig): VAE {
  const vae = new VAE(c, { seed: 2 });
  const rng = new Rng(4);
  vae.setWeights(vae.getWeights().map((w) => ({ ...w, data: w.data.map((v) => v + 0.05 * rng.normal()) })));
  return vae;
}

test('iwae (k = 3): gradients agree with finite differences in every weight tensor', async () => {
  const vae = perturbed(config(3));
  await checkGradients(vae, x, new Rng(5).normalArray(3 * N * 3), undefined, 'iwae k=3');
  await vae.dispose();
});

test('iwae on a conditional model: labels repeat per sample; gradients agree with finite differences', async () => {
  const vae = perturbed(config(2, 10));
  const labels = Int32Array.from(mnist.labels!.slice(0, N));
  await checkGradients(vae, x, new Rng(6).normalArray(2 * N * 3), labels, 'conditional iwae k=2');
  await vae.dispose();
});

test("the iwae loss is −log (1/k) Σ w_i, computed here from the model's encoder and decoder", async () => {
  const k = 5;
  const L = 3;
  const vae = perturbed(config(k));
  const eps = new Rng(7).normalArray(N * k * L); // (N, k, L), image-major
  const got = await vae.evaluate(x, eps);
  // Reference: z_i = μ + σ·ε_i, log w_i = log p(x|z_i) + log p(z_i) − log q(z_i|x).
  const { mean, logVar } = await vae.encode(x, new Float32Array(N * L));
  const at = (i: number) => Math.floor(i / (k * L)) * L + (i % L); // (n, s, l) → (n, l)
  const z = Float32Array.from(eps, (e, i) => mean[at(i)] + Math.exp(0.5 * logVar[at(i)]) * e);
  const p = await vae.decode(z); // (N·k, 784)
  const clip = (v: number) => Math.min(Math.max(v, 1e-7), 1 - 1e-7);
  let bound = 0;
  let rec = 0;
  for (let n = 0; n < N; n++) {
    const logW: number[] = [];
    for (let s = 0; s < k; s++) {
      const row = n * k + s;
      let ll = 0;
      for (let d = 0; d < 784; d++) {
        const q = clip(p[row * 784 + d]);
        const xv = x[n * 784 + d];
        ll += xv * Math.log(q) + (1 - xv) * Math.log(1 - q);
      }
      let ratio = 0;
      for (let l = 0; l < L; l++) {
        const i = row * L + l;
        ratio += 0.5 * (z[i] ** 2 - eps[i] ** 2 - logVar[n * L + l]);
      }
      logW.push(ll - ratio);
      rec -= ll;
    }
    const m = Math.max(...logW);
    bound += m + Math.log(logW.reduce((a, v) => a + Math.exp(v - m), 0) / k);
  }
  assert.ok(Math.abs(got.loss - -bound / N) < 1e-3 * Math.abs(bound / N), `loss ${got.loss}, reference ${-bound / N}`);
  assert.ok(Math.abs(got.reconstruction - rec / (k * N)) < 1e-3 * (rec / (k * N)), `reconstruction ${got.reconstruction}, reference ${rec / (k * N)}`);
  await vae.dispose();
});

test('more samples tighten the bound: on average, iwae k = 20 ≤ k = 5 ≤ k = 1', async () => {
  const losses: number[] = [];
  for (const k of [1, 5, 20]) {
    const vae = perturbed(config(k));
    let sum = 0;
    const rng = new Rng(9);
    for (let r = 0; r < 20; r++) sum += (await vae.evaluate(x, rng.normalArray(k * N * 3))).loss;
    losses.push(sum / 20);
    await vae.dispose();
  }
  assert.ok(losses[0] > losses[1] && losses[1] > losses[2], `mean losses k=1, 5, 20: ${losses.join(', ')}`);
});

test('iwae refuses a plain autoencoder and a KL averaged over dims, naming the field', () => {
  assert.throws(() => new VAE({ ...config(5), variational: false }), { name: 'RangeError', message: /iwae.*variational/ });
  assert.throws(() => new VAE({ ...config(5), loss: { ...config(5).loss, klReduction: 'mean' } }), { name: 'RangeError', message: /klReduction 'sum'/ });
  assert.throws(() => new VAE(config(0)), { name: 'RangeError', message: /samples expects a positive integer, got 0/ });
});

test('eps of an iwae step holds k × N × L values', async () => {
  const vae = new VAE(config(5), { seed: 1 });
  await assert.rejects(vae.trainStep(x, new Float32Array(N * 3)), { name: 'RangeError', message: /eps: expected 4 × 5 × 3 = 60 values, got 12/ });
  const m = await vae.trainStep(x); // noise drawn by the model
  assert.ok(Number.isFinite(m.loss));
  await vae.dispose();
});

test('an IWAE run end to end: trainRun records the objective, resume keeps it, the report names it', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'vaekit-iwae-')), 'run');
  const data = { train: loadMnist('train', { limit: 200 }), test: loadMnist('test', { limit: 100 }) };
  const { objective: _, ...elboConfig } = config(1);
  const r = await trainRun({ out, config: elboConfig, objective: { name: 'iwae', samples: 3 }, data, epochs: 1, batchSize: 50, validation: null });
  assert.ok(Number.isFinite(r.test!.loss));
  await r.vae.dispose();
  const run = loadRun(out);
  assert.deepEqual(run.vae.config.objective, { name: 'iwae', samples: 3 });
  assert.equal(run.vae.noisePerImage, 3 * 3);
  const report = await runReport(run, data.test);
  assert.match(String(report.summary?.objective), /^IWAE bound, k = 3 samples \(Bernoulli cross-entropy, KL\)$/);
  await run.vae.dispose();
  await assert.rejects(trainRun({ out, resume: true, epochs: 2, objective: { name: 'elbo' }, data }), /`objective` iwae, 3 samples, not elbo/);
});
