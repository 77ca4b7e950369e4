/**
 * Training a run from start to finish, the way `vaekit train` does it: data, model, `fit`,
 * a complete run folder after every epoch (so Ctrl-C or a crash leaves the last complete epoch
 * on disk), resume, and at the end the test-set loss and latent diagnostics.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { splitValidation, type Dataset, type ValidationSize } from '../data/index.js';
import { loadDataSource, sourceOf, type DataSourceOptions, type DataSplits } from '../data/source.js';
import { PRESETS, type PresetName } from '../models/presets.js';
import { VAE, type StepMetrics, type VAEConfig } from '../models/vae.js';
import { latentDiagnostics, type LatentDiagnostics } from '../train/diagnostics.js';
import { evaluateDataset } from '../train/evaluate.js';
import { fit, type BatchProgress, type EpochLog } from '../train/fit.js';
import { describeData, loadRun, makeManifest, RUN_FILES, saveCheckpointTo, saveRun, writeLog, type Manifest } from './run.js';

/** How each preset's seed trained it, when the user does not say otherwise. */
export const PRESET_TRAINING: Record<PresetName, { data: string; validation?: ValidationSize; trainOnTest?: boolean }> = {
  'lecture-conv': { data: 'mnist' },
  'lecture-conv-2022': { data: 'mnist' },
  'ae-2d': { data: 'mnist' },
  'geron-dense': { data: 'fashion-mnist', validation: { last: 5000 } }, // Géron: the last 5,000 training images
  'keras-conv2d': { data: 'mnist', trainOnTest: true }, // keras.io fits on train + test (70k)
  cvae: { data: 'mnist' },
  'medium-dense': { data: 'mnist' },
};

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  /** Run folder to write (created if needed). */
  out: string;
  /** A preset, or … */
  preset?: PresetName;
  /** … a user-defined architecture. */
  config?: VAEConfig;
  /** A source name (`mnist`, `fashion-mnist`, a folder, a .npy) or loaded data; default the preset's. */
  data?: string | DataSplits;
  dataOptions?: DataSourceOptions;
  epochs?: number;
  batchSize?: number;
  /** Seeds weights, noise and shuffling (default 1). */
  seed?: number;
  /** β, the weight of the KL term (default the preset's, 1). */
  beta?: number;
  /** Epochs of linear KL warm-up (default 0). */
  klWarmup?: number;
  /** Validation split of the training data (null: none); default the preset's. */
  validation?: ValidationSize | null;
  /** Also train on the test split (keras.io); default the preset's. */
  trainOnTest?: boolean;
  /** Continue the run in `out` from its last complete epoch. */
  resume?: boolean;
  /** Train on dynamically binarized images (each pixel 1 with probability = its intensity, per step). */
  binarize?: boolean;
  signal?: AbortSignal;
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (log: EpochLog) => void;
  threads?: number;
}

/** What {@link trainRun} returns. */
export interface TrainRunResult {
  vae: VAE;
  manifest: Manifest;
  history: EpochLog[];
  /** True when the signal stopped training; the run folder holds the last complete epoch. */
  stopped: boolean;
  test?: StepMetrics;
  diagnostics?: LatentDiagnostics;
}

/**
 * Trains a model into a run folder. Resuming takes every option the caller leaves out from the
 * run's manifest (seed, schedule, data and its options, validation, warm-up, binarization), so
 * that a resumed run ends with exactly the weights of an uninterrupted one; an option that
 * contradicts the run is refused.
 */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  if (!o.preset && !o.config && !o.resume) throw new TypeError('trainRun: give a preset or a config (or resume a run)');
  const t0 = performance.now();
  let history: EpochLog[] = [];
  let first = 0;
  let preset: string | null = o.preset ?? null;
  let previousSeconds = 0;
  if (o.resume && !existsSync(join(o.out, RUN_FILES.checkpoint))) throw new Error(`--resume: ${o.out} holds no checkpoint to resume from`);
  const resumed = o.resume ? loadRun(o.out, { threads: o.threads }) : null;
  const prev = resumed?.manifest.training;
  if (resumed && prev) {
    if (o.preset && resumed.manifest.preset !== o.preset) throw new Error(`--resume: ${o.out} was trained as ${resumed.manifest.preset ?? 'a custom model'}, not ${o.preset}`);
    if (o.config) throw new Error('--resume: the run folder fixes the architecture; give no config');
    for (const [flag, given, was] of [['--seed', o.seed, prev.seed], ['--batch-size', o.batchSize, prev.batchSize], ['--kl-warmup', o.klWarmup, prev.klWarmup], ['--beta', o.beta, prev.beta]] as const)
      if (given !== undefined && given !== was) throw new Error(`--resume: ${o.out} was trained with ${flag} ${was}, not ${given}`);
    history = resumed.history;
    first = resumed.epochsDone;
    preset = resumed.manifest.preset;
    previousSeconds = prev.seconds;
  }
  const seed = o.seed ?? prev?.seed ?? 1;
  const defaults = preset && preset in PRESET_TRAINING ? PRESET_TRAINING[preset as PresetName] : { data: 'mnist' };
  const dataOptions: DataSourceOptions = { ...resumed?.manifest.dataset?.options, ...(prev?.limit !== undefined ? { limit: prev.limit } : {}), ...definedOnly(o.dataOptions ?? {}) };
  const source = typeof o.data === 'string' ? o.data : typeof o.data === 'object' ? sourceOf(o.data.train.name) : (resumed?.manifest.dataset?.source ?? defaults.data);
  const splits = typeof o.data === 'object' ? o.data : loadDataSource(source, dataOptions);
  let vae: VAE;
  if (resumed) vae = resumed.vae;
  else {
    // The architecture follows the data: a preset is built for the images' shape and classes.
    const config: VAEConfig = { ...(o.config ?? PRESETS[o.preset!](splits.train.shape)) };
    if (config.numClasses && splits.train.labelNames) config.numClasses = splits.train.labelNames.length;
    if (o.beta !== undefined) config.loss = { ...config.loss, beta: o.beta };
    vae = new VAE(config, { seed, threads: o.threads });
  }
  try {
    return await trainInto(o, { vae, splits, source, dataOptions, seed, preset, history, first, previousSeconds, t0, defaults, prev, origin: resumed?.manifest.source });
  } catch (e) {
    await vae.dispose();
    throw e;
  }
}

interface TrainState {
  vae: VAE;
  splits: DataSplits;
  source: string;
  dataOptions: DataSourceOptions;
  seed: number;
  preset: string | null;
  history: EpochLog[];
  first: number;
  previousSeconds: number;
  t0: number;
  defaults: (typeof PRESET_TRAINING)[PresetName] | { data: string; validation?: undefined; trainOnTest?: undefined };
  prev: Manifest['training'] | undefined;
  /** An imported run's origin (manifest `source`), kept when it resumes. */
  origin?: Manifest['source'];
}

async function trainInto(o: TrainRunOptions, st: TrainState): Promise<TrainRunResult> {
  const { vae, splits, source, dataOptions, seed, preset, history, first, previousSeconds, t0, defaults, prev } = st;
  const trainOnTest = o.trainOnTest ?? prev?.trainOnTest ?? defaults.trainOnTest ?? false;
  let train = splits.train;
  if (trainOnTest) {
    if (!splits.test) throw new Error('--train-on-test: the data source has no test split');
    train = concat(train, splits.test);
  }
  let validation: Dataset | null = null;
  const valSize = o.validation !== undefined ? o.validation : prev ? (prev.validation ?? null) : (defaults.validation ?? null);
  if (valSize) ({ train, validation } = splitValidation(train, valSize));

  const epochs = o.epochs ?? prev?.epochs ?? vae.config.epochs;
  const batchSize = o.batchSize ?? prev?.batchSize ?? vae.config.batchSize;
  const klWarmup = o.klWarmup ?? prev?.klWarmup ?? 0;
  const binarize = o.binarize ?? prev?.binarize ?? false;
  mkdirSync(o.out, { recursive: true });
  const labelNames = splits.train.labelNames;
  const manifestFor = (extra: Partial<Manifest['metrics']>, diagnostics?: LatentDiagnostics) => {
    const last = history.at(-1);
    return makeManifest(vae, {
      preset,
      labelNames,
      dataset: describeData(source, dataOptions, train, validation, splits.test),
      training: {
        epochs,
        epochsDone: last?.epoch ?? first,
        batchSize,
        seed,
        beta: vae.config.loss.beta,
        klWarmup,
        binarize,
        validation: valSize,
        trainOnTest,
        ...(dataOptions.limit !== undefined ? { limit: dataOptions.limit } : {}),
        seconds: previousSeconds + (performance.now() - t0) / 1000,
      },
      metrics: { ...(last ? { train: pick(last) } : {}), ...(last?.val ? { validation: last.val } : {}), ...extra },
      diagnostics,
      source: st.origin,
    });
  };

  const result = await fit(vae, train, {
    epochs,
    batchSize,
    validation,
    seed,
    klWarmup,
    initialEpoch: first,
    binarize,
    signal: o.signal,
    onBatch: o.onBatch,
    onEpoch: (log) => {
      history.push(log);
      // A complete run folder after every epoch: checkpoint first, then the halves and manifest.
      saveCheckpointTo(o.out, vae, log.epoch, history);
      saveRun(o.out, vae, manifestFor({}));
      writeLog(o.out, history);
      o.onEpoch?.(log);
    },
  });
  if (result.stopped) return { vae, manifest: manifestFor({}), history, stopped: true };

  const test = splits.test ? pick(await evaluateDataset(vae, splits.test)) : undefined;
  const diagnostics = await latentDiagnostics(vae, splits.test ?? validation ?? train, { limit: 10000 });
  const manifest = manifestFor(test ? { test } : {}, diagnostics);
  saveRun(o.out, vae, manifest);
  return { vae, manifest, history, stopped: false, test, diagnostics };
}

/** Drops undefined fields, so that they do not hide recorded ones when spread. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pick(m: StepMetrics): StepMetrics {
  return { loss: m.loss, reconstruction: m.reconstruction, kl: m.kl };
}

/** Two data sets of one shape as one (copies). */
function concat(a: Dataset, b: Dataset): Dataset {
  if (a.shape.join() !== b.shape.join()) throw new RangeError(`cannot join ${a.name} and ${b.name}: shapes differ`);
  const images = new Float32Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  let labels: Int32Array | null = null;
  if (a.labels && b.labels) {
    labels = new Int32Array(a.count + b.count);
    labels.set(a.labels);
    labels.set(b.labels, a.count);
  }
  return { ...a, images, labels, count: a.count + b.count, name: `${a.name} + ${b.name}` };
}


