/**
 * Keras files in the shapes users write them (test/keras/fixtures, written by Keras 3.15 with
 * bench/keras/make_variants.py, Keras's outputs in ref.json): Activation/ReLU/LeakyReLU layers,
 * Sequential halves, legacy .h5, strided and 'valid' convolutions, RGB, a 2-D input, an encoder
 * that outputs only the heads, a plain autoencoder — each imports and reproduces Keras's numbers;
 * layers vaekit does not have are refused with one line naming the layer and its class.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importKeras } from '../../src/index.js';
import { closeTo, ROOT } from './helpers.js';

const dir = join(ROOT, 'test/keras/fixtures');

interface Ref {
  input_shape: number[];
  latent_dim: number;
  format: 'keras' | 'h5';
  x: number[][];
  eps: number[][];
  z_mean?: number[][];
  z_log_var?: number[][];
  z?: number[][];
  decoded_mean?: number[][];
  error?: string;
}

for (const name of readdirSync(dir).sort()) {
  const ref = JSON.parse(readFileSync(join(dir, name, 'ref.json'), 'utf8')) as Ref;
  const files = [join(dir, name, `encoder.${ref.format}`), join(dir, name, `decoder.${ref.format}`)].map((p) => readFileSync(p));
  const names = { encoder: `${name}/encoder.${ref.format}`, decoder: `${name}/decoder.${ref.format}` };
  if (ref.error) {
    test(`${name}: refused with one line naming the layer`, async () => {
      await assert.rejects(importKeras(files[0], files[1], { names }), (e: Error) => {
        assert.equal(e.message.split('\n').length, 1);
        assert.ok(e.message.startsWith(`${names.encoder}: ${ref.error}`), e.message);
        assert.match(e.message, /; vaekit supports InputLayer, Dense, Conv2D/);
        return true;
      });
    });
    continue;
  }
  test(`${name}: imports and reproduces Keras's outputs`, async () => {
    const vae = await importKeras(files[0], files[1], { names });
    assert.equal(vae.latentDim, ref.latent_dim);
    const x = Float32Array.from(ref.x.flat());
    const eps = Float32Array.from(ref.eps.flat());
    const e = await vae.encode(x, vae.variational ? eps : undefined);
    closeTo(e.mean, ref.z_mean!.flat(), 'z_mean');
    if (ref.z_log_var) {
      closeTo(e.logVar, ref.z_log_var.flat(), 'z_log_var');
      closeTo(e.z, ref.z!.flat(), 'z');
    } else assert.equal(vae.variational, false);
    closeTo(await vae.decode(Float32Array.from(ref.z_mean!.flat())), ref.decoded_mean!.flat(), 'decoder(z_mean)');
    await vae.dispose();
  });
}
