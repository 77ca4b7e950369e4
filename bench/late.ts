/**
 * Whether a training step slows down as training goes on: ms/step of a fresh model, then again
 * after STEPS steps on real MNIST batches (8 steps a run, as `vaekit train` runs them). The
 * benchmark (`npm run bench`) times fresh models only; this is what it cannot see, e.g. Adam's
 * moments decaying into denormal floats (docs/PERFORMANCE.md, "Seventh pass").
 *
 *   npm run build && node --import tsx bench/late.ts [preset] [steps] [BASE_DIR]
 *
 * With BASE_DIR (another build of vaekit inside this checkout, as for bench/step-ab.ts), that
 * build is timed the same way first, in the same process, for a before/after.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Vaekit from 'vaekit';

const [presetArg, stepsArg, baseDir] = process.argv.slice(2);
const preset = (presetArg ?? 'medium-dense') as Vaekit.PresetName;
const steps = Number(stepsArg ?? 4000);
const BATCHES = 64; // distinct real batches, cycled
const RUNS = 20; // timed runs of 8 steps, at the start and at the end

async function late(lib: typeof Vaekit, label: string): Promise<void> {
  const data = lib.loadMnist('train', { limit: 128 * BATCHES }).images;
  const vae = lib.VAE.fromPreset(preset, { seed: 1 });
  const rng = new lib.Rng(5);
  const batch = (i: number) => ({ x: data.subarray((i % BATCHES) * 128 * 784, ((i % BATCHES) + 1) * 128 * 784), eps: rng.normalArray(128 * vae.latentDim) });
  let taken = 0;
  const run = () => vae.trainSteps(Array.from({ length: 8 }, () => batch(taken++)));
  /** Median ms/step over RUNS runs. */
  const timed = async () => {
    const t: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      await run();
      t.push((performance.now() - t0) / 8);
    }
    return t.sort((a, b) => a - b)[RUNS >> 1];
  };
  await run(); // warm-up
  const start = await timed();
  while (taken < steps) await run();
  const end = await timed();
  console.log(`${label.padEnd(6)} ${preset}: ${start.toFixed(2)} ms/step at the start, ${end.toFixed(2)} after ${taken - 8 * RUNS} steps (${(end / start).toFixed(2)}×)`);
  await vae.dispose();
}

if (baseDir) await late((await import(pathToFileURL(resolve(baseDir, 'dist/index.js')).href)) as typeof Vaekit, 'base');
await late(await import('vaekit'), 'this');
