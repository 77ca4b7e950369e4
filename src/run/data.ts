/**
 * The data a trained run is shown with: its own data set's test split, read back the way it was
 * trained (same source, image size, channels and labels file), and classes named the way its
 * data names them.
 */
import type { Dataset } from '../data/index.js';
import { applicableOptions, loadDataSource, sourceOf } from '../data/source.js';
import { expectInt } from '../util/check.js';
import type { Run } from './run.js';

/** Options of {@link runTestData}. */
export interface RunTestDataOptions {
  /** Another data source (`mnist`, `fashion-mnist`, a folder, a `.npy`) instead of the run's own; its images must have the run's shape. */
  data?: string;
  /** Only the first `limit` images (integer ≥ 1). */
  limit?: number;
}

/**
 * The run's own test data (or its training data when the source has no test split): the data set
 * and reading options its manifest records, or `options.data` instead.
 * @throws RangeError when the images do not have the run's input shape, or `limit` is out of range.
 */
export function runTestData(run: Pick<Run, 'manifest'>, options: RunTestDataOptions = {}): Dataset {
  const { data, limit } = options;
  if (limit !== undefined) expectInt('limit', limit, 1);
  const src = data ?? sourceOf(run.manifest.dataset?.source ?? 'mnist');
  // The run's own reading options apply to its own source only (older versions recorded some a source does not take).
  const recorded = data === undefined ? applicableOptions(src, run.manifest.dataset?.options ?? {}) : undefined;
  // The loader keeps test:train at 1:6, so asking for 6 × limit training images reads at least `limit` test images.
  const { train, test } = loadDataSource(src, { ...recorded, limit: limit === undefined ? undefined : limit * 6 });
  const ds = test ?? train;
  const want = run.manifest.inputShape;
  if (ds.shape.join() !== want.join()) throw new RangeError(`\`data\` ${src}: images are ${ds.shape.join('×')}, the run expects ${want.join('×')}`);
  if (limit === undefined || ds.count <= limit) return ds;
  // The first `limit` images as views: no copy of a test set the caller only reads.
  const per = ds.shape.reduce((a, b) => a * b, 1);
  return { ...ds, images: ds.images.subarray(0, limit * per), labels: ds.labels?.subarray(0, limit) ?? null, count: limit };
}

/**
 * A class of the run given by number (`'7'`, `7`) or by name (`'Sneaker'`, any case): its index.
 * Names come from the run's manifest, else from `labelNames` (a data set's).
 * @param what how the value is named in the refusal (e.g. `label`).
 * @throws RangeError when the value names no class of the run.
 */
export function runClass(run: Pick<Run, 'manifest'>, value: string | number, what = 'class', labelNames?: readonly string[] | null): number {
  const names = run.manifest.labelNames ?? labelNames ?? [];
  const count = Math.max(names.length, run.manifest.numClasses ?? 0);
  const v = String(value);
  const byName = names.findIndex((n) => n.toLowerCase() === v.toLowerCase());
  if (byName >= 0) return byName;
  const k = Number(v);
  if (/^\d+$/.test(v) && k < count) return k;
  throw new RangeError(`${what}: expected a class number or one of ${names.join(', ') || '(the data has no labels)'}, got '${v}'`);
}
