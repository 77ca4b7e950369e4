/**
 * Library misuse issue 9 found answered with internal errors: each now gets one line naming what
 * was expected and what arrived.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VAE } from '../../src/index.js';
import { imageGrid } from '../../src/viz/png.js';

test('new VAE(null) names the config it expected', () => {
  assert.throws(() => new VAE(null as never), { name: 'TypeError', message: /VAE: expected a config object .*got null/ });
});

test('setWeights with plain Arrays says to use a Float32Array, not that the counts differ', () => {
  const vae = VAE.fromPreset('medium-dense', { seed: 1 });
  const ws = vae.getWeights().map((w) => ({ ...w, data: Array.from(w.data) as unknown as Float32Array }));
  assert.throws(() => vae.setWeights(ws), { name: 'TypeError', message: /setWeights: 'encoder\/dense\/kernel' expects its values as a Float32Array of 200704, got a plain Array/ });
});

test('a disposed model refuses work instead of quietly rebuilding its sessions', async () => {
  const vae = VAE.fromPreset('medium-dense', { seed: 1 });
  const x = new Float32Array(2 * 784);
  await vae.decode(new Float32Array(4));
  await vae.dispose();
  await assert.rejects(vae.trainStep(x), /the model was disposed/);
  await assert.rejects(vae.decode(new Float32Array(4)), /the model was disposed/);
  assert.throws(() => vae.exportDecoder(), /VAE.exportDecoder: the model was disposed/);
  assert.throws(() => vae.exportEncoder(), /VAE.exportEncoder: the model was disposed/);
});

test('imageGrid checks its options and refuses pictures beyond its size limits', () => {
  const img = new Float32Array(4 * 4 * 1);
  assert.throws(() => imageGrid(img, [4, 4, 1], { columns: 0 }), { name: 'RangeError', message: /imageGrid: columns expects an integer in \[1, 10000\], got 0/ });
  assert.throws(() => imageGrid(img, [4, 4, 1], { columns: 'x' as never }), { name: 'TypeError', message: /columns expects an integer/ });
  assert.throws(() => imageGrid(img, null as never), { name: 'TypeError', message: /imageGrid: shape expects \[height, width, channels\], got null/ });
  assert.throws(
    () => imageGrid(new Float32Array(28 * 28 * 5000), [28, 28, 1], { columns: 5000 }),
    /imageGrid: a 290,002 × 60 px picture is larger than the limit of 16,384 px a side/,
  );
  assert.throws(() => imageGrid(new Float32Array(20_001), [1, 1, 1]), /imageGrid: 20001 images, more than the limit of 10,000/);
  assert.equal(imageGrid(img, [4, 4, 1], { columns: 1 }).subarray(1, 4).toString(), 'PNG');
});
