/**
 * The importance-weighted autoencoder's bound (Burda, Grosse & Salakhutdinov 2015): k samples
 * z_i ~ q(z|x) per image, importance weights w_i = p(x|z_i)·p(z_i) / q(z_i|x), and the loss
 * −log (1/k) Σ_i w_i. It bounds −log p(x) more tightly than the ELBO (k = 1 is the ELBO) and
 * tends to it as k grows; its gradient weights each sample by its normalized w_i.
 *
 * log p(x|z) is minus the reconstruction error (up to a constant for SSE), and
 * log q(z|x) − log p(z) = Σ_l ½(z² − ε² − log σ²) since z = μ + σ·ε (the 2π terms cancel).
 * β weighs that log-ratio, as it weighs the KL term of the ELBO.
 */
import * as op from '../graph/ops.js';
import type { Dim } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { klPerDim, reconstructionError } from '../nn/losses.js';
import { reparameterize, scaled, type Objective } from './objective.js';

/** The IWAE objective with k importance samples per image. */
export function iwae(k: number): Objective {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`iwae: samples expects a positive integer, got ${k}`);
  return {
    name: 'iwae',
    noise: (latentDim) => ['N', k, latentDim], // image-major: one image's k samples side by side
    check({ variational, loss }) {
      if (!variational) throw new RangeError("objective 'iwae' needs a variational model (a posterior to sample); a plain autoencoder trains with 'elbo'");
      if (loss.klReduction !== 'sum') throw new RangeError(`objective 'iwae' needs loss.klReduction 'sum' (log-densities sum over latent dims), got '${loss.klReduction}'`);
    },
    terms({ x, posterior, decode, eps, loss, beta }) {
      if (!posterior || !eps) throw new RangeError("objective 'iwae' needs a variational model");
      const [latent, pixels] = [posterior.mean.shape[1], x.shape[1]];
      const perImage = (t: Tensor, d: Dim) => op.reshape(t, ['N', 1, d]); // (N, d) → (N, 1, d)
      const q = { mean: perImage(posterior.mean, latent), logVar: perImage(posterior.logVar, latent) };
      const z = reparameterize(q, eps); // (N, k, L)
      const xHat = op.reshape(decode(op.reshape(z, ['N', latent], k), k), ['N', k, pixels], 1 / k); // (N, k, D)
      const rec = reconstructionError(perImage(x, pixels), xHat, loss); // (N, k): −log p(x|z_i)
      const logRatio = op.reduceSum(op.mul(0.5, op.sub(op.square(z), op.add(op.square(eps), q.logVar))), [2]); // (N, k)
      const logW = op.neg(op.add(rec, op.mul(beta, logRatio))); // (N, k)
      // log-mean-exp over the k samples, shifted by the largest so that no exp overflows.
      const top = op.reduceMax(logW, [1], true); // (N, 1)
      const bound = op.add(op.reshape(top, ['N']), op.log(op.reduceMean(op.exp(op.sub(logW, top)), [1]))); // (N,)
      const kl = op.reduceSum(klPerDim(posterior.mean, posterior.logVar), [1]); // (N,), reported in closed form
      return {
        loss: scaled(op.neg(op.reduceMean(bound, [0])), loss),
        reconstruction: scaled(op.reduceMean(rec, [0, 1]), loss),
        kl: scaled(op.reduceMean(kl, [0]), loss),
      };
    },
  };
}
