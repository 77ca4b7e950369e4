// Two builds of vaekit, same seed, same batches, same noise: their losses step by step and their
// weights after 20 steps, per preset (a refactor of the engine must leave them bit-identical).
// Usage: node bench/same-steps.mjs OLD/dist/index.js NEW/dist/index.js
const oldK = await import(new URL(process.argv[2], `file://${process.cwd()}/`).href);
const newK = await import(new URL(process.argv[3], `file://${process.cwd()}/`).href);
const mnist = newK.loadMnist('train', { limit: 2560 });
for (const preset of ['lecture-conv', 'medium-dense', 'geron-dense', 'keras-conv2d', 'cvae', 'ae-2d']) {
  const a = oldK.VAE.fromPreset(preset, { seed: 1 });
  const b = newK.VAE.fromPreset(preset, { seed: 1 });
  let maxRel = 0,
    first = '',
    last = '';
  for (let s = 0; s < 20; s++) {
    const x = mnist.images.subarray((s % 20) * 128 * 784, ((s % 20) + 1) * 128 * 784);
    const labels = b.numClasses ? Int32Array.from(mnist.labels.subarray((s % 20) * 128, ((s % 20) + 1) * 128)) : undefined;
    const ma = await a.trainStep(x, undefined, labels);
    const mb = await b.trainStep(x, undefined, labels);
    maxRel = Math.max(maxRel, Math.abs(ma.loss - mb.loss) / Math.abs(ma.loss));
    if (s === 0) first = `${ma.loss.toFixed(4)}/${mb.loss.toFixed(4)}`;
    last = `${ma.loss.toFixed(4)}/${mb.loss.toFixed(4)}`;
  }
  const wa = a.getWeights(),
    wb = b.getWeights();
  let maxW = 0;
  wa.forEach((w, i) => w.data.forEach((v, j) => (maxW = Math.max(maxW, Math.abs(v - wb[i].data[j])))));
  console.log(`${preset}: loss old/new step 1 ${first}, step 20 ${last}; max rel loss diff ${maxRel.toExponential(2)}; max |Δweight| after 20 steps ${maxW.toExponential(2)}`);
  await a.dispose();
  await b.dispose();
}
