/**
 * VAE losses, as composites of primitives (no gradient rules of their own). Per-image terms
 * come out as (N,) tensors; `vaeObjective` applies the reduction a seed uses.
 */
import * as op from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';

/** Keras' backend epsilon: predictions are clipped to [ε, 1−ε] before the log. */
export const KERAS_EPSILON = 1e-7;

/** Σ (x − x̂)² per image. x, xHat: (N, D) → (N,). */
export function sumSquaredError(x: Tensor, xHat: Tensor): Tensor {
  return op.reduceSum(op.square(op.sub(x, xHat)), [1]);
}

/** Bernoulli cross-entropy summed over pixels, predictions clipped like Keras. (N, D) → (N,). */
export function binaryCrossEntropy(x: Tensor, p: Tensor): Tensor {
  const q = op.clip(p, KERAS_EPSILON, 1 - KERAS_EPSILON);
  const ll = op.add(op.mul(x, op.log(q)), op.mul(op.sub(1, x), op.log(op.sub(1, q))));
  return op.neg(op.reduceSum(ll, [1]));
}

/** KL(q(z|x) ‖ N(0, I)) in closed form, per latent dim: −½(1 + lv − μ² − e^lv). (N, L) → (N, L). */
export function klPerDim(mean: Tensor, logVar: Tensor): Tensor {
  return op.mul(-0.5, op.sub(op.sub(op.add(1, logVar), op.square(mean)), op.exp(logVar)));
}

/** How a VAE's objective is assembled from its two terms. */
export interface LossConfig {
  /** `sse`: Gaussian decoder, sum of squared errors; `bce`: Bernoulli decoder. */
  reconstruction: 'sse' | 'bce';
  /** `sum` over latent dims (the closed form), or `mean` over them (the Medium article's reduction). */
  klReduction: 'sum' | 'mean';
  /** Both terms are divided by this (Géron divides by 784: Keras "mse" + latent loss / 784). */
  scale: number;
  /** Weight on the KL term (β-VAE; 0 is the "no latent loss" ablation). The model's initial `beta`. */
  beta: number;
}

/** The three scalars every training step reports. */
export interface ObjectiveTerms {
  /** reconstruction + β·kl */
  loss: Tensor;
  /** Batch mean of the reconstruction term (scaled). */
  reconstruction: Tensor;
  /** Batch mean of the KL term (scaled, before β). */
  kl: Tensor;
}

/**
 * The VAE objective: batch means of the per-image terms, reconstruction + β·KL.
 * x, xHat: (N, D); mean, logVar: (N, L), or null for a plain autoencoder (no KL term).
 * β is a tensor so that one compiled step serves a KL warm-up schedule.
 */
export function vaeObjective(x: Tensor, xHat: Tensor, mean: Tensor | null, logVar: Tensor | null, c: LossConfig, beta: Tensor): ObjectiveTerms {
  const rec = c.reconstruction === 'sse' ? sumSquaredError(x, xHat) : binaryCrossEntropy(x, xHat); // (N,)
  const scale = (t: Tensor) => (c.scale === 1 ? t : op.div(t, c.scale));
  const reconstruction = scale(op.reduceMean(rec, [0]));
  if (!mean || !logVar) return { loss: reconstruction, reconstruction, kl: op.mul(reconstruction, 0) };
  const klDims = klPerDim(mean, logVar); // (N, L)
  const kl = c.klReduction === 'sum' ? op.reduceSum(klDims, [1]) : op.reduceMean(klDims, [1]); // (N,)
  const klMean = scale(op.reduceMean(kl, [0]));
  return { loss: op.add(reconstruction, op.mul(beta, klMean)), reconstruction, kl: klMean };
}
