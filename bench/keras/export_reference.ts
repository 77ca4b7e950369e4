/**
 * The vaekit half of the Keras export check: exports a run folder's model as encoder.keras and
 * decoder.keras into OUT, and writes OUT/vaekit-reference.json with 16 MNIST test images, a fixed
 * eps, and vaekit's own z_mean, z_log_var, z and decoder(z_mean) for them. Then
 * `check_export.py OUT` loads the .keras files in Keras and compares.
 *
 *   node --import tsx bench/keras/export_reference.ts RUN OUT
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportKerasRun, loadDataSource, loadRun, Rng } from '../../src/index.js';

const [run, out] = process.argv.slice(2);
if (!run || !out) {
  console.error('usage: node --import tsx bench/keras/export_reference.ts RUN OUT');
  process.exit(2);
}
const paths = await exportKerasRun(run, out);
const { vae, manifest } = loadRun(run);
const n = 16;
const data = loadDataSource(manifest.dataset?.source ?? 'mnist', { ...manifest.dataset?.options, limit: 6 * n });
const ds = data.test ?? data.train;
const per = vae.inputShape.reduce((a, b) => a * b, 1);
const x = ds.images.slice(0, n * per);
const eps = new Rng(7).normalArray(n * vae.latentDim);
const e = await vae.encode(x, eps);
const decoded = await vae.decode(e.mean);
const rows = (a: Float32Array, w: number) => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * w, (i + 1) * w)));
writeFileSync(
  join(out, 'vaekit-reference.json'),
  JSON.stringify({
    run,
    variational: vae.variational,
    input_shape: vae.inputShape,
    latent_dim: vae.latentDim,
    x: rows(x, per),
    eps: rows(eps, vae.latentDim),
    z_mean: rows(e.mean, vae.latentDim),
    z_log_var: rows(e.logVar, vae.latentDim),
    z: rows(e.z, vae.latentDim),
    decoded_mean: rows(decoded, per),
  }),
);
console.log(`wrote ${paths.encoder}, ${paths.decoder} and ${join(out, 'vaekit-reference.json')}`);
await vae.dispose();
