/**
 * Latent diagnostics printed after training: the KL term per latent dimension and the number
 * of active units (Burda et al. 2015: a unit is active when the variance over the data of its
 * posterior mean exceeds 0.01), with a posterior-collapse verdict.
 */
import { batches, type Dataset } from '../data/index.js';
import type { LatentModel } from '../models/latent.js';

/** What {@link latentDiagnostics} reports. */
export interface LatentDiagnostics {
  /** Mean over the images of KL(q(z_k|x) ‖ N(0,1)), per dimension, in nats. */
  klPerDim: number[];
  /** Variance over the images of the posterior mean, per dimension. */
  activity: number[];
  /** Dimensions with activity > 0.01. */
  activeUnits: number;
  /** True when fewer than half the units are active (the posterior collapsed onto the prior). */
  collapsed: boolean;
}

/** Encodes `ds` (or its first `limit` images) in batches and measures each latent dimension. */
export async function latentDiagnostics(model: LatentModel, ds: Dataset, opts: { limit?: number; batchSize?: number } = {}): Promise<LatentDiagnostics> {
  const L = model.latentDim;
  const per = ds.shape.reduce((a, b) => a * b, 1);
  const limit = Math.min(opts.limit ?? ds.count, ds.count);
  const kl = new Float64Array(L);
  const sum = new Float64Array(L);
  const sumSq = new Float64Array(L);
  let n = 0;
  for (const b of batches(ds, opts.batchSize ?? 500)) {
    const count = Math.min(b.count, limit - n);
    if (count <= 0) break;
    const labels = model.numClasses && b.labels ? b.labels.slice(0, count) : undefined;
    const { mean, logVar } = await model.encode(b.x.slice(0, count * per), new Float32Array(count * L), labels);
    for (let i = 0; i < count; i++)
      for (let k = 0; k < L; k++) {
        const m = mean[i * L + k];
        const lv = logVar[i * L + k];
        kl[k] += -0.5 * (1 + lv - m * m - Math.exp(lv));
        sum[k] += m;
        sumSq[k] += m * m;
      }
    n += count;
  }
  const activity = Array.from(sum, (s, k) => sumSq[k] / n - (s / n) ** 2);
  const activeUnits = activity.filter((a) => a > 0.01).length;
  return { klPerDim: Array.from(kl, (v) => v / n), activity, activeUnits, collapsed: activeUnits < L / 2 };
}
