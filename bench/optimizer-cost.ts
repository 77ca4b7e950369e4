/**
 * What a preset's optimizer costs per training step: the preset as it is, and the same model
 * with plain SGD (two elementwise passes over the flat weights instead of Adam's twelve),
 * alternating in one process, in runs of 8 steps as `vaekit train` runs them.
 *
 *   node --import tsx bench/optimizer-cost.ts [preset] [rounds]      (after `npm run build`)
 */
import { loadMnist, PRESETS, VAE, type PresetName } from 'vaekit';

const preset = (process.argv[2] ?? 'medium-dense') as PresetName;
const rounds = Number(process.argv[3] ?? 12);
if (!(preset in PRESETS)) throw new RangeError(`optimizer-cost: unknown preset '${preset}', expected one of ${Object.keys(PRESETS).join(', ')}`);

const x = loadMnist('train', { limit: 128 }).images;
const sides = { preset: PRESETS[preset](), sgd: { ...PRESETS[preset](), optimizer: { name: 'sgd' as const } } };
const models = Object.fromEntries(Object.entries(sides).map(([k, config]) => [k, new VAE(config, { seed: 1 })])) as Record<keyof typeof sides, VAE>;
const run = Array.from({ length: 8 }, () => ({ x, eps: new Float32Array(128 * models.sgd.latentDim) }));
for (const m of Object.values(models)) for (let i = 0; i < 3; i++) await m.trainSteps(run);

const ms: Record<string, number[]> = { preset: [], sgd: [] };
for (let r = 0; r < rounds; r++)
  for (const k of r % 2 ? (['sgd', 'preset'] as const) : (['preset', 'sgd'] as const)) {
    const t = performance.now();
    for (let i = 0; i < 10; i++) await models[k].trainSteps(run);
    ms[k].push((performance.now() - t) / 80);
  }
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
const [own, sgd] = [median(ms.preset), median(ms.sgd)];
console.log(
  `${preset}: ${own.toFixed(3)} ms/step with ${sides.preset.optimizer.name}, ${sgd.toFixed(3)} with sgd: the optimizer costs ≈ ${(own - sgd).toFixed(3)} ms/step more (median of ${rounds} blocks of 80 steps each)`,
);
for (const m of Object.values(models)) await m.dispose();
