/**
 * What to do with a trained model (the seeds' "what can we do with it"): sample from the prior,
 * reconstruct, interpolate, walk one latent axis, average codes per class and morph between
 * them, latent arithmetic with attribute vectors, 2-D latent scatters and the decoder manifold.
 *
 * Everything is typed against {@link LatentModel}, so it works on a VAE being trained and on a
 * model loaded from disk alike. Images go in and come out as the models take them: N images,
 * NHWC, flat Float32Arrays. Encoding always uses the encoder's mean (zero noise), so the tools
 * are deterministic and never draw from the model's own generator.
 */
import { checkLabels } from '../util/check.js';
import type { Dataset } from '../data/dataset.js';
import type { LatentModel } from '../models/latent.js';
import type { Rng } from '../rng.js';
import { pca } from '../viz/pca.js';

/** How to move between two latent vectors. */
export type InterpolationMethod = 'linear' | 'slerp';

/** Images decoded from latent vectors. */
export interface Generated {
  /** The latent vectors, N × latentDim. */
  z: Float32Array;
  /** The decoded images, N × H × W × C (NHWC). */
  images: Float32Array;
}

// ---- sampling and reconstruction ---------------------------------------------------------------

/** Options of {@link samplePrior}. */
export interface PriorOptions {
  /** 'gaussian': z ~ N(0, I), the VAE prior (default). 'uniform': z ~ U(−range, range)^L (Géron's exercise). */
  distribution?: 'gaussian' | 'uniform';
  /** Multiplies every draw: below 1 gives more typical, less varied images (default 1). */
  temperature?: number;
  /**
   * Half-width of the uniform box (default 2: about the ±2σ within which the Gaussian prior
   * puts 95% of each coordinate's mass, so both choices cover a comparable region).
   */
  range?: number;
  /** The generator to draw from (required, so that a run is reproducible from its seed). */
  rng: Rng;
  /** Conditional models: the class of each image (n labels) or one class for all (1 label). */
  labels?: Int32Array;
  /**
   * A plain autoencoder has no prior: give the mean and standard deviation of its codes (one
   * per latent dimension) to draw z = mean + std · draw instead, a Gaussian (or box) fitted to
   * them. Default: mean 0, std 1, the VAE prior.
   */
  fitted?: { mean: ArrayLike<number>; std: ArrayLike<number> };
}

/** Draws n latent vectors from the prior and decodes them. */
export async function samplePrior(model: LatentModel, n: number, opts: PriorOptions): Promise<Generated> {
  const z = priorDraws(model.latentDim, n, opts, 'samplePrior');
  const labels = modelLabels(model, 'samplePrior: labels', opts.labels, n);
  return { z, images: await decodeInBatches(model, z, labels) };
}

/**
 * The n latent vectors (n × latentDim) that {@link samplePrior} would decode with the same
 * options, without decoding them: a starting point for sliders, or a batch to time a decoder on.
 */
export function drawPrior(latentDim: number, n: number, opts: Omit<PriorOptions, 'labels'>): Float32Array {
  checkCount('drawPrior: latentDim', latentDim, 1);
  return priorDraws(latentDim, n, opts, 'drawPrior');
}

function priorDraws(L: number, n: number, opts: Omit<PriorOptions, 'labels'>, fn: string): Float32Array {
  checkCount(`${fn}: n`, n, 1);
  const rng = opts?.rng;
  if (typeof rng?.normal !== 'function') throw new TypeError(`${fn}: opts.rng: expected an Rng, got ${show(rng)}`);
  const distribution = opts.distribution ?? 'gaussian';
  if (distribution !== 'gaussian' && distribution !== 'uniform') throw new RangeError(`${fn}: distribution: expected 'gaussian' or 'uniform', got ${show(distribution)}`);
  const temperature = opts.temperature ?? 1;
  checkPositive(`${fn}: temperature`, temperature);
  const range = opts.range ?? 2;
  checkPositive(`${fn}: range`, range);
  const fitted = opts.fitted;
  if (fitted !== undefined) {
    if (fitted?.mean?.length !== L || fitted?.std?.length !== L)
      throw new RangeError(`${fn}: fitted: expected a mean and a std of ${L} values each (latentDim), got ${fitted?.mean?.length} and ${fitted?.std?.length}`);
    for (let j = 0; j < L; j++) {
      checkFinite(`${fn}: fitted.mean[${j}]`, fitted.mean[j]);
      if (!(fitted.std[j] >= 0) || !Number.isFinite(fitted.std[j])) throw new RangeError(`${fn}: fitted.std[${j}]: expected a finite number ≥ 0, got ${show(fitted.std[j])}`);
    }
  }
  const z = new Float32Array(n * L);
  for (let i = 0; i < z.length; i++) {
    const draw = temperature * (distribution === 'gaussian' ? rng.normal() : (2 * rng.uniform() - 1) * range);
    z[i] = fitted ? fitted.mean[i % L] + fitted.std[i % L] * draw : draw;
  }
  return z;
}

/** Originals and their reconstructions. */
export interface Reconstruction {
  /** The chosen images, N × H × W × C. */
  originals: Float32Array;
  /** The decoded encoder means, N × H × W × C. */
  reconstructions: Float32Array;
}

/**
 * Reconstructs the images of `ds` at `indices` by decoding their encoder means (the Medium
 * article shows test images 1, 3 and 7 over their reconstructions). Conditional models use
 * the data set's labels.
 */
export async function reconstruct(model: LatentModel, ds: Dataset, indices: ArrayLike<number>): Promise<Reconstruction> {
  checkDataset(model, ds, 'reconstruct');
  if (!(indices?.length > 0)) throw new RangeError(`reconstruct: indices: expected a non-empty array of image indices, got ${show(indices)}`);
  const per = pixels(model);
  const originals = new Float32Array(indices.length * per);
  for (let i = 0; i < indices.length; i++) {
    const idx = indices[i];
    if (!Number.isInteger(idx) || idx < 0 || idx >= ds.count) throw new RangeError(`reconstruct: indices[${i}]: expected an integer in [0, ${ds.count - 1}], got ${show(idx)}`);
    originals.set(ds.images.subarray(idx * per, (idx + 1) * per), i * per);
  }
  const labels = model.numClasses ? Int32Array.from(indices, (idx) => ds.labels![idx]) : undefined;
  const { mean } = await encodeMeans(model, originals, labels);
  return { originals, reconstructions: await decodeInBatches(model, mean, labels) };
}

// ---- paths through latent space --------------------------------------------------------------

/** Options of {@link interpolate}. */
export interface InterpolateOptions {
  /** 'linear' (default) or 'slerp' (spherical, see {@link slerp}). */
  method?: InterpolationMethod;
  /**
   * Conditional models: one class for both images and the whole path, or two (the classes of
   * xa and xb): each end is encoded with its own class and every step is decoded with the
   * class of the nearer end, so the ends reproduce themselves.
   */
  labels?: Int32Array;
}

/**
 * Decodes `steps` evenly spaced points (both ends included) on the path between the encoder
 * means of two images xa and xb (one image each, H × W × C values).
 */
export async function interpolate(model: LatentModel, xa: Float32Array, xb: Float32Array, steps: number, opts: InterpolateOptions = {}): Promise<Float32Array> {
  checkImage(model, 'interpolate: xa', xa);
  checkImage(model, 'interpolate: xb', xb);
  checkCount('interpolate: steps', steps, 2);
  const method = checkMethod('interpolate', opts.method);
  const ends = checkLabels('interpolate: labels', model.numClasses, opts.labels, { n: 2, broadcast: true });
  const x = new Float32Array(xa.length * 2);
  x.set(xa);
  x.set(xb, xa.length);
  const { mean } = await encodeMeans(model, x, ends);
  const L = model.latentDim;
  const z = path(mean.subarray(0, L), mean.subarray(L), steps, method);
  const labels = ends ? Int32Array.from({ length: steps }, (_, i) => nearerEnd(ends[0], ends[1], i / (steps - 1))) : undefined;
  return decodeInBatches(model, z, labels);
}

/** Options of {@link traverseAxis}. */
export interface TraverseOptions {
  /** First value of the axis (default −0.8, as Géron). */
  from?: number;
  /** Last value of the axis (default 0.8). */
  to?: number;
  /** Number of images (default 7). */
  steps?: number;
  /** The latent vector whose other coordinates stay fixed (default all zeros). */
  base?: Float32Array;
  /** Conditional models: one class for all images, or one per step. */
  labels?: Int32Array;
}

/**
 * Decodes `base` with coordinate `axis` swept over linspace(from, to, steps), all other
 * coordinates unchanged. Géron: codings all zero except axis 3 = linspace(−0.8, 0.8, 7).
 */
export async function traverseAxis(model: LatentModel, axis: number, opts: TraverseOptions = {}): Promise<Generated> {
  const L = model.latentDim;
  if (!Number.isInteger(axis) || axis < 0 || axis >= L) throw new RangeError(`traverseAxis: axis: expected an integer in [0, ${L - 1}], got ${show(axis)}`);
  const { from = -0.8, to = 0.8, steps = 7 } = opts;
  checkFinite('traverseAxis: from', from);
  checkFinite('traverseAxis: to', to);
  checkCount('traverseAxis: steps', steps, 2);
  const base = opts.base ?? new Float32Array(L);
  checkVector('traverseAxis: base', base, L);
  const labels = modelLabels(model, 'traverseAxis: labels', opts.labels, steps);
  const z = new Float32Array(steps * L);
  for (let i = 0; i < steps; i++) {
    z.set(base, i * L);
    z[i * L + axis] = from + ((to - from) * i) / (steps - 1);
  }
  return { z, images: await decodeInBatches(model, z, labels) };
}

// ---- class means and latent arithmetic --------------------------------------------------------

/** Per-class average encoder means. */
export interface ClassMeans {
  /** K × latentDim, row c = mean of z_mean over the images labelled c (NaN where count is 0). */
  means: Float32Array;
  /** Images per class. */
  counts: Int32Array;
  /** K, the number of classes (rows). */
  numClasses: number;
  /** Length of each row. */
  latentDim: number;
}

/** Options of {@link classMeans} and {@link latentPoints}. */
export interface EncodeOptions {
  /** Images per encoder call (default 500): bounds memory on large data sets. */
  batchSize?: number;
}

/**
 * The mean of the encoder's z_mean over all images of each label (the lecture's 10 class-mean
 * vectors). K is the number of label names (or classes, or the largest label + 1).
 */
export async function classMeans(model: LatentModel, ds: Dataset, opts: EncodeOptions = {}): Promise<ClassMeans> {
  checkDataset(model, ds, 'classMeans');
  const labels = ds.labels;
  if (!labels) throw new TypeError(`classMeans: ds: expected a labelled data set, got '${ds.name}' without labels`);
  const L = model.latentDim;
  let K = Math.max(ds.labelNames?.length ?? 0, model.numClasses ?? 0);
  for (let i = 0; i < ds.count; i++) {
    if (!(labels[i] >= 0)) throw new RangeError(`classMeans: ds.labels[${i}]: expected a non-negative class, got ${labels[i]}`);
    K = Math.max(K, labels[i] + 1);
  }
  // Sums in Float64: 6,000 images per class in Float32 would lose digits.
  const sums = new Float64Array(K * L);
  const counts = new Int32Array(K);
  await forEachBatch(model, ds, ds.count, opts.batchSize, (mean, start, n) => {
    for (let i = 0; i < n; i++) {
      const c = labels[start + i];
      counts[c]++;
      for (let j = 0; j < L; j++) sums[c * L + j] += mean[i * L + j];
    }
  });
  const means = new Float32Array(K * L);
  for (let c = 0; c < K; c++) for (let j = 0; j < L; j++) means[c * L + j] = counts[c] ? sums[c * L + j] / counts[c] : NaN;
  return { means, counts, numClasses: K, latentDim: L };
}

/** Options of {@link morph}. */
export interface MorphOptions {
  /** 'linear' (default, as the lecture) or 'slerp'. */
  method?: InterpolationMethod;
}

/**
 * A strip of `steps` images morphing class `from` into class `to` through their class means
 * (the lecture's "Manipulating digits"). Conditional models decode each step with the class of
 * the nearer end.
 */
export async function morph(model: LatentModel, means: ClassMeans, from: number, to: number, steps: number, opts: MorphOptions = {}): Promise<Float32Array> {
  checkMeans(model, means, 'morph');
  const a = classRow(means, from, 'morph: from');
  const b = classRow(means, to, 'morph: to');
  checkCount('morph: steps', steps, 2);
  const z = path(a, b, steps, checkMethod('morph', opts.method));
  const labels = model.numClasses ? Int32Array.from({ length: steps }, (_, i) => nearerEnd(from, to, i / (steps - 1))) : undefined;
  return decodeInBatches(model, z, labels);
}

/** The attribute vector mean(class a) − mean(class b): add it to a code to move it from b towards a. */
export function attributeVector(means: ClassMeans, a: number, b: number): Float32Array {
  const va = classRow(means, a, 'attributeVector: a');
  const vb = classRow(means, b, 'attributeVector: b');
  return va.map((v, j) => v - vb[j]);
}

/** Options of {@link addAttribute}. */
export interface AttributeOptions {
  /** Conditional models: the class of x, used to encode and decode (one label). */
  labels?: Int32Array;
}

/**
 * Latent arithmetic: decodes encode(x).mean + s · vector for each s in `scales` (x is one
 * image). Scale 0 is x's plain reconstruction.
 */
export async function addAttribute(model: LatentModel, x: Float32Array, vector: Float32Array, scales: readonly number[], opts: AttributeOptions = {}): Promise<Generated> {
  checkImage(model, 'addAttribute: x', x);
  const L = model.latentDim;
  checkVector('addAttribute: vector', vector, L);
  if (!Array.isArray(scales) || scales.length === 0) throw new RangeError(`addAttribute: scales: expected a non-empty array of numbers, got ${show(scales)}`);
  scales.forEach((s, i) => checkFinite(`addAttribute: scales[${i}]`, s));
  const one = modelLabels(model, 'addAttribute: labels', opts.labels, 1);
  const { mean } = await encodeMeans(model, x, one);
  const z = new Float32Array(scales.length * L);
  scales.forEach((s, i) => {
    for (let j = 0; j < L; j++) z[i * L + j] = mean[j] + s * vector[j];
  });
  const labels = one ? new Int32Array(scales.length).fill(one[0]) : undefined;
  return { z, images: await decodeInBatches(model, z, labels) };
}

// ---- plots of the latent space ----------------------------------------------------------------

/** Options of {@link latentPoints}. */
export interface LatentPointsOptions extends EncodeOptions {
  /** Use only the first `limit` images of the data set (default all). */
  limit?: number;
}

/** 2-D coordinates of a data set's codes, ready for a scatter plot. */
export interface LatentPoints {
  /** N × 2, row-major. */
  points: Float32Array;
  /** The N images' labels (a copy), or null for an unlabelled set. */
  labels: Int32Array | null;
  /** 'identity': the encoder means themselves (latentDim ≤ 2); 'pca': their top-2 principal components. */
  method: 'identity' | 'pca';
  /** With 'pca': each component's share of the total variance of the means, in [0, 1]. */
  explainedVariance?: number[];
}

/**
 * Encoder means of (the first `limit` images of) a data set as 2-D points: the means themselves
 * for a 2-D latent space (keras.io's "clustering of latent z"), projected on their first two
 * principal components for a larger one. A 1-D latent space is plotted against y = 0.
 */
export async function latentPoints(model: LatentModel, ds: Dataset, opts: LatentPointsOptions = {}): Promise<LatentPoints> {
  checkDataset(model, ds, 'latentPoints');
  let n = ds.count;
  if (opts.limit !== undefined) {
    checkCount('latentPoints: limit', opts.limit, 1);
    n = Math.min(n, opts.limit);
  }
  const L = model.latentDim;
  const all = new Float32Array(n * L);
  await forEachBatch(model, ds, n, opts.batchSize, (mean, start) => all.set(mean, start * L));
  const labels = ds.labels ? ds.labels.slice(0, n) : null;
  if (L > 2) {
    const p = pca(all, L, { components: 2 });
    return { points: p.projected, labels, method: 'pca', explainedVariance: p.explainedVarianceRatio };
  }
  if (L === 2) return { points: all, labels, method: 'identity' };
  const points = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) points[2 * i] = all[i];
  return { points, labels, method: 'identity' };
}

/** Options of {@link manifold}. */
export interface ManifoldOptions {
  /** Images per side of the grid (default 30, as keras.io). */
  n?: number;
  /** The grid covers [−range, range]² (default 1, keras.io's `scale`). */
  range?: number;
  /** Conditional models: one class for the whole grid. */
  labels?: Int32Array;
  /** The grid's centre (default the origin): it covers centre ± range on each axis. */
  centre?: readonly [number, number];
}

/**
 * The decoder's manifold (keras.io's plot_latent_space): n × n images decoded over an evenly
 * spaced grid of [−range, range]², row-major. Column j has z[0] = linspace(−range, range)[j];
 * row i has z[1] = linspace(range, −range)[i], so row 0 (the top) holds the largest z[1], as
 * keras.io plots it (both shifted by `centre` when given). Lay the result out with
 * `imageGrid(images, shape, { columns: n })`.
 */
export async function manifold(model: LatentModel, opts: ManifoldOptions = {}): Promise<Generated> {
  if (model.latentDim !== 2) throw new RangeError(`manifold: needs a 2-D latent space, got latentDim ${model.latentDim} (use traverseAxis or latentPoints)`);
  const { n = 30, range = 1 } = opts;
  checkCount('manifold: n', n, 2);
  checkPositive('manifold: range', range);
  const [cx, cy] = opts.centre ?? [0, 0];
  checkFinite('manifold: centre[0]', cx);
  checkFinite('manifold: centre[1]', cy);
  const labels = modelLabels(model, 'manifold: labels', opts.labels, n * n);
  const z = new Float32Array(n * n * 2);
  const at = (k: number) => -range + (2 * range * k) / (n - 1);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      z[(i * n + j) * 2] = cx + at(j);
      z[(i * n + j) * 2 + 1] = cy + at(n - 1 - i);
    }
  return { z, images: await decodeInBatches(model, z, labels) };
}

// ---- interpolation maths ----------------------------------------------------------------------

/**
 * Spherical interpolation (Shoemake 1985, as White 2016 uses it for generative models):
 * sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, with Ω the angle between a and b. Unlike the
 * straight line, it does not cut through the low-density centre of a Gaussian prior: two
 * vectors of equal norm keep that norm all along, and when the angle is at most 90° the norm
 * stays between the two ends' norms (it can dip below both for obtuse angles). Falls back to
 * linear interpolation when the vectors are nearly parallel or anti-parallel (sin Ω ≈ 0, where
 * the formula divides by ~0) or one of them is zero.
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  if (a.length !== b.length) throw new RangeError(`slerp: a and b must have equal lengths, got ${a.length} and ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  const cos = aa > 0 && bb > 0 ? Math.min(1, Math.max(-1, ab / Math.sqrt(aa * bb))) : 1;
  const omega = Math.acos(cos);
  const so = Math.sin(omega);
  if (so < 1e-6) return lerp(a, b, t);
  const wa = Math.sin((1 - t) * omega) / so;
  const wb = Math.sin(t * omega) / so;
  return Float32Array.from(a, (v, i) => wa * v + wb * b[i]);
}

/** Linear interpolation (1 − t)·a + t·b. */
export function lerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  return Float32Array.from(a, (v, i) => (1 - t) * v + t * b[i]);
}

/**
 * `steps` points from a to b (both included, pinned exactly), stacked into steps × length: the
 * path {@link interpolate} and {@link morph} decode.
 */
export function latentPath(a: Float32Array, b: Float32Array, steps: number, method: InterpolationMethod = 'linear'): Float32Array {
  if (!(a instanceof Float32Array) || !(b instanceof Float32Array)) throw new TypeError(`latentPath: a, b: expected two Float32Arrays, got ${show(a)} and ${show(b)}`);
  if (a.length !== b.length) throw new RangeError(`latentPath: a and b must have equal lengths, got ${a.length} and ${b.length}`);
  checkCount('latentPath: steps', steps, 2);
  return path(a, b, steps, checkMethod('latentPath', method));
}

/** The point at t ∈ [0, 1] on the path from a to b: {@link lerp} or {@link slerp}. */
export function pathPoint(a: ArrayLike<number>, b: ArrayLike<number>, t: number, method: InterpolationMethod = 'linear'): Float32Array {
  checkFinite('pathPoint: t', t);
  return checkMethod('pathPoint', method) === 'slerp' ? slerp(a, b, t) : lerp(a, b, t);
}

/**
 * The class a conditional model decodes a path's point at t with: the nearer end's (`from`
 * below t = 0.5, else `to`), as {@link interpolate} and {@link morph} do, so each end
 * reproduces itself.
 */
export function nearerEnd<T>(from: T, to: T, t: number): T {
  return t < 0.5 ? from : to;
}

// ---- coordinates along axes (sliders, PCA maps) ----------------------------------------------

/** The point centre + Σ_k coords[k] · axes[k] (axes: vectors of centre's length). */
export function fromCoordinates(centre: ArrayLike<number>, axes: readonly ArrayLike<number>[], coords: ArrayLike<number>): Float32Array {
  if (coords.length !== axes.length) throw new RangeError(`fromCoordinates: expected ${axes.length} coordinates (one per axis), got ${coords.length}`);
  const z = Float32Array.from(centre);
  axes.forEach((d, k) => {
    if (d.length !== z.length) throw new RangeError(`fromCoordinates: axes[${k}]: expected ${z.length} values, got ${d.length}`);
    const c = coords[k];
    if (c !== 0) for (let j = 0; j < z.length; j++) z[j] += c * d[j];
  });
  return z;
}

/** What {@link toCoordinates} finds. */
export interface Coordinates {
  /** One coordinate per axis (clamped to ±limit). */
  coords: Float64Array;
  /** What the axes do not reach: z = fromCoordinates(centre, axes, coords) + residual. */
  residual: Float32Array;
}

/**
 * The coordinates of z along mutually orthogonal axes (not necessarily unit length) around
 * `centre`, each clamped to ±`limit` (default unbounded), and the residual they leave, so that
 * centre + Σ coords[k]·axes[k] + residual = z exactly.
 */
export function toCoordinates(z: ArrayLike<number>, centre: ArrayLike<number>, axes: readonly ArrayLike<number>[], limit = Infinity): Coordinates {
  if (z.length !== centre.length) throw new RangeError(`toCoordinates: z and centre must have equal lengths, got ${z.length} and ${centre.length}`);
  const r = Float64Array.from({ length: z.length }, (_, j) => z[j] - centre[j]);
  const coords = new Float64Array(axes.length);
  axes.forEach((d, k) => {
    if (d.length !== r.length) throw new RangeError(`toCoordinates: axes[${k}]: expected ${r.length} values, got ${d.length}`);
    let rd = 0;
    let dd = 0;
    for (let j = 0; j < r.length; j++) {
      rd += r[j] * d[j];
      dd += d[j] * d[j];
    }
    const c = dd > 0 ? Math.max(-limit, Math.min(limit, rd / dd)) : 0;
    coords[k] = c;
    for (let j = 0; j < r.length; j++) r[j] -= c * d[j];
  });
  return { coords, residual: Float32Array.from(r) };
}

/** `steps` points from a to b (both included), stacked into steps × length. */
function path(a: Float32Array, b: Float32Array, steps: number, method: InterpolationMethod): Float32Array {
  const out = new Float32Array(steps * a.length);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    out.set(method === 'slerp' ? slerp(a, b, t) : lerp(a, b, t), i * a.length);
  }
  // Pin the ends exactly: the ends must decode to the images' own reconstructions.
  out.set(a, 0);
  out.set(b, (steps - 1) * a.length);
  return out;
}

// ---- model plumbing ---------------------------------------------------------------------------

/** Decoder calls take at most this many vectors, so a 30 × 30 manifold of a conv decoder stays small. */
const DECODE_BATCH = 256;

function pixels(model: LatentModel): number {
  return model.inputShape[0] * model.inputShape[1] * model.inputShape[2];
}

/** Encoder means with zero noise (so the model's generator is not advanced). */
function encodeMeans(model: LatentModel, x: Float32Array, labels?: Int32Array) {
  const n = x.length / pixels(model);
  return model.encode(x, new Float32Array(n * model.latentDim), labels);
}

async function decodeInBatches(model: LatentModel, z: Float32Array, labels?: Int32Array): Promise<Float32Array> {
  const L = model.latentDim;
  const n = z.length / L;
  const per = pixels(model);
  const out = new Float32Array(n * per);
  for (let s = 0; s < n; s += DECODE_BATCH) {
    const e = Math.min(n, s + DECODE_BATCH);
    out.set(await model.decode(z.subarray(s * L, e * L), labels?.subarray(s, e)), s * per);
  }
  return out;
}

/** Encodes images [0, n) of ds in batches, handing each batch's means to `visit`. */
async function forEachBatch(
  model: LatentModel,
  ds: Dataset,
  n: number,
  batchSize: number | undefined,
  visit: (mean: Float32Array, start: number, count: number) => void,
): Promise<void> {
  const size = batchSize ?? 500;
  checkCount('batchSize', size, 1);
  const per = pixels(model);
  for (let s = 0; s < n; s += size) {
    const e = Math.min(n, s + size);
    const labels = model.numClasses ? ds.labels!.subarray(s, e) : undefined;
    const { mean } = await encodeMeans(model, ds.images.subarray(s * per, e * per), labels);
    visit(mean, s, e - s);
  }
}

/**
 * The labels to decode n vectors with: none for an unconditional model; for a conditional one,
 * n labels as given or one label repeated n times.
 */
function modelLabels(model: LatentModel, what: string, labels: Int32Array | undefined, n: number): Int32Array | undefined {
  return checkLabels(what, model.numClasses, labels, { n, broadcast: true });
}

// ---- argument checks --------------------------------------------------------------------------

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${/^[AEIOU]/.test(v.constructor.name) ? 'an' : 'a'} ${v.constructor.name}`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function checkCount(what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${what}: expected an integer ≥ ${min}, got ${show(v)}`);
}

function checkFinite(what: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${what}: expected a finite number, got ${show(v)}`);
}

function checkPositive(what: string, v: number): void {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`${what}: expected a positive number, got ${show(v)}`);
}

function checkMethod(fn: string, m: unknown): InterpolationMethod {
  const method = m ?? 'linear';
  if (method !== 'linear' && method !== 'slerp') throw new RangeError(`${fn}: method: expected 'linear' or 'slerp', got ${show(method)}`);
  return method;
}

function checkVector(what: string, v: Float32Array, length: number): void {
  if (!(v instanceof Float32Array)) throw new TypeError(`${what}: expected a Float32Array of ${length} values, got ${show(v)}`);
  if (v.length !== length) throw new RangeError(`${what}: expected ${length} values (latentDim), got ${v.length}`);
}

function checkImage(model: LatentModel, what: string, x: Float32Array): void {
  const per = pixels(model);
  if (!(x instanceof Float32Array)) throw new TypeError(`${what}: expected a Float32Array of one ${model.inputShape.join('×')} image, got ${show(x)}`);
  if (x.length !== per) throw new RangeError(`${what}: expected one image of ${model.inputShape.join('×')} = ${per} values, got ${x.length}`);
}

function checkDataset(model: LatentModel, ds: Dataset, fn: string): void {
  if (!(ds?.images instanceof Float32Array)) throw new TypeError(`${fn}: ds: expected a Dataset, got ${show(ds)}`);
  if (ds.shape.join(',') !== model.inputShape.join(','))
    throw new RangeError(`${fn}: ds: expected images of [${model.inputShape.join(', ')}] (the model's input), got [${ds.shape.join(', ')}]`);
  if (model.numClasses && !ds.labels) throw new TypeError(`${fn}: ds: a conditional model needs a labelled data set, got '${ds.name}' without labels`);
}

function checkMeans(model: LatentModel, means: ClassMeans, fn: string): void {
  if (!(means?.means instanceof Float32Array)) throw new TypeError(`${fn}: means: expected the result of classMeans, got ${show(means)}`);
  if (means.latentDim !== model.latentDim) throw new RangeError(`${fn}: means: expected vectors of latentDim ${model.latentDim}, got ${means.latentDim}`);
}

/** Row c of the class means, checked to exist and be finite (a class with no images has none). */
function classRow(means: ClassMeans, c: number, what: string): Float32Array {
  if (!(means?.means instanceof Float32Array)) throw new TypeError(`${what}: expected class means from classMeans, got ${show(means)}`);
  if (!Number.isInteger(c) || c < 0 || c >= means.numClasses) throw new RangeError(`${what}: expected a class in [0, ${means.numClasses - 1}], got ${show(c)}`);
  if (!means.counts[c]) throw new RangeError(`${what}: class ${c} has no images, so no mean`);
  return means.means.subarray(c * means.latentDim, (c + 1) * means.latentDim);
}
