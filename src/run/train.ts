/**
 * Training a run from start to finish, the way `vaekit train` does it: data, model, `fit`,
 * a complete run folder after every epoch (so Ctrl-C or a crash leaves the last complete epoch
 * on disk), resume, and at the end the test-set loss and latent diagnostics.
 */
import type { ObjectiveSpec } from '../objectives/index.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { splitValidation, type Dataset, type ValidationSize } from '../data/index.js';
import { applicableOptions, loadDataSource, sourceOf, type DataSourceOptions, type DataSplits } from '../data/source.js';
import { configForData, PRESET_TRAINING, type PresetName } from '../models/presets.js';
import { VAE, type StepMetrics, type VAEConfig } from '../models/vae.js';
import type { Device } from '../runtime/node.js';
import { latentDiagnostics, type LatentDiagnostics } from '../train/diagnostics.js';
import { evaluateDataset } from '../train/evaluate.js';
import { fit, type BatchProgress, type EpochLog } from '../train/fit.js';
import { lossTerms } from '../util/metrics.js';
import { holdsFiles, settleFolder } from './commit.js';
import { commitEpoch, describeData, loadRun, makeManifest, openRunFolder, readManifest, RUN_FILES, type Manifest, type Run } from './run.js';

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
  /** The training objective (default the preset's or config's: the ELBO). */
  objective?: ObjectiveSpec;
  /** Validation split of the training data (null: none); default the preset's. */
  validation?: ValidationSize | null;
  /** Also train on the test split (keras.io); default the preset's. */
  trainOnTest?: boolean;
  /** Continue the run in `out` from its last complete epoch. */
  resume?: boolean;
  /** Replace the run `out` holds (and its pictures); without it, training into a folder that holds a run is refused. */
  overwrite?: boolean;
  /** Train on dynamically binarized images (each pixel 1 with probability = its intensity, per step). */
  binarize?: boolean;
  /** Training steps per runtime call (default 8; see `FitOptions.stepsPerRun`). Not recorded in the run. */
  stepsPerRun?: number;
  signal?: AbortSignal;
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (log: EpochLog) => void;
  threads?: number;
  /** Where the model trains: onnxruntime-node's CPU (default) or its WebGPU execution provider. Not recorded in the run. */
  device?: Device;
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
  /** True when resuming found the run already finished (all its epochs and the final evaluation): nothing was done. */
  alreadyFinished?: boolean;
  /** One line when opening the folder repaired it (an interrupted commit completed, stale temporary files removed). */
  repaired?: string;
}

/**
 * Trains a model into a run folder. Resuming takes every option the caller leaves out from the
 * run's manifest (seed, schedule, data and its options, validation, warm-up, binarization), so
 * that a resumed run ends with exactly the weights of an uninterrupted one; an option that
 * contradicts the run (a changed seed, preset, data source, limit, split, binarization, labels)
 * is refused. A folder that holds another run is only replaced when `overwrite` says so.
 */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  if (!o.preset && !o.config && !o.resume) throw new TypeError('trainRun: give a preset or a config (or resume a run)');
  if (o.resume && o.overwrite) throw new TypeError('`resume` and `overwrite`: give one or the other');
  const t0 = performance.now();
  let history: EpochLog[] = [];
  let first = 0;
  let preset: string | null = o.preset ?? null;
  let previousSeconds = 0;
  let resumed: Run | null = null;
  let repaired: string | undefined;
  if (o.resume) {
    const opened = openRunFolder(o.out);
    repaired = opened.repaired;
    if (!opened.manifest)
      throw new Error(`\`resume\`: ${o.out} holds no complete epoch to resume from (training stopped before its first epoch was committed); train it again without \`resume\``);
    resumed = loadRun(o.out, { threads: o.threads, device: o.device });
  } else {
    const held = heldRun(o.out);
    if (held && !o.overwrite) throw new Error(`${o.out} holds another run (${held}); give \`overwrite\` to replace it and its pictures, or \`resume\` to continue it`);
    if (existsSync(o.out)) removeStaleTemps(o.out);
  }
  const prev = resumed?.manifest.training;
  if (resumed && prev) {
    try {
      refuseChanges(o, resumed.manifest, resumed.epochsDone);
    } catch (e) {
      await resumed.vae.dispose();
      throw e;
    }
    history = resumed.history;
    first = resumed.epochsDone;
    preset = resumed.manifest.preset;
    previousSeconds = prev.seconds;
    if (first >= (o.epochs ?? prev.epochs) && resumed.manifest.diagnostics)
      return {
        vae: resumed.vae,
        manifest: resumed.manifest,
        history,
        stopped: false,
        alreadyFinished: true,
        test: resumed.manifest.metrics.test,
        diagnostics: resumed.manifest.diagnostics,
        repaired,
      };
  }
  const seed = o.seed ?? prev?.seed ?? 1;
  const defaults = preset && preset in PRESET_TRAINING ? PRESET_TRAINING[preset as PresetName] : { data: 'mnist' };
  const source = typeof o.data === 'string' ? o.data : typeof o.data === 'object' ? sourceOf(o.data.train.name) : (resumed?.manifest.dataset?.source ?? defaults.data);
  // Options recorded by older versions that the source does not take are dropped; the user's are checked.
  const recorded = applicableOptions(source, resumed?.manifest.dataset?.options ?? {});
  const dataOptions: DataSourceOptions = { ...recorded, ...(prev?.limit !== undefined ? { limit: prev.limit } : {}), ...definedOnly(o.dataOptions ?? {}) };
  let splits: DataSplits;
  let vae: VAE;
  try {
    splits = typeof o.data === 'object' ? o.data : loadDataSource(source, dataOptions);
    if (resumed) vae = resumed.vae;
    else {
      // The architecture follows the data: a preset is built for the images' shape and classes.
      const config = configForData(o.config ?? o.preset!, splits.train, { beta: o.beta, objective: o.objective });
      vae = new VAE(config, { seed, threads: o.threads, device: o.device });
    }
  } catch (e) {
    await resumed?.vae.dispose();
    throw e;
  }
  try {
    const r = await trainInto(o, {
      vae,
      splits,
      source,
      dataOptions,
      seed,
      preset,
      history,
      first,
      previousSeconds,
      t0,
      defaults,
      prev,
      dataSha256: resumed?.manifest.dataset?.sha256,
      origin: resumed?.manifest.source,
    });
    return repaired ? { ...r, repaired } : r;
  } catch (e) {
    await vae.dispose();
    throw e;
  }
}

/** Pictures the tools write into a run folder (and the explorer's data), cleared with the run they show. */
const RUN_PICTURES = /^(samples|reconstructions|interpolation|arithmetic|manifold|axis-\d+|morph-\d+-\d+)\.png$|^(latent|latent-compare)\.svg$|^report\.html$|^explorer\.json$/;

/** A short description of the run `dir` holds, or null when it holds none. */
function heldRun(dir: string): string | null {
  if (!existsSync(dir) || !holdsFiles(dir, Object.values(RUN_FILES))) return null;
  try {
    const m = readManifest(dir);
    return `${m.preset ?? 'a custom model'}, ${m.training?.epochsDone ?? '?'} epoch${m.training?.epochsDone === 1 ? '' : 's'}`;
  } catch {
    return 'an incomplete or damaged one';
  }
}

/** Removes temporary files a killed writer left (completing its commit first where the manifest can say how). */
function removeStaleTemps(dir: string): void {
  try {
    openRunFolder(dir);
  } catch {
    settleFolder(dir, null); // a damaged manifest is about to be replaced: only clear the leftovers
  }
}

/** Removes the pictures of the run `dir` held (the run's own files are replaced by the next commit). */
function clearPictures(dir: string): void {
  for (const name of readdirSync(dir)) if (RUN_PICTURES.test(name)) rmSync(join(dir, name), { force: true });
}

/** A validation size as the number (or fraction) of images it holds out: `{ last: k }` and `k` take the same images. */
function validationKey(v: ValidationSize | null | undefined): string {
  if (v === null || v === undefined) return 'none';
  return typeof v === 'number' ? String(v) : String(v.last);
}

/** Refuses options that would make a resumed run differ from the one in the folder. */
function refuseChanges(o: TrainRunOptions, m: Manifest, epochsDone: number): void {
  const prev = m.training;
  const was = (option: string, before: string, now: string) => new Error(`\`resume\`: ${o.out} was trained with \`${option}\` ${before}, not ${now}`);
  if (o.preset && m.preset !== o.preset) throw new Error(`\`resume\`: ${o.out} was trained as ${m.preset ?? 'a custom model'}, not ${o.preset}`);
  if (o.config) throw new Error('`resume`: the run folder fixes the architecture; give no `config`');
  const objective = (spec?: ObjectiveSpec) => (spec?.name === 'iwae' ? `iwae, ${spec.samples} samples` : 'elbo');
  const before = objective(m.architecture.objective as ObjectiveSpec | undefined);
  if (o.objective !== undefined && objective(o.objective) !== before) throw was('objective', before, objective(o.objective));
  for (const [option, given, before] of [
    ['seed', o.seed, prev.seed],
    ['batchSize', o.batchSize, prev.batchSize],
    ['klWarmup', o.klWarmup, prev.klWarmup],
    ['beta', o.beta, prev.beta],
  ] as const)
    if (given !== undefined && given !== before) throw was(option, String(before), String(given));
  if (o.epochs !== undefined && o.epochs < epochsDone) throw new Error(`\`resume\`: ${o.out} already holds ${epochsDone} epochs; \`epochs\` ${o.epochs} cannot undo them`);
  // A run that has trained no epoch yet (one imported from Keras) has not fixed its data: its
  // first training chooses it, as a fresh run would.
  if (epochsDone === 0) return;
  const ds = m.dataset;
  if (o.data !== undefined && ds) {
    const given = typeof o.data === 'string' ? o.data : sourceOf(o.data.train.name);
    if (!sameSource(given, ds.source)) throw was('data', ds.source, given);
  }
  const d = o.dataOptions ?? {};
  if (d.limit !== undefined && d.limit !== prev.limit) throw was('dataOptions.limit', prev.limit === undefined ? 'none (all images)' : String(prev.limit), String(d.limit));
  if (d.labels !== undefined && d.labels !== ds?.options?.labels) throw was('dataOptions.labels', ds?.options?.labels ?? 'none', d.labels);
  if (d.size !== undefined && d.size.join('×') !== (ds?.options?.size?.join('×') ?? '')) throw was('dataOptions.size', ds?.options?.size?.join('×') ?? 'none', d.size.join('×'));
  if (d.channels !== undefined && d.channels !== ds?.options?.channels) throw was('dataOptions.channels', String(ds?.options?.channels ?? 'as stored'), String(d.channels));
  if (o.validation !== undefined && validationKey(o.validation) !== validationKey(prev.validation))
    throw was('validation', validationKey(prev.validation), validationKey(o.validation));
  if (o.binarize !== undefined && o.binarize !== (prev.binarize ?? false)) throw new Error(`\`resume\`: ${o.out} was trained ${prev.binarize ? 'with' : 'without'} \`binarize\``);
  if (o.trainOnTest !== undefined && o.trainOnTest !== (prev.trainOnTest ?? false))
    throw new Error(`\`resume\`: ${o.out} was trained ${prev.trainOnTest ? 'with' : 'without'} \`trainOnTest\``);
}

function sameSource(a: string, b: string): boolean {
  const norm = (s: string) => (s === 'fashion' ? 'fashion-mnist' : s);
  return norm(a) === norm(b) || resolve(a) === resolve(b);
}

/** SHA-256 of the training and validation images and labels: any change to the data changes it. */
function dataFingerprint(train: Dataset, validation: Dataset | null): string {
  const h = createHash('sha256');
  for (const ds of [train, validation]) {
    if (!ds) continue;
    h.update(`${ds.count}:${ds.shape.join('x')}:`);
    h.update(new Uint8Array(ds.images.buffer, ds.images.byteOffset, ds.images.byteLength));
    if (ds.labels) h.update(new Uint8Array(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength));
  }
  return h.digest('hex');
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
  /** The data fingerprint the resumed run recorded, if any. */
  dataSha256: string | undefined;
  /** An imported run's origin (manifest `source`), kept when it resumes. */
  origin?: Manifest['source'];
}

async function trainInto(o: TrainRunOptions, st: TrainState): Promise<TrainRunResult> {
  const { vae, splits, source, dataOptions, seed, preset, history, first, previousSeconds, t0, defaults, prev, dataSha256 } = st;
  const trainOnTest = o.trainOnTest ?? prev?.trainOnTest ?? defaults.trainOnTest ?? false;
  let train = splits.train;
  if (trainOnTest) {
    if (!splits.test) throw new Error('`trainOnTest`: the data source has no test split');
    train = concat(train, splits.test);
  }
  let validation: Dataset | null = null;
  const valSize = o.validation !== undefined ? o.validation : prev ? (prev.validation ?? null) : (defaults.validation ?? null);
  if (valSize) {
    try {
      ({ train, validation } = splitValidation(train, valSize));
    } catch (e) {
      const byDefault =
        o.validation === undefined && !prev && defaults.validation
          ? ` (${preset} holds out the last ${validationKey(defaults.validation)} by default; give a smaller \`validation\`, or 0 for none)`
          : '';
      throw new RangeError(`\`validation\`: ${(e as Error).message.replace(/^validation size: /, '')}${byDefault}`);
    }
  }
  const sha256 = dataFingerprint(train, validation);
  if (dataSha256 && dataSha256 !== sha256) throw new Error(`\`resume\`: ${o.out} was trained on other data: ${source} now gives different images or labels than it recorded`);

  const epochs = o.epochs ?? prev?.epochs ?? vae.config.epochs;
  const batchSize = o.batchSize ?? prev?.batchSize ?? vae.config.batchSize;
  const klWarmup = o.klWarmup ?? prev?.klWarmup ?? 0;
  const binarize = o.binarize ?? prev?.binarize ?? false;
  mkdirSync(o.out, { recursive: true });
  let firstCommit = true;
  const labelNames = splits.train.labelNames;
  const manifestFor = (extra: Partial<Manifest['metrics']>, diagnostics?: LatentDiagnostics) => {
    const last = history.at(-1);
    return makeManifest(vae, {
      preset,
      labelNames,
      dataset: { ...describeData(source, dataOptions, train, validation, splits.test)!, sha256 },
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
      metrics: { ...(last ? { train: lossTerms(last) } : {}), ...(last?.val ? { validation: last.val } : {}), ...extra },
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
    ...(o.stepsPerRun !== undefined ? { stepsPerRun: o.stepsPerRun } : {}),
    signal: o.signal,
    onBatch: o.onBatch,
    onEpoch: (log) => {
      history.push(log);
      // The run it replaces stays whole until this run has an epoch to show.
      if (firstCommit && o.overwrite) clearPictures(o.out);
      firstCommit = false;
      // A complete run folder after every epoch, as one commit.
      commitEpoch(o.out, vae, manifestFor({}), history);
      o.onEpoch?.(log);
    },
  });
  if (result.stopped) return { vae, manifest: manifestFor({}), history, stopped: true };

  const test = splits.test ? lossTerms(await evaluateDataset(vae, splits.test)) : undefined;
  const diagnostics = await latentDiagnostics(vae, splits.test ?? validation ?? train, { limit: 10000 });
  const manifest = manifestFor(test ? { test } : {}, diagnostics);
  if (firstCommit && o.overwrite) clearPictures(o.out);
  commitEpoch(o.out, vae, manifest, history);
  return { vae, manifest, history, stopped: false, test, diagnostics };
}

/** Drops undefined fields, so that they do not hide recorded ones when spread. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
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
