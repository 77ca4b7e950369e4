/**
 * Export round trip: a vaekit model written as .keras files and imported back is the same model
 * (same weights, same encoder and decoder outputs), for every kind of layer vaekit has and for
 * plain autoencoders. That Keras itself loads these files is checked by bench/keras/check_export.py.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { unzipSync, strFromU8 } from 'fflate';
import { exportKeras, importKeras, loadMnist, Rng, VAE, type PresetName } from '../../src/index.js';
import { closeTo, FIXTURES } from './helpers.js';

const x = loadMnist('test', { limit: 4 }).images;

for (const preset of ['lecture-conv', 'keras-conv2d', 'geron-dense', 'ae-2d'] as PresetName[]) {
  test(`${preset}: exportKeras → importKeras gives back the same model`, async () => {
    const vae = VAE.fromPreset(preset, { seed: 3 });
    await vae.trainStep(x); // weights that are not the initial ones
    const files = await exportKeras(vae);

    // Keras 3 .keras zips: config, metadata, weights; the encoder takes [x, eps] when variational.
    for (const bytes of [files.encoder, files.decoder]) assert.deepEqual(Object.keys(unzipSync(bytes)).sort(), ['config.json', 'metadata.json', 'model.weights.h5']);
    const cfg = JSON.parse(strFromU8(unzipSync(files.encoder)['config.json'])) as { class_name: string; config: { input_layers: unknown; output_layers: unknown } };
    assert.equal(cfg.class_name, 'Functional');
    if (vae.variational) {
      assert.deepEqual(cfg.config.input_layers, [
        ['x', 0, 0],
        ['eps', 0, 0],
      ]);
      assert.deepEqual(cfg.config.output_layers, [
        ['z_mean', 0, 0],
        ['z_log_var', 0, 0],
        ['z', 0, 0],
      ]);
    } else assert.deepEqual(cfg.config.output_layers, ['z', 0, 0]);

    const back = await importKeras(files.encoder, files.decoder, { training: { loss: vae.config.loss, optimizer: vae.config.optimizer } });
    assert.equal(back.variational, vae.variational);
    assert.deepEqual(back.inputShape, vae.inputShape);
    const [w0, w1] = [vae.getWeights(), back.getWeights()];
    assert.deepEqual(
      w1.map((w) => w.shape),
      w0.map((w) => w.shape),
    );
    w0.forEach((w, i) => assert.deepEqual(w1[i].data, w.data, w.name));
    const eps = new Rng(2).normalArray(4 * vae.latentDim);
    const [a, b] = [await vae.encode(x, eps), await back.encode(x, eps)];
    for (const k of ['mean', 'logVar', 'z'] as const) closeTo(b[k], a[k], k, 1e-6);
    closeTo(await back.decode(a.z), await vae.decode(a.z), 'decode', 1e-6);
    await Promise.all([vae.dispose(), back.dispose()]);
  });
}

test('exportKeras refuses a conditional model with one line', async () => {
  const vae = VAE.fromPreset('cvae');
  await assert.rejects(exportKeras(vae), /^RangeError: exportKeras: conditional models \(10 classes\) cannot be exported/);
  await vae.dispose();
});

test('a model imported from a flat-input Keras encoder goes back to Keras with its flat input', async () => {
  const enc = readFileSync(join(FIXTURES, 'medium-dense/mnist_encoder.keras'));
  const dec = readFileSync(join(FIXTURES, 'medium-dense/mnist_decoder.keras'));
  const vae = await importKeras(enc, dec);
  const files = await exportKeras(vae, { inputShape: [784] });
  const cfg = JSON.parse(strFromU8(unzipSync(files.encoder)['config.json'])) as { config: { layers: Array<{ class_name: string; config: { batch_shape?: unknown } }> } };
  assert.deepEqual(cfg.config.layers[0].config.batch_shape, [null, 784]);
  const back = await importKeras(files.encoder, files.decoder);
  const eps = new Rng(3).normalArray(4 * 2);
  closeTo((await back.encode(x, eps)).z, (await vae.encode(x, eps)).z, 'z', 1e-6);
  await assert.rejects(exportKeras(vae, { inputShape: [783] }), /exportKeras: inputShape \[783\] does not fit the model's \[28, 28, 1\]/);
  await Promise.all([vae.dispose(), back.dispose()]);
});
