/**
 * The commands that use a trained run: evaluate, sample, reconstruct, interpolate, morph,
 * arithmetic, latent, manifold, report. Each loads the run folder, calls the library, and writes
 * its picture next to the run (or where --out says).
 */
import type { Command } from 'commander';
import { loadRun } from '../run/run.js';
import { loadDataSource } from '../data/source.js';
import { evaluateDataset } from '../train/evaluate.js';
import { int } from './util.js';

/** Registers the run-using commands on the program. */
export function toolCommands(program: Command): void {
  program
    .command('evaluate <run>')
    .description("test-set loss with the training definition")
    .option('-d, --data <source>', "data to score (default: the run's data set)")
    .option('--limit <n>', 'score only the first n test images', int('--limit'))
    .action(async (dir: string, f: { data?: string; limit?: number }) => {
      const run = loadRun(dir);
      const source = f.data ?? run.manifest.dataset?.source ?? 'mnist';
      const { train, test } = loadDataSource(source, { limit: f.limit ? f.limit * 6 : undefined });
      const ds = test ?? train;
      const m = await evaluateDataset(run.vae, ds);
      console.log(`${ds.name} (${ds.count} images): loss ${m.loss.toFixed(4)} - reconstruction ${m.reconstruction.toFixed(4)} - kl ${m.kl.toFixed(4)}`);
      await run.vae.dispose();
    });
}
