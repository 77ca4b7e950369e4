/**
 * Exported encoder and decoder are plain ONNX models: loaded and run here by onnxruntime-node
 * directly (no vaekit code runs them), they give what the library's encode/decode give.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { loadMnist, Rng, VAE, type PresetName } from '../../src/index.js';

const x = loadMnist('test', { limit: 5 }).images;

for (const preset of ['lecture-conv', 'keras-conv2d', 'geron-dense'] as PresetName[]) {
  test(`${preset}: exported encoder.onnx and decoder.onnx run alone in onnxruntime-node`, async () => {
    const vae = VAE.fromPreset(preset, { seed: 6 });
    await vae.trainStep(x); // weights that are not the initial ones
    const eps = new Rng(1).normalArray(5 * vae.latentDim);
    const want = await vae.encode(x, eps);
    const wantImages = await vae.decode(want.z);

    const enc = await ort.InferenceSession.create(vae.exportEncoder());
    assert.deepEqual(enc.inputNames, ['x', 'eps']);
    const got = await enc.run({ x: new ort.Tensor('float32', x, [5, 28, 28, 1]), eps: new ort.Tensor('float32', eps, [5, vae.latentDim]) });
    for (const k of ['mean', 'logVar', 'z'] as const) {
      const g = got[k].data as Float32Array;
      assert.deepEqual(got[k].dims, [5, vae.latentDim]);
      g.forEach((v, i) => assert.ok(Math.abs(v - want[k][i]) < 1e-4, `${k}[${i}]: ${v} vs ${want[k][i]}`));
    }
    const dec = await ort.InferenceSession.create(vae.exportDecoder());
    assert.deepEqual(dec.inputNames, ['z']);
    const img = (await dec.run({ z: new ort.Tensor('float32', want.z, [5, vae.latentDim]) })).image;
    assert.deepEqual(img.dims, [5, 784]);
    (img.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - wantImages[i]) < 1e-4, `image[${i}]`));
    await vae.dispose();
  });
}
