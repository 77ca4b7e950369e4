/**
 * RUN/explorer.json: the explorer's data (src/tools/explorer.ts) for a run folder, computed once
 * in Node, written atomically, and recomputed when the run is newer than it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/index.js';
import { loadDataSource, sourceOf } from '../data/source.js';
import { loadRun, RUN_FILES, type Manifest, type Run } from '../run/run.js';
import { writeFileAtomic } from '../util/files.js';
import { buildExplorerData, EXPLORER_FORMAT_VERSION, type ExplorerData, type ExplorerDataOptions } from '../tools/explorer.js';

export { buildExplorerData, EXPLORER_FORMAT_VERSION, MAX_SLIDERS, type ExplorerData, type ExplorerDataOptions } from '../tools/explorer.js';

/** File name of the explorer's data inside a run folder. */
export const EXPLORER_FILE = 'explorer.json';

/** The test split of the data a run was trained on (its training split when the source has none). */
export function explorerDataset(manifest: Manifest, runDir: string): Dataset {
  // Older runs trained on data passed in memory recorded the data set's name (`mnist/train`).
  const source = sourceOf(manifest.dataset?.source ?? 'mnist');
  let splits;
  try {
    splits = loadDataSource(source, manifest.dataset?.options);
  } catch (e) {
    throw new Error(`${join(runDir, RUN_FILES.manifest)}: cannot load the run's data set for the explorer (name one with \`data\`): ${(e as Error).message.split('\n')[0]}`);
  }
  return splits.test ?? splits.train;
}

/**
 * True when RUN/explorer.json exists, is of this format, was computed from the run's own data,
 * and is newer than the run's checkpoint and ONNX files.
 */
export function explorerDataIsFresh(runDir: string): boolean {
  const path = join(runDir, EXPLORER_FILE);
  if (!existsSync(path)) return false;
  const t = statSync(path).mtimeMs;
  for (const f of [RUN_FILES.checkpoint, RUN_FILES.decoder, RUN_FILES.encoder]) {
    const p = join(runDir, f);
    if (existsSync(p) && statSync(p).mtimeMs > t) return false;
  }
  try {
    const d = JSON.parse(readFileSync(path, 'utf8')) as Partial<ExplorerData>;
    return d.format === 'vaekit-explorer' && d.formatVersion === EXPLORER_FORMAT_VERSION && d.dataFrom === 'run';
  } catch {
    return false;
  }
}

/**
 * Writes RUN/explorer.json when it is missing, of an older format, older than the run's
 * checkpoint, or when `data` is given (always recomputed from it). Returns true when it wrote.
 */
export async function ensureExplorerData(run: Run, opts: ExplorerDataOptions & { data?: Dataset } = {}): Promise<boolean> {
  if (!opts.data && explorerDataIsFresh(run.dir)) return false;
  const ds = opts.data ?? explorerDataset(run.manifest, run.dir);
  const data = await buildExplorerData(run.vae, ds, {
    ...opts,
    dataFrom: opts.data ? 'option' : 'run',
    variational: run.manifest.variational,
    labelNames: run.manifest.labelNames,
  });
  writeFileAtomic(join(run.dir, EXPLORER_FILE), JSON.stringify(data));
  return true;
}

/**
 * Loads the run folder (one-line errors for a damaged run), makes RUN/explorer.json current
 * ({@link ensureExplorerData}: `log` hears when it was written, and how long it took) and gives
 * the model back. Returns what the caller describes the run by.
 */
export async function prepareExplorerData(runDir: string, opts: { data?: Dataset; log?: (line: string) => void } = {}): Promise<Pick<Run, 'manifest' | 'epochsDone'>> {
  const run = loadRun(runDir);
  try {
    const t0 = performance.now();
    if (await ensureExplorerData(run, { data: opts.data }))
      opts.log?.(`wrote ${join(runDir, EXPLORER_FILE)} (test-set means, class means, test images) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await run.vae.dispose();
  }
  return { manifest: run.manifest, epochsDone: run.epochsDone };
}
