/**
 * Splitting a data set and walking it in mini-batches with seeded shuffling.
 *
 * The batch iterator copies each batch into one preallocated buffer and hands out that same
 * buffer every time, so a 25-epoch run over 60,000 images allocates one batch worth of
 * memory, not 25 × 60,000 images' worth of garbage.
 */
import type { Rng } from '../rng.js';
import type { Dataset } from './dataset.js';

/** One mini-batch. Its arrays are views of buffers the iterator reuses (see {@link BatchIterator}). */
export interface Batch {
  /** `count * H * W * C` floats, NHWC, the images of this batch in iteration order. */
  x: Float32Array;
  /** `count` labels, or null when the data set is unlabelled. */
  labels: Int32Array | null;
  /** Number of images in this batch (the batch size, or fewer for the last one). */
  count: number;
  /** `count` indices into the data set of the images in this batch. */
  indices: Int32Array;
}

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Shuffle with this generator: a new permutation at the start of every epoch. Absent: data order. */
  rng?: Rng;
  /** Skip the last batch of an epoch when it is smaller than the batch size (default false). */
  dropRemainder?: boolean;
}

/**
 * Mini-batches of a data set, epoch after epoch. Iterating the object (or calling
 * {@link BatchIterator.epoch}) runs one epoch; each epoch draws a fresh permutation from the
 * `rng`, so the sequence of epochs is fixed by the generator's seed.
 *
 * **The yielded `x`, `labels` and `indices` are reused**: the next batch overwrites them.
 * Copy them (`x.slice()`) to keep a batch beyond the next step. For the same reason, do not
 * run two epochs of one iterator at the same time.
 */
export class BatchIterator implements Iterable<Batch> {
  /** Number of images per full batch. */
  readonly batchSize: number;
  /** Batches one epoch yields. */
  readonly batchesPerEpoch: number;
  private readonly ds: Dataset;
  private readonly rng: Rng | undefined;
  private readonly dropRemainder: boolean;
  private readonly order: Int32Array;
  private readonly xBuf: Float32Array;
  private readonly labelBuf: Int32Array | null;

  /** See {@link batches}. */
  constructor(ds: Dataset, batchSize: number, opts: BatchOptions = {}) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize: expected a positive integer, got ${String(batchSize)}`);
    }
    this.ds = ds;
    this.batchSize = batchSize;
    this.rng = opts.rng;
    this.dropRemainder = opts.dropRemainder ?? false;
    this.batchesPerEpoch = this.dropRemainder ? Math.floor(ds.count / batchSize) : Math.ceil(ds.count / batchSize);
    this.order = new Int32Array(ds.count);
    const per = imageSize(ds);
    // A batch never exceeds the data set, so a small set does not get a huge buffer.
    const cap = Math.min(batchSize, ds.count);
    this.xBuf = new Float32Array(cap * per);
    this.labelBuf = ds.labels === null ? null : new Int32Array(cap);
  }

  /** Run one epoch: a new permutation (when shuffling), then the batches in that order. */
  *epoch(): Generator<Batch, void, undefined> {
    const order = this.order;
    for (let i = 0; i < order.length; i++) order[i] = i;
    // Start from the identity each epoch so that an epoch's order depends only on the rng state.
    if (this.rng !== undefined) this.rng.shuffle(order);
    const per = imageSize(this.ds);
    const images = this.ds.images;
    const labels = this.ds.labels;
    for (let b = 0; b < this.batchesPerEpoch; b++) {
      const start = b * this.batchSize;
      const count = Math.min(this.batchSize, order.length - start);
      // The last, short batch uses the front of the same buffers (views, not new memory).
      const x = count * per === this.xBuf.length ? this.xBuf : this.xBuf.subarray(0, count * per);
      for (let i = 0; i < count; i++) {
        const src = order[start + i] * per;
        x.set(images.subarray(src, src + per), i * per);
      }
      let lab: Int32Array | null = null;
      if (labels !== null && this.labelBuf !== null) {
        lab = count === this.labelBuf.length ? this.labelBuf : this.labelBuf.subarray(0, count);
        for (let i = 0; i < count; i++) lab[i] = labels[order[start + i]];
      }
      yield { x, labels: lab, count, indices: order.subarray(start, start + count) };
    }
  }

  /** Same as {@link BatchIterator.epoch}: `for (const b of it)` runs one epoch. */
  [Symbol.iterator](): Iterator<Batch> {
    return this.epoch();
  }
}

/**
 * Mini-batches of `ds`: `for (const b of it)` runs one epoch; iterate again for the next one
 * (with a new permutation when `rng` is given). The yielded buffers are reused from batch to
 * batch — see {@link BatchIterator}.
 *
 * @example
 * const it = batches(train, 128, { rng: new Rng(42) });
 * for (let epoch = 0; epoch < 30; epoch++) for (const { x, count } of it) step(x, count);
 */
export function batches(ds: Dataset, batchSize: number, opts: BatchOptions = {}): BatchIterator {
  return new BatchIterator(ds, batchSize, opts);
}

/**
 * A new data set made of the images at `indices` (in that order), copied. Indices may repeat.
 * @throws RangeError when an index is not an integer in [0, ds.count).
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, name?: string): Dataset {
  const per = imageSize(ds);
  const n = indices.length;
  const images = new Float32Array(n * per);
  const labels = ds.labels === null ? null : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= ds.count) {
      throw new RangeError(`subset: index ${String(j)} at position ${i} is outside [0, ${ds.count})`);
    }
    images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
    if (labels !== null && ds.labels !== null) labels[i] = ds.labels[j];
  }
  return {
    images,
    labels,
    shape: [ds.shape[0], ds.shape[1], ds.shape[2]],
    count: n,
    labelNames: ds.labelNames === null ? null : [...ds.labelNames],
    name: name ?? ds.name,
  };
}

/**
 * How much of a data set to hold out for validation:
 * - a number in (0, 1): that fraction of the images (rounded, at least one);
 * - an integer ≥ 1: that many images;
 * - `{ last: n }`: the last `n` images, in order — Géron (Hands-On ML, ch. 17) validates on the
 *   last 5,000 Fashion-MNIST training images: `{ last: 5000 }`.
 */
export type ValidationSize = number | { last: number };

/** Options of {@link splitValidation}. */
export interface SplitOptions {
  /**
   * Pick the validation images at random with this generator (both parts keep data order).
   * Absent: the validation images are the last ones. Not allowed with `{ last }`.
   */
  rng?: Rng;
}

/**
 * Split a data set into training and validation parts (copies; `ds` is left as is).
 * @throws RangeError when the size is not a fraction in (0, 1) or a count in [1, ds.count).
 */
export function splitValidation(ds: Dataset, size: ValidationSize, opts: SplitOptions = {}): { train: Dataset; validation: Dataset } {
  let k: number;
  if (typeof size === 'number') {
    if (size > 0 && size < 1) k = Math.max(1, Math.round(size * ds.count));
    else if (Number.isInteger(size) && size >= 1) k = size;
    else throw new RangeError(`validation size: expected a fraction in (0, 1) or a count ≥ 1, got ${size}`);
  } else {
    if (opts.rng !== undefined) throw new TypeError('splitValidation: { last } takes the last images; drop the rng');
    k = size.last;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`validation size: { last } must be a count ≥ 1, got ${String(k)}`);
  }
  if (k >= ds.count) {
    throw new RangeError(`validation size: ${k} of ${ds.count} images leaves none to train on`);
  }
  const isVal = new Uint8Array(ds.count);
  if (opts.rng !== undefined) {
    const perm = opts.rng.shuffle(Int32Array.from({ length: ds.count }, (_, i) => i));
    for (let i = 0; i < k; i++) isVal[perm[i]] = 1;
  } else {
    isVal.fill(1, ds.count - k);
  }
  const trainIdx = new Int32Array(ds.count - k);
  const valIdx = new Int32Array(k);
  for (let i = 0, t = 0, v = 0; i < ds.count; i++) {
    if (isVal[i]) valIdx[v++] = i;
    else trainIdx[t++] = i;
  }
  return {
    train: subset(ds, trainIdx, `${ds.name} (train part)`),
    validation: subset(ds, valIdx, `${ds.name} (validation part)`),
  };
}

function imageSize(ds: Dataset): number {
  return ds.shape[0] * ds.shape[1] * ds.shape[2];
}
