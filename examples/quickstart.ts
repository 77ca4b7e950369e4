/**
 * The lecture's VAE on MNIST, end to end through the public API (`npm start`):
 * train a short schedule, report test-set loss, and draw reconstructions and samples.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { batches, imageGrid, loadMnist, Rng, VAE } from 'vaekit';

const epochs = Number(process.env.EPOCHS ?? 2);
const out = 'runs/quickstart';
const train = loadMnist('train');
const test = loadMnist('test');
const vae = VAE.fromPreset('lecture-conv', { seed: 1 });
console.log(`lecture-conv: ${vae.parameterCount.toLocaleString()} parameters, latent ${vae.latentDim}; MNIST ${train.count} train / ${test.count} test`);

const rng = new Rng(1);
for (let epoch = 1; epoch <= epochs; epoch++) {
  const t0 = performance.now();
  let [loss, rec, kl, seen] = [0, 0, 0, 0];
  for (const b of batches(train, 128, { rng })) {
    const m = await vae.trainStep(b.x.subarray(0, b.count * 784));
    [loss, rec, kl, seen] = [loss + m.loss * b.count, rec + m.reconstruction * b.count, kl + m.kl * b.count, seen + b.count];
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`Epoch ${epoch}/${epochs} - ${s.toFixed(1)}s - loss: ${(loss / seen).toFixed(2)} - r_loss: ${(rec / seen).toFixed(2)} - kl_loss: ${(kl / seen).toFixed(2)} - ${Math.round(seen / s)} images/s`);
}

let [total, n] = [0, 0];
for (const b of batches(test, 500)) {
  total += (await vae.evaluate(b.x.subarray(0, b.count * 784))).loss * b.count;
  n += b.count;
}
console.log(`test loss: ${(total / n).toFixed(2)} (the lecture reports 28.23 after 30 epochs)`);

mkdirSync(out, { recursive: true });
const write = (name: string, bytes: Buffer) => {
  writeFileSync(`${out}/${name}.tmp`, bytes);
  renameSync(`${out}/${name}.tmp`, `${out}/${name}`);
};
const originals = test.images.slice(0, 10 * 784);
const { mean } = await vae.encode(originals);
const recon = await vae.decode(mean);
const pair = new Float32Array(20 * 784);
pair.set(originals);
pair.set(recon, 10 * 784);
write('reconstructions.png', imageGrid(pair, [28, 28, 1], { columns: 10 }));
const samples = await vae.decode(new Rng(2).normalArray(21 * vae.latentDim));
write('samples.png', imageGrid(samples, [28, 28, 1], { columns: 7 }));
console.log(`wrote ${out}/reconstructions.png (test images over their reconstructions) and ${out}/samples.png (21 draws from the prior)`);
await vae.dispose();
