/**
 * Before/after timing of `VAE.trainStep` on a busy machine: alternates another build of vaekit
 * (e.g. `main`'s) with this checkout's `dist/` in one process, batch 128, and reports per preset
 * the median wall time (ORT on 2 threads) and the median and minimum CPU time per step with ORT
 * on 1 thread (`process.cpuUsage`), which other jobs on the machine disturb far less than wall
 * time.
 *
 *   git archive main src tsconfig.json package.json | tar -x -C scratch/base   (mkdir -p first)
 *   npx tsc -p scratch/base/tsconfig.json && npm run build
 *   node --import tsx bench/step-ab.ts scratch/base [presets] [rounds] [steps-per-round]
 *
 * The other build must sit inside this checkout (scratch/ is git-ignored) so that it resolves
 * this checkout's node_modules.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Vaekit from 'vaekit';

type Lib = typeof Vaekit;
const [baseDir, presetArg, roundsArg, perArg] = process.argv.slice(2);
if (!baseDir) {
  console.error('usage: node --import tsx bench/step-ab.ts BASE_DIR [presets,comma-separated] [rounds] [steps-per-round]');
  process.exit(2);
}
const presets = (presetArg ?? 'lecture-conv,keras-conv2d,geron-dense,medium-dense').split(',') as Vaekit.PresetName[];
const rounds = Number(roundsArg ?? 6);
const per = Number(perArg ?? 5);
const base = (await import(pathToFileURL(resolve(baseDir, 'dist/index.js')).href)) as Lib;
const cur = (await import('vaekit')) as Lib;
const x = cur.loadMnist('train', { limit: 128 }).images;
const median = (a: number[]) => [...a].sort((u, v) => u - v)[a.length >> 1];

/** Alternates the two builds' models; `clock` measures one step. */
async function ab(preset: Vaekit.PresetName, threads: number, clock: () => () => number): Promise<{ base: number[]; cur: number[] }> {
  const models = { base: base.VAE.fromPreset(preset, { seed: 1, threads }), cur: cur.VAE.fromPreset(preset, { seed: 1, threads }) };
  const eps = new Float32Array(128 * models.cur.latentDim); // same noise for both: equal work
  const t = { base: [] as number[], cur: [] as number[] };
  for (const m of Object.values(models)) for (let i = 0; i < 3; i++) await m.trainStep(x, eps);
  for (let r = 0; r < rounds; r++)
    for (const k of ['base', 'cur'] as const)
      for (let i = 0; i < per; i++) {
        const stop = clock();
        await models[k].trainStep(x, eps);
        t[k].push(stop());
      }
  await Promise.all(Object.values(models).map((m) => m.dispose()));
  return t;
}
const wall = () => {
  const t0 = performance.now();
  return () => performance.now() - t0;
};
const cpu = () => {
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
};

console.log(`base: ${resolve(baseDir)}; ${rounds} rounds × ${per} steps each side, batch 128\n`);
console.log('preset          wall ms (2 threads) base → cur    CPU ms/step (1 thread) base → cur, median (min)');
for (const p of presets) {
  const w = await ab(p, 2, wall);
  const c = await ab(p, 1, cpu);
  const f = (v: number) => v.toFixed(2);
  console.log(
    `${p.padEnd(15)} ${f(median(w.base)).padStart(8)} → ${f(median(w.cur)).padStart(8)} (${(median(w.base) / median(w.cur)).toFixed(2)}×)` +
      `    ${f(median(c.base))} (${f(Math.min(...c.base))}) → ${f(median(c.cur))} (${f(Math.min(...c.cur))})  ${(median(c.base) / median(c.cur)).toFixed(2)}× (${(Math.min(...c.base) / Math.min(...c.cur)).toFixed(2)}×)`,
  );
}
