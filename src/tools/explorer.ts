/**
 * The data the explorer page needs besides the two ONNX halves: the test set's encoder means
 * as 2-D map points with their labels, the class means, the directions the Steer sliders move
 * along, and a few test images for Reconstruct and Morph. Computed from any {@link LatentModel}
 * (browser-safe): in Node for a run folder (RUN/explorer.json, src/serve/data.ts), and in the
 * page after every epoch of training there.
 */
import type { Dataset } from '../data/dataset.js';
import type { LatentModel } from '../models/latent.js';
import { checkLabelledData } from '../util/check.js';
import { pca } from '../viz/pca.js';
import { classMeans, latentPoints } from './latent.js';

/** Bumped whenever the layout of {@link ExplorerData} changes, so old files are recomputed. */
export const EXPLORER_FORMAT_VERSION = 1;

/** Latent sizes up to this get one slider per dimension; larger ones get this many principal directions. */
export const MAX_SLIDERS = 16;

/** What RUN/explorer.json holds. Arrays of numbers are plain JSON arrays, rounded to 4 significant digits. */
export interface ExplorerData {
  format: 'vaekit-explorer';
  formatVersion: number;
  /** Name of the data set the means come from, e.g. `mnist/test`. */
  dataset: string;
  /** 'run': the run's own data set; 'option': a data set the caller chose (recomputed on the next plain start). */
  dataFrom: 'run' | 'option';
  latentDim: number;
  inputShape: [number, number, number];
  numClasses: number | null;
  variational: boolean;
  /** Class names (from the manifest or the data), or null for unlabelled data. */
  labelNames: string[] | null;
  /** Mean and standard deviation per latent dimension of the encoder means (samples for plain autoencoders). */
  codeStats: { mean: number[]; std: number[]; count: number };
  /**
   * The Steer sliders: slider k moves `z = base + s · scales[k] · directions[k]`, s in units of
   * standard deviations. 'axes': one per latent dimension; 'pca': the top principal directions
   * of the test-set means.
   */
  sliders: { kind: 'axes' | 'pca'; centre: number[]; directions: number[][]; scales: number[]; explainedVariance?: number[] };
  /**
   * The Map: 2-D points (x0, y0, x1, y1, …) and their labels. 'identity': the means themselves
   * (2-D latent spaces); 'pca': projected as z = centre + x · axes[0] + y · axes[1].
   */
  map: { method: 'identity' | 'pca'; points: number[]; labels: number[] | null; centre: number[]; axes: number[][]; explainedVariance?: number[] };
  /** Per-class average encoder means (null rows for classes without images), or null without labels. */
  classMeans: { means: (number[] | null)[]; counts: number[] } | null;
  /** A few test images, uint8 NHWC, base64; labels and their index in the test set. */
  images: { count: number; data: string; labels: number[] | null; indices: number[] };
}

/** Options of {@link buildExplorerData}. */
export interface ExplorerDataOptions {
  /** Map points (default 2,000). */
  points?: number;
  /** Test images for Reconstruct and Morph (default 100; fewer for large images, to keep the file small). */
  images?: number;
}

/** Computes the explorer's data for a model from a data set (its run's test split). `variational` and
 * `labelNames` come from the run's manifest. */
export async function buildExplorerData(
  vae: LatentModel,
  ds: Dataset,
  opts: ExplorerDataOptions & { dataFrom?: 'run' | 'option'; variational: boolean; labelNames?: string[] | null },
): Promise<ExplorerData> {
  if (ds.shape.join() !== vae.inputShape.join()) throw new Error(`explorer: ${ds.name} images are ${ds.shape.join('×')}, the run expects ${vae.inputShape.join('×')}`);
  checkLabelledData('explorer', vae.numClasses, ds);
  const L = vae.latentDim;
  const nPoints = Math.min(ds.count, opts.points ?? 2000);

  // Encoder means of the map points (the same call latentPoints makes, kept whole for the PCA).
  const ident = L <= 2 ? await latentPoints(vae, ds, { limit: nPoints }) : null;
  const means = L <= 2 ? null : await encoderMeans(vae, ds, nPoints);
  const codes = ident ? ident.points : means!;
  const labels = ds.labels ? [...ds.labels.subarray(0, nPoints)] : null;
  const codeDim = L <= 2 ? 2 : L;

  // Statistics of the codes, per latent dimension.
  const mean = new Float64Array(L);
  const sq = new Float64Array(L);
  for (let i = 0; i < nPoints; i++)
    for (let j = 0; j < L; j++) {
      const v = codes[i * codeDim + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  const std = new Float64Array(L);
  for (let j = 0; j < L; j++) {
    mean[j] /= nPoints;
    std[j] = Math.sqrt(Math.max(0, sq[j] / nPoints - mean[j] * mean[j])) || 1;
  }

  let sliders: ExplorerData['sliders'];
  let map: ExplorerData['map'];
  if (L <= MAX_SLIDERS) {
    const directions = Array.from({ length: L }, (_, k) => Array.from({ length: L }, (_, j) => (j === k ? 1 : 0)));
    // Variational models: the prior N(0, I) is the natural frame; plain autoencoders: the codes' spread.
    sliders = opts.variational
      ? { kind: 'axes', centre: new Array<number>(L).fill(0), directions, scales: new Array<number>(L).fill(1) }
      : { kind: 'axes', centre: round([...mean]), directions, scales: round([...std]) };
  }
  if (ident) {
    map = { method: 'identity', points: round(ident.points, 4), labels, centre: new Array<number>(L).fill(0), axes: [] };
  } else {
    const p = pca(means!, L, { components: Math.min(L, L > MAX_SLIDERS ? MAX_SLIDERS : 2) });
    const comp = (k: number) => round([...p.components.subarray(k * L, (k + 1) * L)], 5);
    const xy = new Float32Array(nPoints * 2);
    const k = p.variances.length;
    for (let i = 0; i < nPoints; i++) {
      xy[2 * i] = p.projected[i * k];
      xy[2 * i + 1] = p.projected[i * k + 1];
    }
    map = { method: 'pca', points: round(xy, 4), labels, centre: round([...p.mean]), axes: [comp(0), comp(1)], explainedVariance: round(p.explainedVarianceRatio.slice(0, 2)) };
    if (L > MAX_SLIDERS)
      sliders = {
        kind: 'pca',
        centre: round([...p.mean]),
        directions: Array.from({ length: k }, (_, c) => comp(c)),
        scales: round(p.variances.map((v) => Math.sqrt(v) || 1)),
        explainedVariance: round(p.explainedVarianceRatio),
      };
  }

  let cm: ExplorerData['classMeans'] = null;
  if (ds.labels) {
    const c = await classMeans(vae, ds);
    cm = {
      means: Array.from({ length: c.numClasses }, (_, k) => (c.counts[k] ? round([...c.means.subarray(k * L, (k + 1) * L)]) : null)),
      counts: [...c.counts],
    };
  }

  // A few test images, as bytes: at most ~256 KB of pixels, at least 10 images.
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const nImages = Math.min(ds.count, Math.max(10, Math.min(opts.images ?? 100, Math.floor(262144 / per))));
  const indices = pickImages(ds, nImages);
  const bytes = new Uint8Array(nImages * per);
  indices.forEach((idx, i) => {
    for (let p = 0; p < per; p++) bytes[i * per + p] = Math.round(Math.min(1, Math.max(0, ds.images[idx * per + p])) * 255);
  });

  return {
    format: 'vaekit-explorer',
    formatVersion: EXPLORER_FORMAT_VERSION,
    dataset: ds.name,
    dataFrom: opts.dataFrom ?? 'option',
    latentDim: L,
    inputShape: [...vae.inputShape],
    numClasses: vae.numClasses,
    variational: opts.variational,
    labelNames: opts.labelNames ?? ds.labelNames ?? null,
    codeStats: { mean: round([...mean]), std: round([...std]), count: nPoints },
    sliders: sliders!,
    map,
    classMeans: cm,
    images: { count: nImages, data: base64(bytes), labels: ds.labels ? indices.map((i) => ds.labels![i]) : null, indices },
  };
}

/** Encoder means (zero noise) of the first n images, n × latentDim. */
async function encoderMeans(vae: LatentModel, ds: Dataset, n: number): Promise<Float32Array> {
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const L = vae.latentDim;
  const out = new Float32Array(n * L);
  for (let s = 0; s < n; s += 500) {
    const e = Math.min(n, s + 500);
    const labels = vae.numClasses ? ds.labels!.subarray(s, e) : undefined;
    const { mean } = await vae.encode(ds.images.subarray(s * per, e * per), new Float32Array((e - s) * L), labels);
    out.set(mean, s * L);
  }
  return out;
}

/** Image indices for the gallery: labelled data round-robin over the classes (so every class shows), else the first n. */
function pickImages(ds: Dataset, n: number): number[] {
  if (!ds.labels) return Array.from({ length: n }, (_, i) => i);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < ds.count && i < 50 * n; i++) {
    const c = ds.labels[i];
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const out: number[] = [];
  for (let r = 0; out.length < n; r++) {
    let added = false;
    for (const c of classes) {
      const list = byClass.get(c)!;
      if (r < list.length && out.length < n) {
        out.push(list[r]);
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}

/** Numbers rounded to `digits` significant digits (plain JSON numbers, short files). */
function round(a: ArrayLike<number>, digits = 5): number[] {
  return Array.from(a, (v) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : 0));
}

/** Bytes as base64 (btoa exists in browsers and Node alike; chunks keep the argument lists short). */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
