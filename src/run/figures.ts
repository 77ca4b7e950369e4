/**
 * The seeds' pictures for a trained run, as library calls: each returns PNG bytes (image grids)
 * or SVG markup (plots). The CLI commands and the HTML report are thin shells over these.
 */
import type { Dataset } from '../data/index.js';
import type { LatentModel } from '../models/latent.js';
import type { VAEConfig } from '../models/config.js';
import { Rng } from '../rng.js';
import {
  addAttribute,
  attributeVector,
  classMeans,
  interpolate,
  latentPoints,
  manifold,
  morph,
  reconstruct,
  samplePrior,
  traverseAxis,
  type ClassMeans,
  type InterpolationMethod,
} from '../tools/latent.js';
import { scatterSvg, sideBySideSvg } from '../viz/plots.js';
import { expectConditional, expectInt } from '../util/check.js';
import { imageGrid, MAX_GRID_IMAGES } from '../viz/png.js';
import { lossCurves, runMetrics, type ReportData, type ReportFigure } from '../viz/report.js';
import type { Run } from './run.js';

const shapeOf = (m: LatentModel) => m.inputShape as [number, number, number];

/**
 * What the figure functions draw when the caller leaves a size out: the seeds' figures (Géron's
 * 3 × 7 samples and 7-step axis sweep, keras.io's 30 × 30 manifold over ±1, the lecture's
 * 10-step strips). Front ends show these as their defaults rather than repeating the numbers.
 */
export const FIGURE_DEFAULTS = {
  samples: { n: 21, columns: 7, seed: 1 },
  samplesByLabel: { n: 8, seed: 1 },
  interpolation: { steps: 10 },
  axis: { steps: 7, from: -0.8, to: 0.8 },
  morph: { steps: 10 },
  arithmetic: { scales: [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5] as readonly number[] },
  manifold: { n: 30, range: 1 },
  latent: { limit: 5000 },
} as const;

/** Options of {@link samplesPng}. */
export interface SamplesPngOptions {
  /** Images (default 21). */
  n?: number;
  /** Images per row (default 7). */
  columns?: number;
  /** The prior to draw from (default gaussian; see `samplePrior`). */
  distribution?: 'gaussian' | 'uniform';
  /** Scale of the draws (default `samplePrior`'s, 1). */
  temperature?: number;
  /** Half-width of the uniform box (default `samplePrior`'s, 2). */
  range?: number;
  /** Seed of the draws (default 1). */
  seed?: number;
  /** Conditional models only: the class to draw (default 0). */
  label?: number;
}

/** The one-label feed of a figure: `label` (default 0) for a conditional model; a label given to an unconditional one is refused. */
function classLabel(model: LatentModel, label: number | undefined): Int32Array | undefined {
  if (label !== undefined) expectInt('`label`', label, 0, expectConditional('`label`', model.numClasses) - 1);
  return model.numClasses ? Int32Array.of(label ?? 0) : undefined;
}

/** `n` draws from the prior as a grid (Géron: 3 × 7); conditional models draw `n` of class `label`. */
export async function samplesPng(model: LatentModel, o: SamplesPngOptions = {}): Promise<Buffer> {
  const d = FIGURE_DEFAULTS.samples;
  const n = expectInt('samples: n', o.n ?? d.n, 1, MAX_GRID_IMAGES);
  const labels = classLabel(model, o.label);
  const { images } = await samplePrior(model, n, { distribution: o.distribution, temperature: o.temperature, range: o.range, rng: new Rng(o.seed ?? d.seed), labels });
  return imageGrid(images, shapeOf(model), { columns: o.columns ?? d.columns });
}

/** Conditional models: one row of `n` samples per class ("generation by label"). */
export async function samplesByLabelPng(model: LatentModel, n: number = FIGURE_DEFAULTS.samplesByLabel.n, seed: number = FIGURE_DEFAULTS.samplesByLabel.seed): Promise<Buffer> {
  const k = expectConditional('samples by label', model.numClasses);
  expectInt('samples by label: n', n, 1, Math.floor(MAX_GRID_IMAGES / k));
  const labels = Int32Array.from({ length: k * n }, (_, i) => Math.floor(i / n));
  const { images } = await samplePrior(model, k * n, { rng: new Rng(seed), labels });
  return imageGrid(images, shapeOf(model), { columns: n });
}

/** Chosen images (top row) over their reconstructions (bottom row); Medium uses 1, 3, 7. */
export async function reconstructionsPng(model: LatentModel, ds: Dataset, indices: readonly number[]): Promise<Buffer> {
  const { originals, reconstructions } = await reconstruct(model, ds, indices);
  const both = new Float32Array(originals.length * 2);
  both.set(originals);
  both.set(reconstructions, originals.length);
  return imageGrid(both, shapeOf(model), { columns: indices.length });
}

function image(ds: Dataset, i: number): Float32Array {
  expectInt('image index', i, 0, ds.count - 1);
  const per = ds.shape.reduce((a, b) => a * b, 1);
  return ds.images.slice(i * per, (i + 1) * per);
}

/** A strip from image `a` to image `b` of the data set through their encoder means (one row per method). */
export async function interpolationPng(
  model: LatentModel,
  ds: Dataset,
  a: number,
  b: number,
  steps: number = FIGURE_DEFAULTS.interpolation.steps,
  methods: readonly InterpolationMethod[] = ['linear'],
): Promise<Buffer> {
  expectInt('interpolation: steps', steps, 2, Math.floor(MAX_GRID_IMAGES / Math.max(1, methods.length)));
  const labels = model.numClasses && ds.labels ? Int32Array.of(ds.labels[a], ds.labels[b]) : undefined;
  const rows = [];
  for (const method of methods) rows.push(await interpolate(model, image(ds, a), image(ds, b), steps, { method, labels }));
  return imageGrid(concat(rows), shapeOf(model), { columns: steps });
}

/** Géron's semantic interpolation: all codings zero but `axis`, swept over [from, to]. */
export async function axisPng(model: LatentModel, axis: number, o: { from?: number; to?: number; steps?: number; label?: number } = {}): Promise<Buffer> {
  const d = FIGURE_DEFAULTS.axis;
  expectInt('`axis`', axis, 0, model.latentDim - 1);
  const steps = expectInt('axis traversal: steps', o.steps ?? d.steps, 2, MAX_GRID_IMAGES);
  const { images } = await traverseAxis(model, axis, { from: o.from ?? d.from, to: o.to ?? d.to, steps, labels: classLabel(model, o.label) });
  return imageGrid(images, shapeOf(model), { columns: steps });
}

/** The lecture's "manipulating digits": strips between class-mean latent vectors, one row per pair. */
export async function morphPng(
  model: LatentModel,
  means: ClassMeans,
  pairs: ReadonlyArray<readonly [number, number]>,
  steps: number = FIGURE_DEFAULTS.morph.steps,
  method: InterpolationMethod = 'linear',
): Promise<Buffer> {
  expectInt('morph: steps', steps, 2, Math.floor(MAX_GRID_IMAGES / Math.max(1, pairs.length)));
  const rows = [];
  for (const [a, b] of pairs) rows.push(await morph(model, means, a, b, steps, { method }));
  return imageGrid(concat(rows), shapeOf(model), { columns: steps });
}

/** Latent arithmetic: image `index` with (mean of class `plus` − mean of class `minus`) · s added, for each s. */
export async function arithmeticPng(
  model: LatentModel,
  ds: Dataset,
  means: ClassMeans,
  index: number,
  plus: number,
  minus: number,
  scales: readonly number[] = FIGURE_DEFAULTS.arithmetic.scales,
): Promise<Buffer> {
  const labels = model.numClasses && ds.labels ? Int32Array.of(ds.labels[index]) : undefined;
  const { images } = await addAttribute(model, image(ds, index), attributeVector(means, plus, minus), scales, { labels });
  return imageGrid(images, shapeOf(model), { columns: scales.length });
}

/** The test-set means in 2-D (PCA above 2 dims), coloured by label. */
export async function latentSvg(model: LatentModel, ds: Dataset, title: string, limit: number = FIGURE_DEFAULTS.latent.limit): Promise<string> {
  const p = await latentPoints(model, ds, { limit });
  const axes = p.method === 'pca' ? { xLabel: `PC1 (${pct(p.explainedVariance?.[0])})`, yLabel: `PC2 (${pct(p.explainedVariance?.[1])})` } : {};
  return scatterSvg(p.points, p.labels, { labelNames: ds.labelNames, title, ...axes });
}

/** The lecture's gaps: a plain autoencoder's codes beside a VAE's, on the same images. */
export async function compareLatentSvg(
  a: { model: LatentModel; name: string },
  b: { model: LatentModel; name: string },
  ds: Dataset,
  limit: number = FIGURE_DEFAULTS.latent.limit,
): Promise<string> {
  return sideBySideSvg([await latentSvg(a.model, ds, a.name, limit), await latentSvg(b.model, ds, b.name, limit)]);
}

/** keras.io's decoder manifold: an n × n grid over [−range, range]² of a 2-D latent space. */
export async function manifoldPng(model: LatentModel, n: number = FIGURE_DEFAULTS.manifold.n, range: number = FIGURE_DEFAULTS.manifold.range, label?: number): Promise<Buffer> {
  expectInt('manifold: n', n, 2, Math.floor(Math.sqrt(MAX_GRID_IMAGES)));
  const { images } = await manifold(model, { n, range, labels: classLabel(model, label) });
  return imageGrid(images, shapeOf(model), { columns: n, scale: 1, gap: 0 });
}

/** Everything in one report: metrics, loss curves, and each picture that applies to the model. */
export async function runReport(run: Run, ds: Dataset): Promise<ReportData> {
  const m = run.manifest;
  const model = run.vae;
  const figures: ReportFigure[] = [];
  const name = m.preset ?? 'custom model';
  if (model.variational) {
    figures.push({ section: 'samples', title: 'Gaussian prior', caption: '21 codings drawn from N(0, I) and decoded (Géron: 3 × 7).', png: await samplesPng(model) });
    figures.push({
      section: 'samples',
      title: 'Uniform prior',
      caption: "The same with codings from U(−2, 2) instead (Géron's exercise).",
      png: await samplesPng(model, { distribution: 'uniform' }),
    });
  }
  if (model.numClasses)
    figures.push({
      section: 'samples',
      title: 'Generation by label',
      caption: 'One row per class: the conditional decoder given each label.',
      png: await samplesByLabelPng(model),
    });
  const firstTen = Array.from({ length: Math.min(10, ds.count) }, (_, i) => i);
  figures.push({
    section: 'reconstructions',
    title: 'Test images and reconstructions',
    caption: 'Top: test images 0–9. Bottom: the decoded encoder means.',
    png: await reconstructionsPng(model, ds, firstTen),
  });
  if (ds.count > 7)
    figures.push({ section: 'reconstructions', title: 'Images 1, 3, 7', caption: "The Medium article's figure.", png: await reconstructionsPng(model, ds, [1, 3, 7]) });
  if (ds.count > 1)
    figures.push({
      section: 'interpolations',
      title: 'Between two test images',
      caption: 'From test image 0 to test image 1 through their encoder means: linear (top), spherical (bottom).',
      png: await interpolationPng(model, ds, 0, 1, 10, ['linear', 'slerp']),
    });
  const axis = Math.min(3, model.latentDim - 1);
  figures.push({
    section: 'interpolations',
    title: `Along latent axis ${axis}`,
    caption: `Codings zero except axis ${axis}, from −0.8 to 0.8 in 7 steps (Géron's semantic interpolation).`,
    png: await axisPng(model, axis),
  });
  if (ds.labels && (ds.labelNames?.length ?? 0) >= 2) {
    const means = await classMeans(model, ds);
    const pairs = (
      [
        [1, 7],
        [3, 8],
        [4, 9],
        [0, 6],
      ] as const
    ).filter(([a, b]) => a < means.numClasses && b < means.numClasses && means.counts[a] > 0 && means.counts[b] > 0);
    const names = (k: number) => ds.labelNames?.[k] ?? String(k);
    if (pairs.length)
      figures.push({
        section: 'morphs',
        title: 'Between class means',
        caption: `Each row walks from one class's mean latent vector to another's: ${pairs.map(([a, b]) => `${names(a)} → ${names(b)}`).join(', ')} (the lecture's "manipulating digits").`,
        png: await morphPng(model, means, pairs),
      });
  }
  figures.push({
    section: 'latent',
    title: 'Test-set means',
    caption:
      model.latentDim > 2
        ? 'Encoder means of up to 5,000 test images, projected on their two principal components, coloured by label.'
        : 'Encoder means of up to 5,000 test images, coloured by label.',
    svg: await latentSvg(model, ds, name),
  });
  if (model.latentDim === 2)
    figures.push({ section: 'manifold', title: 'Decoder manifold', caption: 'The decoder over a 30 × 30 grid of [−1, 1]² (keras.io).', png: await manifoldPng(model) });
  const ll = m.metrics.logLikelihood;
  return {
    title: `vaekit run: ${name}`,
    subtitle: run.dir,
    summary: {
      model: name,
      'latent size': model.latentDim,
      'input shape': model.inputShape.join(' × '),
      'data set': m.dataset ? `${m.dataset.name} (${m.dataset.train} train, ${m.dataset.validation} validation${m.dataset.test ? `, ${m.dataset.test} test` : ''})` : '—',
      epochs: `${m.training.epochsDone} of ${m.training.epochs}, batch ${m.training.batchSize}, seed ${m.training.seed}`,
      objective: describeObjective(model.config, m.training.beta),
      optimizer: model.optimizer.name,
      'training time': `${Math.round(m.training.seconds)} s`,
    },
    metrics: runMetrics({
      train: m.metrics.train,
      validation: m.metrics.validation,
      test: m.metrics.test,
      logLikelihood: ll,
      activeUnits: m.diagnostics ? { active: m.diagnostics.activeUnits, total: model.latentDim } : undefined,
    }),
    curves: run.history.length ? lossCurves(run.history) : undefined,
    figures,
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function pct(v: number | undefined): string {
  return v === undefined ? '?' : `${(100 * v).toFixed(0)}%`;
}

/** The objective in words, as the report's summary shows it: its terms, β, reductions and scale. */
function describeObjective(c: VAEConfig, beta: number): string {
  const rec = c.loss.reconstruction === 'bce' ? 'Bernoulli cross-entropy' : 'sum of squared errors';
  const kl = `${beta === 1 ? '' : `${beta} · `}KL${c.loss.klReduction === 'mean' ? ' (averaged over latent dims)' : ''}`;
  const terms =
    c.variational === false ? `${rec} (plain autoencoder)` : c.objective?.name === 'iwae' ? `IWAE bound, k = ${c.objective.samples} samples (${rec}, ${kl})` : `${rec} + ${kl}`;
  return `${terms}${c.loss.scale !== 1 ? `, divided by ${c.loss.scale}` : ''}`;
}
