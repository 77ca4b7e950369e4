/**
 * Principal component analysis for plotting: the top few directions of a point cloud, found by
 * power iteration on the centred covariance matrix with deflation. Latent spaces here are small
 * (2–100 dimensions), so forming the d × d covariance is cheap and a full eigensolver is not
 * needed; everything runs in Float64 and from a fixed start vector, so results are reproducible.
 */
import { Rng } from '../rng.js';

/** Options of {@link pca}. */
export interface PcaOptions {
  /** Number of components to find (default 2, at most the dimension). */
  components?: number;
  /** Power-iteration cap per component (default 10,000). */
  maxIterations?: number;
  /** Stop when the direction moves less than this between iterations (default 1e-12). */
  tolerance?: number;
}

/** What {@link pca} finds. */
export interface PcaResult {
  /** The data mean, length d. */
  mean: Float64Array;
  /** The components as rows (k × d), unit length, sign fixed so the largest-magnitude entry is positive. */
  components: Float64Array;
  /** Variance of the data along each component (the covariance eigenvalues), largest first. */
  variances: number[];
  /** Each component's share of the total variance, in [0, 1] (all 0 when the data has no spread). */
  explainedVarianceRatio: number[];
  /** The centred data projected on the components, n × k, row-major. */
  projected: Float32Array;
}

/**
 * PCA of n points of dimension d held row-major in `data` (n × d values). The covariance uses
 * the 1/n (population) normalization.
 */
export function pca(data: ArrayLike<number>, d: number, opts: PcaOptions = {}): PcaResult {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`pca: d must be a positive integer, got ${d}`);
  if (data.length === 0 || data.length % d !== 0) throw new RangeError(`pca: data must hold n × ${d} values with n ≥ 1, got ${data.length}`);
  const k = opts.components ?? 2;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new RangeError(`pca: components must be an integer in [1, ${d}], got ${k}`);
  const maxIter = opts.maxIterations ?? 10_000;
  const tol = opts.tolerance ?? 1e-12;
  const n = data.length / d;

  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;

  // Covariance, accumulating the upper triangle only and mirroring it (it is symmetric).
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] += ra * row[b];
    }
  }
  let total = 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) cov[b * d + a] = cov[a * d + b] /= n;
    total += cov[a * d + a];
  }

  const components = new Float64Array(k * d);
  const variances: number[] = [];
  // A fixed pseudo-random start: deterministic, and (unlike e.g. all ones) almost surely not
  // orthogonal to the top eigenvector of any real data set.
  const rng = new Rng(0x5ca1ab1e);
  const v = new Float64Array(d);
  const w = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) v[j] = rng.normal();
    normalize(v);
    let lambda = 0;
    for (let it = 0; it < maxIter; it++) {
      matVec(cov, v, w, d);
      lambda = dot(v, w); // Rayleigh quotient: the eigenvalue estimate
      if (normalize(w) === 0) break; // remaining variance is zero: any direction will do
      let moved = 0;
      for (let j = 0; j < d; j++) moved += (w[j] - v[j]) ** 2;
      v.set(w);
      if (moved < tol) break;
    }
    fixSign(v);
    components.set(v, c * d);
    variances.push(Math.max(0, lambda));
    // Deflation: remove the found direction so the next power iteration finds the next one.
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] -= lambda * v[a] * v[b];
  }

  const projected = new Float32Array(n * k);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (data[i * d + j] - mean[j]) * components[c * d + j];
      projected[i * k + c] = s;
    }
  return {
    mean,
    components,
    variances,
    explainedVarianceRatio: variances.map((l) => (total > 0 ? l / total : 0)),
    projected,
  };
}

function matVec(m: Float64Array, v: Float64Array, out: Float64Array, d: number): void {
  for (let a = 0; a < d; a++) {
    let s = 0;
    for (let b = 0; b < d; b++) s += m[a * d + b] * v[b];
    out[a] = s;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Scales to unit length in place; returns the old length (0 leaves the vector as it was). */
function normalize(v: Float64Array): number {
  const len = Math.sqrt(dot(v, v));
  if (len > 0) for (let i = 0; i < v.length; i++) v[i] /= len;
  return len;
}

/** Eigenvectors are defined up to sign; fix it so equal inputs give equal plots. */
function fixSign(v: Float64Array): void {
  let big = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[big])) big = i;
  if (v[big] < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i];
}
