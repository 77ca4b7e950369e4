/**
 * A run's exported encoder.onnx and decoder.onnx as a LatentModel (OnnxLatentModel) on both
 * runtimes: onnxruntime-node and onnxruntime-web (the explorer page's, run here in Node). Both
 * give what the VAE itself gives, and both check their inputs as the VAE does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist, Rng, VAE, type PresetName } from '../../src/index.js';
import { OnnxLatentModel } from '../../src/models/exported.js';
import { nodeRuntime } from '../../src/runtime/node.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { webRuntime } from '../../src/runtime/web.js';
import { samplePrior } from '../../src/tools/latent.js';

const x = loadMnist('test', { limit: 4 }).images;
const runtimes: Runtime[] = [nodeRuntime, webRuntime()];

function close(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `${what}[${i}]: ${v} vs ${want[i]}`));
}

async function exported(preset: PresetName, runtime: Runtime) {
  const vae = VAE.fromPreset(preset, { seed: 3 });
  await vae.trainStep(x, undefined, preset === 'cvae' ? Int32Array.from([0, 1, 2, 3]) : undefined);
  const model = await OnnxLatentModel.load(runtime, vae.exportEncoder(), vae.exportDecoder(), {
    inputShape: vae.inputShape,
    latentDim: vae.latentDim,
    numClasses: vae.numClasses,
    variational: vae.variational,
  });
  return { vae, model };
}

for (const runtime of runtimes)
  for (const preset of ['lecture-conv', 'ae-2d', 'cvae'] as PresetName[]) {
    test(`${runtime.name}: ${preset} exported halves encode and decode as the VAE`, async () => {
      const { vae, model } = await exported(preset, runtime);
      const labels = vae.numClasses ? Int32Array.from([7, 0, 9, 3]) : undefined;
      const eps = vae.variational ? new Rng(2).normalArray(4 * vae.latentDim) : undefined;
      const want = await vae.encode(x, eps, labels);
      const got = await model.encode(x, eps, labels);
      for (const k of ['mean', 'logVar', 'z'] as const) close(got[k], want[k], k);
      // Without eps the noise is zero: z is the mean.
      close((await model.encode(x, undefined, labels)).z, want.mean, 'z without eps');
      // Calls fired together are queued, never run concurrently on one session.
      const [a, b] = await Promise.all([model.decode(want.z, labels), model.decode(want.mean, labels)]);
      close(a, await vae.decode(want.z, labels), 'image');
      close(b, await vae.decode(want.mean, labels), 'image of the mean');
      // The latent tools take it like any LatentModel.
      const s = await samplePrior(model, 3, { rng: new Rng(5), labels: labels?.subarray(0, 1) });
      close(s.images, await vae.decode(s.z, labels ? new Int32Array(3).fill(7) : undefined), 'samplePrior');
      await vae.dispose();
      await model.dispose();
      await assert.rejects(model.decode(want.z, labels), /decode: this model was disposed/);
    });
  }

test('OnnxLatentModel checks labels, shapes and info as the VAE does', async () => {
  const { vae, model } = await exported('cvae', webRuntime());
  const z = new Float32Array(2 * model.latentDim);
  await assert.rejects(model.decode(z), { name: 'TypeError', message: 'decode: labels: a conditional model needs an Int32Array of 2 labels, got none' });
  await assert.rejects(model.decode(z, Int32Array.of(1)), { name: 'RangeError', message: 'decode: labels: expected 2 labels (one per image), got 1' });
  // A bad class is an error, never clamped to the nearest one.
  await assert.rejects(model.decode(z, Int32Array.of(1, 10)), { name: 'RangeError', message: 'decode: labels: expected labels in [0, 9], got 10 at index 1' });
  await assert.rejects(model.decode(z, Int32Array.of(-1, 0)), { name: 'RangeError', message: 'decode: labels: expected labels in [0, 9], got -1 at index 0' });
  await assert.rejects(model.decode(new Float32Array(3), Int32Array.of(0)), { name: 'RangeError', message: /decode: z: expected N × 2 values/ });
  await assert.rejects(model.encode(x.subarray(0, 700), undefined, Int32Array.of(0)), { name: 'RangeError', message: /encode: x: expected N × 28×28×1 = N × 784 values/ });
  await assert.rejects(model.encode(x.subarray(0, 784), new Float32Array(3), Int32Array.of(0)), { name: 'RangeError', message: 'encode: eps: expected 1 × 2 = 2 values, got 3' });
  const bytes = [vae.exportEncoder(), vae.exportDecoder()] as const;
  await assert.rejects(OnnxLatentModel.load(webRuntime(), ...bytes, { inputShape: [28, 28, 1], latentDim: 2, numClasses: null, variational: true }), {
    name: 'RangeError',
    message: /info: a variational, unconditional model's encoder takes \(x, eps\) and decoder \(z\); these take \(x, eps, y\) and \(z, y\)/,
  });
  await assert.rejects(
    OnnxLatentModel.load(webRuntime(), ...bytes, { inputShape: [28, 28, 1], latentDim: 0, numClasses: 10, variational: true }),
    /info.latentDim: expected an integer ≥ 1, got 0/,
  );
  await model.dispose();
  await vae.dispose();

  const plain = await exported('lecture-conv', nodeRuntime);
  await assert.rejects(plain.model.decode(new Float32Array(plain.model.latentDim), Int32Array.of(0)), {
    name: 'TypeError',
    message: 'decode: labels: this model is not conditional; pass no labels',
  });
  await plain.model.dispose();
  await plain.vae.dispose();
});
