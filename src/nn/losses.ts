/**
 * The terms VAE objectives are made of, as composites of primitives (no gradient rules of their
 * own). Per-image terms reduce the last (pixel or latent) axis; the objectives in
 * src/objectives/ apply the reductions a seed uses.
 */
import * as op from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';

/** Keras' backend epsilon: predictions are clipped to [ε, 1−ε] before the log. */
export const KERAS_EPSILON = 1e-7;

/** Σ (x − x̂)² per image, over the last axis. x: (N, D), xHat: (…, N, D) → (…, N). */
export function sumSquaredError(x: Tensor, xHat: Tensor): Tensor {
  // (x̂ − x)², the same value as (x − x̂)²: its gradient reaches x̂ without a negation pass.
  return op.reduceSum(op.square(op.sub(xHat, x)), [xHat.rank - 1]);
}

/** Bernoulli cross-entropy summed over pixels, predictions clipped like Keras. x: (N, D), p: (…, N, D) → (…, N). */
export function binaryCrossEntropy(x: Tensor, p: Tensor): Tensor {
  const q = op.clip(p, KERAS_EPSILON, 1 - KERAS_EPSILON);
  const ll = op.add(op.mul(x, op.log(q)), op.mul(op.sub(1, x), op.log(op.sub(1, q))));
  return op.neg(op.reduceSum(ll, [p.rank - 1]));
}

/** The configured reconstruction error per image: −log p(x|z), up to a constant for SSE. (…, N). */
export function reconstructionError(x: Tensor, xHat: Tensor, c: LossConfig): Tensor {
  return c.reconstruction === 'sse' ? sumSquaredError(x, xHat) : binaryCrossEntropy(x, xHat);
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
