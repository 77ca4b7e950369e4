/**
 * The evidence lower bound (Kingma & Welling 2014), the lecture's objective: one sample
 * z = μ + σ·ε per image, and the loss reconstruction error + β·KL(q(z|x) ‖ N(0, I)) with the KL
 * term in closed form. A plain autoencoder has no posterior: its loss is the reconstruction
 * error of its code.
 */
import * as op from '../graph/ops.js';
import { klPerDim, reconstructionError } from '../nn/losses.js';
import { reparameterize, scaled, type Objective } from './objective.js';

/** The ELBO objective (β-VAE when β ≠ 1). */
export const elbo: Objective = {
  name: 'elbo',
  noise: (latentDim) => ['N', latentDim],
  check: () => {},
  terms({ x, posterior, code, decode, eps, loss, beta }) {
    if (!posterior || !eps) {
      const reconstruction = scaled(op.reduceMean(reconstructionError(x, decode(code), loss), [0]), loss);
      return { loss: reconstruction, reconstruction, kl: op.mul(reconstruction, 0) };
    }
    const z = reparameterize(posterior, eps); // (N, L)
    const rec = reconstructionError(x, decode(z), loss); // (N,)
    const klDims = klPerDim(posterior.mean, posterior.logVar); // (N, L)
    const kl = loss.klReduction === 'sum' ? op.reduceSum(klDims, [1]) : op.reduceMean(klDims, [1]); // (N,)
    const reconstruction = scaled(op.reduceMean(rec, [0]), loss);
    const klMean = scaled(op.reduceMean(kl, [0]), loss);
    return { loss: op.add(reconstruction, op.mul(beta, klMean)), reconstruction, kl: klMean };
  },
};
