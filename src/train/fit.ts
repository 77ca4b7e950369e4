/**
 * The training loop: Keras' `fit` for a VAE. Seeded shuffling per epoch, per-epoch means of the
 * three terms (and on validation data), an optional linear KL warm-up, callbacks for progress
 * and checkpoints, and a stop signal honoured between steps.
 */
import { batches } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import type { StepMetrics } from '../objectives/objective.js';

/** What {@link fit} trains: a model with a training step, its schedule and its β (a VAE has it all). */
export interface TrainableModel extends EvaluableModel {
  readonly inputShape: readonly [number, number, number];
  /** Weight of the KL term, set per epoch by a warm-up. */
  beta: number;
  /** The schedule and the target β the model was configured with. */
  readonly config: { readonly epochs: number; readonly batchSize: number; readonly loss: { readonly beta: number } };
  trainStep(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<StepMetrics>;
  /** Steps on several batches of one size in turn, as `trainStep` on each would (in one runtime call where it can). */
  trainSteps(batches: ReadonlyArray<{ x: Float32Array; labels?: Int32Array }>): Promise<StepMetrics[]>;
}
import { Rng } from '../rng.js';
import { evaluateDataset, type EvaluableModel } from './evaluate.js';
import { checkLabelledData } from '../util/check.js';
import { lossTerms } from '../util/metrics.js';

/** Options of {@link fit}; every default comes from the model's config. */
export interface FitOptions {
  /** Epochs to reach (counting `initialEpoch`); default the config's. */
  epochs?: number;
  /** Default the config's. */
  batchSize?: number;
  /** Scored after every epoch with the training objective. */
  validation?: Dataset | null;
  /** Seeds the shuffling (each epoch draws from its own seed, so a resumed run shuffles alike). */
  seed?: number;
  /** Epochs over which β rises linearly to the config's β (0: no warm-up). */
  klWarmup?: number;
  /** Epochs already done (resuming). */
  initialEpoch?: number;
  /**
   * Dynamic binarization: every step sees each pixel as 1 with probability equal to its
   * intensity (the binarized MNIST of Burda et al.; suits Bernoulli decoders).
   */
  binarize?: boolean;
  /**
   * Steps per call of the runtime (default 8), as Keras' `steps_per_execution`: the updates are
   * the same, the calls fewer (on the CPU the steps then loop inside ONNX Runtime, and a small
   * model's step gets faster: docs/PERFORMANCE.md). `onBatch` still comes once per step, the K
   * calls one after the other when a run of K steps ends; a page that shows live progress or
   * pauses between steps sets 1.
   */
  stepsPerRun?: number;
  /** Aborting stops training between two runs of steps; the unfinished epoch is not reported. */
  signal?: AbortSignal;
  /**
   * After every step; awaited when it returns a promise, so a caller can pause training between
   * two steps (the page's Pause button) without losing its place.
   */
  onBatch?: (p: BatchProgress) => unknown;
  /** After every completed epoch (e.g. write a checkpoint); awaited. */
  onEpoch?: (log: EpochLog) => void | Promise<void>;
}

/** Progress within an epoch. */
export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Images seen this epoch. */
  seen: number;
  /** Running means this epoch. */
  metrics: StepMetrics;
  /** Seconds since the epoch started. */
  seconds: number;
}

/** One epoch's figures, as Keras prints them. */
export interface EpochLog extends StepMetrics {
  epoch: number;
  epochs: number;
  /** The validation figures, when there is validation data. */
  val?: StepMetrics;
  /** β used this epoch. */
  beta: number;
  seconds: number;
  imagesPerSecond: number;
}

/** What {@link fit} returns. */
export interface FitResult {
  history: EpochLog[];
  /** True when the signal stopped training early. */
  stopped: boolean;
}

/** Trains `vae` on `train`. */
export async function fit(vae: TrainableModel, train: Dataset, opts: FitOptions = {}): Promise<FitResult> {
  const epochs = opts.epochs ?? vae.config.epochs;
  const batchSize = opts.batchSize ?? vae.config.batchSize;
  const first = opts.initialEpoch ?? 0;
  const warmup = opts.klWarmup ?? 0;
  const seed = opts.seed ?? 0;
  const perRun = opts.stepsPerRun ?? 8;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`fit: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(perRun) || perRun < 1) throw new RangeError(`fit: stepsPerRun must be a positive integer, got ${perRun}`);
  if (!(warmup >= 0)) throw new RangeError(`fit: klWarmup must be ≥ 0 epochs, got ${warmup}`);
  checkData(vae, train, 'training data');
  if (opts.validation) checkData(vae, opts.validation, 'validation data');

  const targetBeta = vae.config.loss.beta;
  const per = train.shape.reduce((a, b) => a * b, 1);
  const nBatches = Math.ceil(train.count / batchSize);
  const chunk = new Float32Array(perRun * Math.min(batchSize, train.count) * per);
  const history: EpochLog[] = [];
  try {
    for (let epoch = first + 1; epoch <= epochs; epoch++) {
      vae.beta = warmup > 0 ? targetBeta * Math.min(1, epoch / warmup) : targetBeta;
      const t0 = performance.now();
      const sum = { loss: 0, reconstruction: 0, kl: 0 };
      let seen = 0;
      let batch = 0;
      const pixels = new Rng(seed * 7919 + epoch + 0x5eed);
      // Up to `perRun` batches of one size per call (an epoch's last, smaller batch goes alone),
      // copied side by side into one buffer (the iterator reuses its own), which the engine then
      // feeds as it is.
      let run: Array<{ x: Float32Array; labels?: Int32Array; count: number }> = [];
      const flush = async (): Promise<boolean> => {
        if (run.length === 0) return true;
        if (opts.signal?.aborted) return false;
        const ms = await vae.trainSteps(run);
        for (let i = 0; i < ms.length; i++) {
          const m = ms[i];
          if (!Number.isFinite(m.loss)) throw new Error(`fit: the loss became ${m.loss} at epoch ${epoch}, batch ${batch + 1}; try a smaller learning rate`);
          const count = run[i].count;
          sum.loss += m.loss * count;
          sum.reconstruction += m.reconstruction * count;
          sum.kl += m.kl * count;
          seen += count;
          batch++;
          const paused = opts.onBatch?.({ epoch, epochs, batch, batches: nBatches, seen, metrics: mean(sum, seen), seconds: (performance.now() - t0) / 1000 });
          if (paused instanceof Promise) await paused;
        }
        run = [];
        return true;
      };
      for (const b of batches(train, batchSize, { rng: new Rng(seed * 7919 + epoch) })) {
        const labels = vae.numClasses && b.labels ? b.labels.slice(0, b.count) : undefined;
        const x = b.x.subarray(0, b.count * per);
        if (opts.binarize) for (let i = 0; i < x.length; i++) x[i] = pixels.uniform() < x[i] ? 1 : 0; // the batch buffer is a copy
        if (run.length > 0 && run[0].count !== b.count && !(await flush())) return { history, stopped: true };
        const slot = chunk.subarray(run.length * x.length, (run.length + 1) * x.length);
        slot.set(x);
        run.push({ x: slot, labels, count: b.count });
        if (run.length === perRun && !(await flush())) return { history, stopped: true };
      }
      if (!(await flush())) return { history, stopped: true };
      const seconds = (performance.now() - t0) / 1000;
      const log: EpochLog = { epoch, epochs, ...mean(sum, seen), beta: vae.beta, seconds, imagesPerSecond: seen / seconds };
      if (opts.validation) log.val = lossTerms(await evaluateDataset(vae, opts.validation));
      history.push(log);
      await opts.onEpoch?.(log);
    }
    return { history, stopped: false };
  } finally {
    vae.beta = targetBeta; // a warm-up value must not outlive training (stopped or failed too)
  }
}

function mean(s: StepMetrics, n: number): StepMetrics {
  return { loss: s.loss / n, reconstruction: s.reconstruction / n, kl: s.kl / n };
}

function checkData(vae: TrainableModel, ds: Dataset, what: string): void {
  if (ds.shape.join(',') !== vae.inputShape.join(','))
    throw new RangeError(`${what}: the model expects images of ${vae.inputShape.join('×')}, the data set '${ds.name}' has ${ds.shape.join('×')}`);
  if (ds.count < 1) throw new RangeError(`${what}: the data set '${ds.name}' is empty`);
  if (vae.numClasses) {
    checkLabelledData(what, vae.numClasses, ds);
    const max = ds.labels!.reduce((a, b) => Math.max(a, b), 0);
    if (max >= vae.numClasses) throw new RangeError(`${what}: labels go up to ${max}, the model has ${vae.numClasses} classes`);
  }
}
