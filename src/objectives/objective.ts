/**
 * What an objective is: a function from a latent-variable model's pieces (its images, its
 * posterior q(z|x), its decoder, the noise of one step) to the loss it minimizes. The model
 * kinds (VAE, plain AE, conditional VAE) hand these pieces over; an objective knows nothing of
 * layers, and the engine nothing of objectives.
 */
import * as op from '../graph/ops.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import type { LossConfig } from '../nn/losses.js';
import type { LossTerms } from '../util/metrics.js';

/** The approximate posterior q(z|x) = N(mean, exp(logVar)) of a variational model. */
export interface GaussianPosterior {
  mean: Tensor; // (N, L)
  logVar: Tensor; // (N, L)
}

/** What a model hands its objective, as graph tensors. */
export interface ObjectiveInputs {
  /** The images, flat: (N, D) in NHWC order. */
  x: Tensor;
  /** q(z|x), or null for a plain autoencoder. */
  posterior: GaussianPosterior | null;
  /** The code a plain autoencoder decodes (a VAE's posterior mean): (N, L). */
  code: Tensor;
  /**
   * The decoder's mean image for latent vectors (M, L) → (M, D). With `samples` = k the rows are
   * k per image (image-major: M = N·k), and a conditional model repeats each label k times.
   */
  decode(z: Tensor, samples?: number): Tensor;
  /** The step's standard-normal noise, of the shape the objective declared; null without a posterior. */
  eps: Tensor | null;
  /** How the reconstruction and KL terms are measured and scaled. */
  loss: LossConfig;
  /** Weight of the KL term (a fed scalar, so that one compiled step serves a warm-up schedule). */
  beta: Tensor;
}

/** The three scalars every step reports (batch means). */
export interface ObjectiveTerms {
  /** What the optimizer minimizes. */
  loss: Tensor;
  /** Batch mean of the reconstruction term (scaled). */
  reconstruction: Tensor;
  /** Batch mean of KL(q(z|x) ‖ N(0, I)) (scaled, before β). */
  kl: Tensor;
}

/** The three figures a step reports (batch means), as numbers. */
export type StepMetrics = LossTerms;

/** A training objective. */
export interface Objective {
  /** Its name in configs and on the command line. */
  readonly name: string;
  /** Shape of the standard-normal noise one step draws, for a latent size L ('N': the batch). */
  noise(latentDim: number): Shape;
  /** Refuses a model it cannot train (a RangeError naming what is missing). */
  check(model: { variational: boolean; loss: LossConfig }): void;
  /** The loss and the reported terms. */
  terms(m: ObjectiveInputs): ObjectiveTerms;
}

/** The reparameterization trick: z = μ + σ·ε with σ = exp(½ log σ²); ε may carry extra leading sample axes. */
export function reparameterize(q: GaussianPosterior, eps: Tensor): Tensor {
  return op.add(q.mean, op.mul(op.exp(op.mul(q.logVar, 0.5)), eps));
}

/** Divides a term by the config's scale (Géron's 1/784), leaving it alone at scale 1. */
export function scaled(t: Tensor, loss: LossConfig): Tensor {
  return loss.scale === 1 ? t : op.div(t, loss.scale);
}
