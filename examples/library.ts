/**
 * The library example (`npm run example`): the lecture's VAE on MNIST through the public API —
 * train, score the test set, morph a 1 into a 7 through the class means, export the two halves.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { classMeans, evaluateDataset, fit, imageGrid, loadMnist, morph, VAE } from 'vaekit';

const train = loadMnist('train');
const test = loadMnist('test');
const vae = VAE.fromPreset('lecture-conv', { seed: 1 });

await fit(vae, train, {
  epochs: Number(process.env.EPOCHS ?? 2),
  onEpoch: (l) => console.log(`epoch ${l.epoch}: loss ${l.loss.toFixed(2)} (reconstruction ${l.reconstruction.toFixed(2)}, kl ${l.kl.toFixed(2)})`),
});
const m = await evaluateDataset(vae, test);
console.log(`test loss ${m.loss.toFixed(2)} (the lecture: 28.23 after 30 epochs)`);

const means = await classMeans(vae, test); // 10 class-mean latent vectors
const strip = await morph(vae, means, 1, 7, 10); // 1 → 7, decoded
mkdirSync('runs/library-example', { recursive: true });
writeFileSync('runs/library-example/morph-1-7.png', imageGrid(strip, [28, 28, 1], { columns: 10 }));
writeFileSync('runs/library-example/encoder.onnx', vae.exportEncoder()); // runs in any ONNX runtime
writeFileSync('runs/library-example/decoder.onnx', vae.exportDecoder());
console.log('wrote runs/library-example/morph-1-7.png, encoder.onnx, decoder.onnx');
await vae.dispose();
