/**
 * The latent API every model offers, trained (VAE) or exported (OnnxLatentModel), in Node and
 * in the browser: encode images to a posterior and a sample, decode latent vectors to images.
 * The latent-space tools (src/tools/latent.ts) and the explorer page need nothing else.
 */
import { checkLabels } from '../util/check.js';

/** Encoder outputs for N images, each N × latentDim, row-major. */
export interface Encoding {
  mean: Float32Array;
  logVar: Float32Array;
  z: Float32Array;
}

/** What the latent-space tools need from a model (a VAE, or a run loaded from disk or the network). */
export interface LatentModel {
  readonly latentDim: number;
  readonly inputShape: readonly [number, number, number];
  /** Classes of a conditional model, else null. */
  readonly numClasses: number | null;
  encode(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<Encoding>;
  decode(z: Float32Array, labels?: Int32Array): Promise<Float32Array>;
}

/**
 * The one-hot (N, K) matrix of a conditional model's labels, or null for an unconditional one.
 * The one check of labels: they come exactly when the model is conditional (TypeError), one per
 * image, each a class in [0, K) (RangeError).
 */
export function oneHot(labels: Int32Array | undefined, n: number, numClasses: number | null, what: string): Float32Array | null {
  const checked = checkLabels(what, numClasses, labels, { n });
  if (!checked || !numClasses) return null;
  const y = new Float32Array(n * numClasses);
  checked.forEach((l, i) => (y[i * numClasses + l] = 1));
  return y;
}
