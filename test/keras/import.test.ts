/**
 * Keras files written by Keras itself (../shared/fixtures/keras: the 2026 lecture's .keras, the
 * 2022 lecture's legacy .h5, the Medium article's dense VAE with a custom Sampling layer) import
 * into run folders whose encoder.onnx and decoder.onnx, run alone by onnxruntime-node, give
 * Keras's own numbers for the fixture's test images and eps.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import ort from 'onnxruntime-node';
import { importKeras, importKerasRun, loadMnist, loadRun, readCheckpoint, type ImportedManifest } from '../../src/index.js';
import { closeTo, FIXTURES } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-keras-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Reference {
  test_indices: number[];
  input_shape: number[];
  latent_dim: number;
  eps: number[][];
  z_mean: number[][];
  z_log_var: number[][];
  z: number[][];
  decoded_mean: number[][];
}

/** The three fixtures: folder, file extension, latent size, the sampling layer Keras wrote. */
const CASES = [
  { name: 'lecture-2026', ext: 'keras', latent: 100, sampling: /^Lambda 'lambda'$/ },
  { name: 'lecture-2022-h5', ext: 'h5', latent: 100, sampling: /^Lambda 'lambda_1'$/ },
  { name: 'medium-dense', ext: 'keras', latent: 2, sampling: /^Sampling 'sampling'$/ },
] as const;

const test16 = loadMnist('test', { limit: 16 });

for (const c of CASES) {
  test(`${c.name}: import writes a run whose encoder.onnx and decoder.onnx reproduce Keras's numbers`, async () => {
    const ref = JSON.parse(readFileSync(join(FIXTURES, c.name, 'reference.json'), 'utf8')) as Reference;
    assert.deepEqual(ref.test_indices, [...Array(16).keys()]); // the first 16 MNIST test images
    const out = join(dir, c.name);
    const enc = join(FIXTURES, c.name, `mnist_encoder.${c.ext}`);
    const dec = join(FIXTURES, c.name, `mnist_decoder.${c.ext}`);
    const { vae, manifest } = await importKerasRun({ encoder: enc, decoder: dec, out });
    await vae.dispose();

    // A normal run folder, naming its source files.
    for (const f of ['encoder.onnx', 'decoder.onnx', 'manifest.json', 'checkpoint.bin', 'log.jsonl']) assert.ok(existsSync(join(out, f)), f);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ImportedManifest;
    assert.equal(m.format, 'vaekit-run');
    assert.equal(m.latentDim, c.latent);
    assert.deepEqual(m.inputShape, [28, 28, 1]);
    assert.deepEqual(m.source.encoder, { file: `mnist_encoder.${c.ext}`, format: c.ext });
    assert.deepEqual(m.source.decoder, { file: `mnist_decoder.${c.ext}`, format: c.ext });
    assert.deepEqual(m.source.kerasInputShape, ref.input_shape);
    assert.match(m.source.sampling, c.sampling);
    assert.deepEqual(manifest.source, m.source);
    assert.equal(m.dataset?.source, 'mnist');
    assert.equal(m.training.epochsDone, 0);
    assert.equal(readCheckpoint(join(out, 'checkpoint.bin')).meta.epoch, 0);

    // The ONNX files alone, in onnxruntime-node: no vaekit code runs them.
    const n = 16;
    const eps = Float32Array.from(ref.eps.flat());
    const e = await ort.InferenceSession.create(join(out, 'encoder.onnx'));
    const r = await e.run({ x: new ort.Tensor('float32', test16.images, [n, 28, 28, 1]), eps: new ort.Tensor('float32', eps, [n, c.latent]) });
    closeTo(r.mean.data as Float32Array, ref.z_mean.flat(), 'z_mean');
    closeTo(r.logVar.data as Float32Array, ref.z_log_var.flat(), 'z_log_var');
    closeTo(r.z.data as Float32Array, ref.z.flat(), 'z');
    const d = await ort.InferenceSession.create(join(out, 'decoder.onnx'));
    const img = await d.run({ z: new ort.Tensor('float32', Float32Array.from(ref.z_mean.flat()), [n, c.latent]) });
    assert.deepEqual(img.image.dims, [n, 784]);
    closeTo(img.image.data as Float32Array, ref.decoded_mean.flat(), 'decoder(z_mean)');

    // And loaded back as a run, it is the same model.
    const run = loadRun(out);
    const again = await run.vae.decode(Float32Array.from(ref.z_mean.flat()));
    closeTo(again, ref.decoded_mean.flat(), 'loadRun decode');
    await run.vae.dispose();
  });
}

test('importKeras: the library call gives a trainable VAE with the same interface', async () => {
  const c = CASES[2];
  const vae = await importKeras(readFileSync(join(FIXTURES, c.name, 'mnist_encoder.keras')), readFileSync(join(FIXTURES, c.name, 'mnist_decoder.keras')));
  assert.equal(vae.latentDim, 2);
  assert.equal(vae.variational, true);
  assert.deepEqual(vae.config.loss, { reconstruction: 'sse', klReduction: 'sum', scale: 1, beta: 1 }); // the lecture's objective
  assert.equal(vae.config.optimizer.name, 'adam');
  const before = vae.getWeights();
  const m = await vae.trainStep(test16.images);
  assert.ok(Number.isFinite(m.loss) && m.loss > 0);
  assert.ok(
    vae.getWeights().some((w, i) => w.data.some((v, k) => v !== before[i].data[k])),
    'a training step changes the weights',
  );
  await vae.dispose();
});
