/**
 * One string names a data set (the `data` option of `trainRun`, the CLI's `--data` flag):
 * `mnist`, `fashion-mnist`, a folder of IDX files, a folder of images, or a `.npy` file. Returns
 * the training images and, where the source has one, the test split. Errors name the options as
 * `data`, `labels`, `size`, `channels` (in backticks), which the CLI prints as its flags.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_LABELS, loadFashionMnist, loadIdxDirectory, loadMnist, type Dataset } from './datasets.js';
import { loadImageFolder } from './images.js';
import { loadNpy } from './npy.js';

/** How to read a data source. */
export interface DataSourceOptions {
  /** Only the first N training images (and N/6 test images, at least 1,000: the seeds' 6:1 split). */
  limit?: number;
  /** Resize images of a folder to [height, width]. */
  size?: [number, number];
  /** Channels of a folder's images (1 grayscale, 3 RGB). */
  channels?: 1 | 3;
  /** Labels `.npy` for a `.npy` source. */
  labels?: string;
}

/** Training data and, when the source has one, its test split. */
export interface DataSplits {
  train: Dataset;
  test: Dataset | null;
}

/**
 * The source string that loads a data set again, from its name: `mnist/train` → `mnist`,
 * `fashion-mnist/test` → `fashion-mnist`; other names are paths and stay as they are.
 */
export function sourceOf(name: string): string {
  const m = /^(mnist|fashion-mnist)\/(train|test)/.exec(name);
  return m ? m[1] : name.replace(/ \((train|test|validation) part\)$/, '').replace(/\/(train|test)$/, '');
}

/** What kind of source a `data` string names (`missing` when it names nothing). */
export type SourceKind = 'mnist' | 'npy' | 'idx' | 'images' | 'missing';

/** The kind of data source `source` names. */
export function sourceKind(source: string): SourceKind {
  if (source === 'mnist' || source === 'fashion-mnist' || source === 'fashion') return 'mnist';
  if (!existsSync(source)) return 'missing';
  if (statSync(source).isFile()) return 'npy';
  return readdirSync(source).some((n) => /^train-images-idx3-ubyte(\.gz)?$/.test(n)) ? 'idx' : 'images';
}

/** Which reading options each kind of source takes (the limit applies to all). */
const TAKES: Record<SourceKind, ReadonlyArray<'size' | 'channels' | 'labels'>> = {
  mnist: [],
  idx: [],
  npy: ['labels'],
  images: ['size', 'channels'],
  missing: ['size', 'channels', 'labels'],
};

/** `opts` without the options `source` does not take (as older versions recorded them). */
export function applicableOptions(source: string, opts: DataSourceOptions): DataSourceOptions {
  const takes = TAKES[sourceKind(source)];
  return Object.fromEntries(Object.entries(opts).filter(([k]) => k === 'limit' || takes.includes(k as 'size'))) as DataSourceOptions;
}

/**
 * Loads `data`: `mnist`, `fashion-mnist`, an IDX folder, an image folder or a `.npy` file;
 * options a source does not take are refused.
 */
export function loadDataSource(data: string, options: DataSourceOptions = {}): DataSplits {
  const kind = sourceKind(data);
  for (const k of ['size', 'channels', 'labels'] as const)
    if (options[k] !== undefined && !TAKES[kind].includes(k))
      throw new RangeError(
        `\`${k}\`: ${k === 'labels' ? 'only a .npy data source takes a labels file' : 'only a folder of images is resized or converted'}; \`data\` ${data} is ${kind === 'mnist' ? 'a built-in data set with its own labels' : kind === 'idx' ? 'a folder of IDX files with their own labels' : kind === 'npy' ? 'a .npy file' : 'a folder of images'}`,
      );
  return loadSource(data, options);
}

function loadSource(source: string, opts: DataSourceOptions): DataSplits {
  const limit = opts.limit;
  const testLimit = limit === undefined ? undefined : Math.max(1000, Math.ceil(limit / 6));
  if (source === 'mnist') return { train: loadMnist('train', { limit }), test: loadMnist('test', { limit: testLimit }) };
  if (source === 'fashion-mnist' || source === 'fashion') return { train: loadFashionMnist('train', { limit }), test: loadFashionMnist('test', { limit: testLimit }) };
  if (!existsSync(source)) throw new Error(`\`data\` ${source}: no such file or folder (expected mnist, fashion-mnist, a folder of IDX files or images, or a .npy file)`);
  if (statSync(source).isFile()) {
    if (!source.endsWith('.npy')) throw new Error(`\`data\` ${source}: expected a .npy file or a folder`);
    return { train: loadNpy(source, { labels: opts.labels, limit }), test: null };
  }
  const names = readdirSync(source);
  if (names.some((n) => /^train-images-idx3-ubyte(\.gz)?$/.test(n))) {
    const hasTest = names.some((n) => /^t10k-images-idx3-ubyte(\.gz)?$/.test(n));
    // A folder holding Fashion-MNIST under another path still gets the clothing names.
    const labelNames = source.replace(/\/$/, '').endsWith('fashion-mnist') ? [...FASHION_MNIST_LABELS] : undefined;
    return {
      train: loadIdxDirectory(source, 'train', { limit, labelNames, name: source }),
      test: hasTest ? loadIdxDirectory(join(source), 'test', { limit: testLimit, labelNames, name: `${source} (test)` }) : null,
    };
  }
  return { train: loadImageFolder(source, { size: opts.size, channels: opts.channels }), test: null };
}
