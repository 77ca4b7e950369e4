/**
 * vaekit's training step with and without ONNX Runtime's blocked (NCHWc) convolution kernels, in
 * one process: two models of the same seed, one on a runtime that does not offer the kernels,
 * alternating runs of 3 × 8 steps (as `vaekit train` runs them); median and min wall ms per step.
 * Whole runs alternate, not single steps: an idle ORT session's threads spin for a while after
 * each run and would take the other session's cores (docs/PERFORMANCE.md, "Fourth pass").
 *
 *   npm run build && node --import tsx bench/nchwc-ab.ts [preset] [rounds]    (default keras-conv2d 8)
 */
import { loadMnist, nodeRuntime, VAE, type PresetName } from 'vaekit';

const preset = (process.argv[2] ?? 'keras-conv2d') as PresetName;
const rounds = Number(process.argv[3] ?? 8);
const K = 8;
const block = await nodeRuntime.nchwcBlock?.();
if (block === undefined) {
  console.log('this ONNX Runtime offers no NCHWc kernels here (or VAEKIT_NCHWC=0): nothing to compare');
  process.exit(0);
}
const x = loadMnist('train', { limit: 128 * K }).images;
const batches = Array.from({ length: K }, (_, i) => ({ x: x.subarray(i * 128 * 784, (i + 1) * 128 * 784) }));
const models = {
  standard: VAE.fromPreset(preset, { seed: 1, runtime: { ...nodeRuntime, nchwcBlock: undefined } }),
  blocked: VAE.fromPreset(preset, { seed: 1 }),
};
const names = Object.keys(models) as Array<keyof typeof models>;
for (const k of names) await models[k].trainSteps(batches); // compile and warm up
const times: Record<string, number[]> = { standard: [], blocked: [] };
for (let r = 0; r < rounds; r++)
  for (const k of r % 2 ? [...names].reverse() : names) {
    const t = performance.now();
    for (let i = 0; i < 3; i++) await models[k].trainSteps(batches);
    times[k].push((performance.now() - t) / (3 * K));
  }
console.log(`${preset}, batch 128, NCHWc block ${block}, ${rounds} rounds of 3 × ${K} steps:`);
for (const k of names) {
  const s = [...times[k]].sort((a, b) => a - b);
  console.log(`  ${k.padEnd(9)} median ${s[s.length >> 1].toFixed(2)} ms/step, min ${s[0].toFixed(2)}`);
}
const med = (k: string) => [...times[k]].sort((a, b) => a - b)[times[k].length >> 1];
console.log(`  blocked is ${(med('standard') / med('blocked')).toFixed(2)}× the standard lowering's speed`);
for (const k of names) await models[k].dispose();
