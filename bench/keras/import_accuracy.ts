/**
 * How close imported models come to Keras: the largest |vaekit − Keras| over z_mean, z_log_var,
 * z (encoder) and decoder(z_mean), for the three Keras-written fixtures in ../shared/fixtures/keras
 * and the small variants in test/keras/fixtures (whose references are stored to 7 digits).
 *
 *   node --import tsx bench/keras/import_accuracy.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importKeras, loadMnist } from '../../src/index.js';

const maxDiff = (a: ArrayLike<number>, b: number[]) => b.reduce((m, v, i) => Math.max(m, Math.abs(a[i] - v)), 0);
const flat = (rows: number[][]) => Float32Array.from(rows.flat());

async function measure(name: string, enc: string, dec: string, x: Float32Array, ref: Record<string, number[][]>): Promise<void> {
  const vae = await importKeras(readFileSync(enc), readFileSync(dec));
  const e = await vae.encode(x, vae.variational ? flat(ref.eps) : undefined);
  const encoder = Math.max(maxDiff(e.mean, ref.z_mean.flat()), ref.z_log_var ? maxDiff(e.logVar, ref.z_log_var.flat()) : 0, ref.z ? maxDiff(e.z, ref.z.flat()) : 0);
  const decoder = maxDiff(await vae.decode(flat(ref.z_mean)), ref.decoded_mean.flat());
  console.log(`${name.padEnd(26)} encoder ${encoder.toExponential(1)}  decoder ${decoder.toExponential(1)}`);
  await vae.dispose();
}

const shared = join(import.meta.dirname, '../../../shared/fixtures/keras');
for (const [name, ext] of [
  ['lecture-2026', 'keras'],
  ['lecture-2022-h5', 'h5'],
  ['medium-dense', 'keras'],
]) {
  const ref = JSON.parse(readFileSync(join(shared, name, 'reference.json'), 'utf8'));
  await measure(name, join(shared, name, `mnist_encoder.${ext}`), join(shared, name, `mnist_decoder.${ext}`), loadMnist('test', { limit: 16 }).images, ref);
}
const variants = join(import.meta.dirname, '../../test/keras/fixtures');
for (const name of readdirSync(variants).sort()) {
  const ref = JSON.parse(readFileSync(join(variants, name, 'ref.json'), 'utf8'));
  if (!ref.error) await measure(name, join(variants, name, `encoder.${ref.format}`), join(variants, name, `decoder.${ref.format}`), flat(ref.x), ref);
}
