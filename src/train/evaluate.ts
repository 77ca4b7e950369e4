/**
 * Evaluation on a whole data set: the test-set loss with the training definition, and the
 * importance-sampled log-likelihood of Burda, Grosse & Salakhutdinov (2015), "Importance
 * Weighted Autoencoders" (arXiv:1509.00519).
 *
 * Both draw their noise from a seeded {@link Rng}, so the same seed gives the same figures.
 * They draw it in the same order — image by image, sample by sample, latent dimension by
 * dimension — so `logLikelihood(..., { k: 1, seed })` uses exactly the noise that
 * `evaluateDataset(..., { seed })` feeds to the reparameterization trick.
 */
import { checkLabelledData } from '../util/check.js';
import { batches, subset } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import type { LatentModel } from '../models/latent.js';
import type { StepMetrics } from '../objectives/objective.js';
import { Rng } from '../rng.js';

/** Called after each chunk of work with the images finished so far and the total. */
export type ProgressCallback = (done: number, total: number) => void;

/** What {@link evaluateDataset} needs from a model (a {@link VAE} has it all). */
export interface EvaluableModel {
  readonly latentDim: number;
  /** Classes of a conditional model (labels are then passed), else null. */
  readonly numClasses: number | null;
  /** false for a plain autoencoder: no noise is drawn. Absent: variational. */
  readonly variational?: boolean;
  /** Standard normals one image's objective draws (k·L for IWAE); absent: latentDim when variational. */
  readonly noisePerImage?: number;
  evaluate(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<StepMetrics>;
}

/** Options of {@link evaluateDataset}. */
export interface EvaluateOptions {
  /** Images per `evaluate` call (default 500). The result does not depend on it beyond rounding. */
  batchSize?: number;
  /** Evaluate only the first `limit` images (default: all). */
  limit?: number;
  /** Seed of the generator that draws ε (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Draw ε from this generator instead (it advances). */
  rng?: Rng;
  /** Progress in images. */
  onProgress?: ProgressCallback;
}

/** Data-set means of the training objective's terms, and how many images they cover. */
export interface DatasetMetrics extends StepMetrics {
  /** Images evaluated. */
  count: number;
}

/**
 * The training objective (`loss = reconstruction + β·kl`, with the model's own reconstruction
 * loss, KL reduction, scale and current β) averaged over every image of `ds`: batches are
 * weighted by their size, so a short last batch counts for what it holds. Conditional models
 * get the data set's labels. ε ~ N(0, I) comes from a seeded generator, batch by batch, image
 * by image, so the figure is reproducible; the model's own generator is not touched.
 *
 * @throws TypeError when a conditional model meets an unlabelled data set.
 * @throws RangeError on a bad batch size or limit, or an image shape the model does not take.
 */
export async function evaluateDataset(model: EvaluableModel, ds: Dataset, opts: EvaluateOptions = {}): Promise<DatasetMetrics> {
  const batchSize = opts.batchSize ?? 500;
  checkPositiveInt('batchSize', batchSize);
  const data = limited(ds, opts.limit);
  const labelsNeeded = conditional(model, data, 'evaluateDataset');
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const perImage = model.noisePerImage ?? (model.variational !== false ? model.latentDim : 0);
  let loss = 0;
  let reconstruction = 0;
  let kl = 0;
  let done = 0;
  for (const b of batches(data, batchSize)) {
    const eps = perImage > 0 ? rng.normalArray(b.count * perImage) : undefined;
    const m = await model.evaluate(b.x, eps, labelsNeeded ? (b.labels ?? undefined) : undefined);
    loss += m.loss * b.count;
    reconstruction += m.reconstruction * b.count;
    kl += m.kl * b.count;
    done += b.count;
    opts.onProgress?.(done, data.count);
  }
  return { loss: loss / done, reconstruction: reconstruction / done, kl: kl / done, count: done };
}

/**
 * What {@link logLikelihood} needs from a model: the latent-space API, and the reconstruction
 * loss it was trained with (only a Bernoulli decoder, `'bce'`, defines a normalized p(x|z)).
 */
export interface LikelihoodModel extends LatentModel {
  readonly config: { readonly loss: { readonly reconstruction: 'sse' | 'bce' } };
  /** false for a plain autoencoder, which has no posterior q(z|x) and is refused. */
  readonly variational?: boolean;
}

/**
 * How to make pixels binary before scoring them:
 * - `'sample'` (what `true` means): each pixel becomes 1 with probability equal to its
 *   intensity, drawn once from a seeded generator. This is the *dynamic binarization* Burda
 *   et al. (2015) used for MNIST, where their one-stochastic-layer VAE scores 86.76 nats
 *   (test, k = 5000); the expected image equals the grayscale one, so it is the unbiased choice.
 * - `'threshold'`: pixel ≥ 0.5 → 1, else 0. Deterministic, but a different (easier) data set,
 *   not comparable to the published figures.
 */
export type Binarization = 'sample' | 'threshold';

/** Options of {@link logLikelihood}. */
export interface LikelihoodOptions {
  /** Importance samples per image (default 5000, as Burda et al.). */
  k?: number;
  /** Score only the first `limit` images (default: all). k = 5000 over 10,000 images is 5·10⁷ decodes. */
  limit?: number;
  /** Images per `encode` call (default 500). */
  batchSize?: number;
  /** Most latent vectors per `decode` call (default 4096): bounds memory to chunk × pixels floats. */
  chunk?: number;
  /** Seed of the generator that draws ε (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Draw ε from this generator instead (it advances). */
  rng?: Rng;
  /**
   * Binarize the images first (default false: score the [0,1] pixels as given, which is the
   * training loss's cross-entropy but not a normalized likelihood unless pixels are 0 or 1).
   * `true` is `'sample'`; see {@link Binarization}. The binary pixels are drawn from their own
   * generator, seeded by `binarizeSeed`, so they do not shift the ε stream.
   */
  binarize?: boolean | Binarization;
  /** Seed of the stochastic binarization (default 0x5eed). */
  binarizeSeed?: number;
  /** Progress in images. */
  onProgress?: ProgressCallback;
}

/** The importance-sampled estimate of the test negative log-likelihood. */
export interface LikelihoodResult {
  /** Mean over images of −log p(x), in nats (lower is better). */
  nats: number;
  /** Standard error of that mean over images (sample std / √count); excludes the estimator's own bias. */
  stderr: number;
  /** Importance samples per image. */
  k: number;
  /** Images scored. */
  count: number;
  /** Wall time, seconds. */
  seconds: number;
}

/** Keras' clipping of Bernoulli probabilities, as in training. */
const P_MIN = 1e-7;
const P_MAX = 1 - 1e-7;

/**
 * −log p(x) for each image of `ds`, estimated by importance sampling with the encoder as
 * proposal (Burda et al., 2015, eq. 8 with k samples):
 *
 *   log p(x) ≈ log (1/k) Σᵢ p(x|zᵢ) p(zᵢ) / q(zᵢ|x),   zᵢ ~ q(z|x) = N(μ(x), diag exp(logVar(x))),
 *
 * with p(z) = N(0, I) and the Bernoulli decoder log p(x|z) = Σ x log p + (1−x) log(1−p), p clipped
 * to [1e-7, 1−1e-7] as in training. The estimate is a stochastic lower bound on log p(x) that
 * tightens as k grows; k = 1 is the ELBO with a one-sample KL (its mean equals the training
 * loss with β = 1, KL summed over latent dims and scale 1 — the −ELBO — up to sampling noise). The log-sum-exp runs in float64, streamed, so
 * an image's k samples may span several decode calls of at most `chunk` latent vectors.
 * The noise is drawn image by image, sample by sample, dimension by dimension.
 *
 * @throws RangeError for a model whose decoder is not Bernoulli (`config.loss.reconstruction`
 *   is not `'bce'`), or a plain autoencoder; bad k, chunk, batch size or limit.
 */
export async function logLikelihood(model: LikelihoodModel, ds: Dataset, opts: LikelihoodOptions = {}): Promise<LikelihoodResult> {
  const recon = model.config?.loss?.reconstruction;
  if (recon !== 'bce')
    throw new RangeError(
      `logLikelihood: needs a Bernoulli decoder (loss.reconstruction 'bce'), this model's is '${String(recon)}': a Gaussian/SSE decoder defines no normalized likelihood`,
    );
  if (model.variational === false) throw new RangeError('logLikelihood: a plain autoencoder has no posterior q(z|x) to sample from; use a variational model');
  const k = opts.k ?? 5000;
  const batchSize = opts.batchSize ?? 500;
  const chunk = opts.chunk ?? 4096;
  checkPositiveInt('k', k);
  checkPositiveInt('batchSize', batchSize);
  checkPositiveInt('chunk', chunk);
  const started = performance.now();
  let data = limited(ds, opts.limit);
  const mode: Binarization | null = opts.binarize === true ? 'sample' : opts.binarize === false || opts.binarize === undefined ? null : opts.binarize;
  if (mode !== null) data = binarize(data, mode, new Rng(opts.binarizeSeed ?? 0x5eed));
  const labelsNeeded = conditional(model, data, 'logLikelihood');
  const [h, w, c] = model.inputShape;
  const per = h * w * c;
  if (data.shape[0] * data.shape[1] * data.shape[2] !== per)
    throw new RangeError(`logLikelihood: the model takes images of ${h}×${w}×${c}, the data set has ${data.shape.join('×')}`);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const L = model.latentDim;
  const n = data.count;
  const total = n * k;

  // The decode buffers, reused: rows of up to `chunk` latent vectors, and who they belong to.
  const rows = Math.min(chunk, total);
  const zBuf = new Float32Array(rows * L);
  const labBuf = labelsNeeded ? new Int32Array(rows) : null;
  const owner = new Int32Array(rows); // image index within the current batch
  const logPrior = new Float64Array(rows); // log p(z) − log q(z|x), constants cancelled

  const nll = new Float64Array(n);
  let done = 0;
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const x = data.images.subarray(start * per, (start + count) * per);
    const labels = labelsNeeded && data.labels ? data.labels.subarray(start, start + count) : undefined;
    // Zero noise: we only need μ and log σ², and the model's own generator stays where it is.
    const { mean, logVar } = await model.encode(x, new Float32Array(count * L), labels);
    // Streaming log-sum-exp per image: max m and Σ exp(a − m).
    const m = new Float64Array(count).fill(-Infinity);
    const s = new Float64Array(count);
    let used = 0;
    const flush = async () => {
      if (used === 0) return;
      const z = used === rows ? zBuf : zBuf.subarray(0, used * L);
      const lab = labBuf === null ? undefined : used === rows ? labBuf : labBuf.subarray(0, used);
      const p = await model.decode(z, lab);
      for (let r = 0; r < used; r++) {
        const i = owner[r];
        const a = bernoulliLogLikelihood(x, i * per, p, r * per, per) + logPrior[r];
        if (a > m[i]) {
          s[i] = s[i] * Math.exp(m[i] - a) + 1; // exp(−∞) = 0 on the first sample
          m[i] = a;
        } else {
          s[i] += Math.exp(a - m[i]);
        }
      }
      used = 0;
    };
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < k; j++) {
        let acc = 0;
        const o = used * L;
        for (let d = 0; d < L; d++) {
          const e = rng.normal();
          const lv = logVar[i * L + d];
          const zf = Math.fround(mean[i * L + d] + Math.exp(0.5 * lv) * e);
          zBuf[o + d] = zf;
          // log N(z; 0, 1) − log N(z; μ, σ²) = −z²/2 + lv/2 + ε²/2 (the log 2π terms cancel).
          acc += 0.5 * (e * e + lv - zf * zf);
        }
        logPrior[used] = acc;
        owner[used] = i;
        if (labBuf !== null && labels !== undefined) labBuf[used] = labels[i];
        if (++used === rows) await flush();
      }
    }
    await flush();
    for (let i = 0; i < count; i++) nll[start + i] = -(m[i] + Math.log(s[i]) - Math.log(k));
    done += count;
    opts.onProgress?.(done, n);
  }

  let sum = 0;
  for (let i = 0; i < n; i++) sum += nll[i];
  const mu = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (nll[i] - mu) ** 2;
  const stderr = n > 1 ? Math.sqrt(sq / (n - 1) / n) : NaN;
  return { nats: mu, stderr, k, count: n, seconds: (performance.now() - started) / 1000 };
}

/**
 * A copy of `ds` with binary pixels (see {@link Binarization}); `'sample'` draws one uniform per
 * pixel from `rng` (default `new Rng(0x5eed)`, the default of {@link logLikelihood}).
 */
export function binarize(ds: Dataset, mode: Binarization = 'sample', rng: Rng = new Rng(0x5eed)): Dataset {
  if (mode !== 'sample' && mode !== 'threshold') throw new RangeError(`binarize: expected 'sample' or 'threshold', got ${String(mode)}`);
  const src = ds.images;
  const images = new Float32Array(src.length);
  if (mode === 'threshold') for (let i = 0; i < src.length; i++) images[i] = src[i] >= 0.5 ? 1 : 0;
  else for (let i = 0; i < src.length; i++) images[i] = rng.uniform() < src[i] ? 1 : 0;
  return {
    images,
    labels: ds.labels === null ? null : ds.labels.slice(),
    shape: [ds.shape[0], ds.shape[1], ds.shape[2]],
    count: ds.count,
    labelNames: ds.labelNames === null ? null : [...ds.labelNames],
    name: `${ds.name} (binarized: ${mode})`,
  };
}

/** Σ x log p + (1−x) log(1−p) over one image, p clipped; one log per pixel when x is 0 or 1. */
function bernoulliLogLikelihood(x: Float32Array, xo: number, p: Float32Array, po: number, n: number): number {
  let ll = 0;
  for (let t = 0; t < n; t++) {
    const xi = x[xo + t];
    let q = p[po + t];
    q = q < P_MIN ? P_MIN : q > P_MAX ? P_MAX : q;
    if (xi === 1) ll += Math.log(q);
    else if (xi === 0) ll += Math.log(1 - q);
    else ll += xi * Math.log(q) + (1 - xi) * Math.log(1 - q);
  }
  return ll;
}

/** The first `limit` images of `ds` (a view-free copy only when a limit cuts it). */
function limited(ds: Dataset, limit: number | undefined): Dataset {
  if (ds.count < 1) throw new RangeError(`dataset '${ds.name}': expected at least one image, got 0`);
  if (limit === undefined || limit >= ds.count) return ds;
  checkPositiveInt('limit', limit);
  return subset(
    ds,
    Int32Array.from({ length: limit }, (_, i) => i),
  );
}

/** Whether labels must be passed; throws when a conditional model meets an unlabelled set. */
function conditional(model: { readonly numClasses: number | null }, ds: Dataset, what: string): boolean {
  return checkLabelledData(what, model.numClasses, ds);
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name}: expected a positive integer, got ${String(v)}`);
}
