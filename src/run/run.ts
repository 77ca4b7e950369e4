/**
 * A run folder: what training leaves behind and everything after it reads.
 *
 *   encoder.onnx   standalone encoder (x [, eps] [, y] → mean, logVar, z), weights baked in
 *   decoder.onnx   standalone decoder (z [, y] → image)
 *   manifest.json  shapes, latent size, architecture, training config, data set, metrics
 *   checkpoint.bin weights + optimizer state + RNG state (resume)
 *   log.jsonl      one JSON line per epoch
 *
 * Each epoch is one commit (`commit.ts`): the manifest, written last, names the epoch and each
 * other file's size and SHA-256, and a kill at any instant leaves either the previous epoch or
 * the new one. Loading settles the folder, checks each file against the manifest and its commit
 * record, and refuses a missing, truncated or mismatched one with a one-line error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { z } from 'zod';
import type { Dataset, ValidationSize } from '../data/index.js';
import type { DataSourceOptions } from '../data/source.js';
import { configFromJSON, configToJSON, type VAEConfigJSON } from '../models/config.js';
import { VAE, type StepMetrics } from '../models/vae.js';
import type { Device } from '../runtime/node.js';
import { checkpointBytes, readCheckpoint } from '../train/checkpoint.js';
import type { LatentDiagnostics } from '../train/diagnostics.js';
import type { EpochLog } from '../train/fit.js';
import { commitFiles, settleFolder, type CommitRecord } from './commit.js';
import { parseWith, show, zBool, zInt, zNumber } from '../util/check.js';
import { VERSION } from '../version.js';

/** The run's description, `manifest.json`. */
export interface Manifest {
  format: 'vaekit-run';
  formatVersion: 1;
  /** vaekit version that wrote the run. */
  vaekit: string;
  created: string;
  /** Preset name, or null for a user-defined architecture. */
  preset: string | null;
  architecture: VAEConfigJSON;
  inputShape: [number, number, number];
  latentDim: number;
  numClasses: number | null;
  variational: boolean;
  /** Names of the labels (digits, clothing), when the data has labels. */
  labelNames: string[] | null;
  dataset: {
    name: string;
    source: string;
    options?: { size?: [number, number]; channels?: 1 | 3; labels?: string };
    train: number;
    validation: number;
    test?: number;
    /** SHA-256 of the training and validation data, so that resuming refuses other data. */ sha256?: string;
  } | null;
  /** Every option that shapes training, so that `--resume` continues the same run. */
  training: {
    epochs: number;
    epochsDone: number;
    batchSize: number;
    seed: number;
    beta: number;
    klWarmup: number;
    binarize?: boolean;
    validation?: ValidationSize | null;
    trainOnTest?: boolean;
    /** Training images used, when limited. */
    limit?: number;
    seconds: number;
  };
  metrics: { train?: StepMetrics; validation?: StepMetrics; test?: StepMetrics; logLikelihood?: { nats: number; stderr: number; k: number; count: number; binarized?: boolean } };
  diagnostics?: LatentDiagnostics;
  /** Where the model came from when it was not trained from scratch (`vaekit import`); kept when training resumes. */
  source?: ModelSource;
  files: { encoder: string; decoder: string; checkpoint: string; log: string };
  /**
   * The commit record: the epoch and each other file's size and SHA-256 (absent in folders
   * written by vaekit before commits; those load as they are).
   */
  commit?: CommitRecord;
}

/** The files an imported model was read from (`vaekit import`, src/keras/). */
export interface ModelSource {
  kind: 'keras';
  encoder: { file: string; format: 'keras' | 'h5' };
  decoder: { file: string; format: 'keras' | 'h5' };
  /** How the sampling step was recognised, e.g. `Lambda 'lambda'`. */
  sampling: string;
  /** The Keras encoder's input shape (e.g. [784] for a flat input). */
  kerasInputShape: number[];
}

/** File names inside a run folder. */
export const RUN_FILES = { encoder: 'encoder.onnx', decoder: 'decoder.onnx', checkpoint: 'checkpoint.bin', log: 'log.jsonl', manifest: 'manifest.json' } as const;

/** Fields of the manifest the trainer provides (the rest comes from the model). */
export type ManifestFields = Pick<Manifest, 'preset' | 'labelNames' | 'dataset' | 'training' | 'metrics'> & { diagnostics?: LatentDiagnostics; source?: ModelSource };

/** Builds the manifest for a model. */
export function makeManifest(vae: VAE, f: ManifestFields): Manifest {
  return {
    format: 'vaekit-run',
    formatVersion: 1,
    vaekit: VERSION,
    created: new Date().toISOString(),
    preset: f.preset,
    architecture: configToJSON(vae.config),
    inputShape: [...vae.inputShape],
    latentDim: vae.latentDim,
    numClasses: vae.numClasses,
    variational: vae.variational,
    labelNames: f.labelNames,
    dataset: f.dataset,
    training: f.training,
    metrics: f.metrics,
    ...(f.diagnostics ? { diagnostics: f.diagnostics } : {}),
    ...(f.source ? { source: f.source } : {}),
    files: { encoder: RUN_FILES.encoder, decoder: RUN_FILES.decoder, checkpoint: RUN_FILES.checkpoint, log: RUN_FILES.log },
  };
}

function manifestText(manifest: Manifest, record: CommitRecord): string {
  return JSON.stringify({ ...manifest, commit: record }, null, 2) + '\n';
}

/**
 * Commits one epoch: checkpoint (weights, optimizer and RNG state, history), the two ONNX halves,
 * the log (one line per epoch of `history`) and the manifest, all or nothing (see `commit.ts`).
 */
export function commitEpoch(dir: string, vae: VAE, manifest: Manifest, history: EpochLog[]): void {
  const epoch = manifest.training.epochsDone;
  const data = {
    [RUN_FILES.checkpoint]: checkpointBytes(vae, { epoch, extra: { history } }),
    [RUN_FILES.encoder]: vae.exportEncoder(),
    [RUN_FILES.decoder]: vae.exportDecoder(),
    [RUN_FILES.log]: logText(history),
  };
  commitFiles(dir, RUN_FILES.manifest, epoch, data, [], (record) => manifestText(manifest, record));
}

function logText(history: EpochLog[]): string {
  return history.map((h) => JSON.stringify(h)).join('\n') + (history.length ? '\n' : '');
}

/**
 * Writes the two ONNX halves and the manifest of a run folder as one commit; the checkpoint and
 * log stay as they are.
 */
export function saveRun(dir: string, vae: VAE, manifest: Manifest): void {
  const data = { [RUN_FILES.encoder]: vae.exportEncoder(), [RUN_FILES.decoder]: vae.exportDecoder() };
  commitFiles(dir, RUN_FILES.manifest, manifest.training?.epochsDone ?? 0, data, [RUN_FILES.checkpoint, RUN_FILES.log], (record) => manifestText(manifest, record));
}

/**
 * Updates the metrics of a run folder's manifest (merging `metrics` into the recorded ones) as one
 * commit that rewrites only `manifest.json`: the ONNX files, checkpoint and log stay byte for
 * byte as they are, and the new commit record names them with their current sizes and SHA-256.
 * A kill at any instant leaves the old manifest or the new one. Returns the new manifest.
 * @throws Error naming the file when the folder holds a file that does not match its commit record
 *   (the update would otherwise bless a damaged file).
 */
export function updateRunMetrics(dir: string, metrics: Partial<Manifest['metrics']>): Manifest {
  const { manifest, mismatched } = openRunFolder(dir);
  if (!manifest) throw new Error(`${join(dir, RUN_FILES.manifest)}: missing (not a vaekit run folder, or training never finished an epoch)`);
  const [name, why] = [...mismatched][0] ?? [];
  if (name) throw new Error(`${join(dir, name)}: ${why}`);
  const { commit, ...rest } = manifest;
  const updated: Manifest = { ...rest, metrics: { ...manifest.metrics, ...metrics } };
  // The files the record names (or, in a folder from before commit records, the run's files).
  const keep = commit ? Object.keys(commit.files) : [RUN_FILES.encoder, RUN_FILES.decoder, RUN_FILES.checkpoint, RUN_FILES.log];
  commitFiles(dir, RUN_FILES.manifest, commit?.epoch ?? manifest.training?.epochsDone ?? 0, {}, keep, (record) => manifestText(updated, record));
  return updated;
}

/** A run loaded back: its manifest and a model with its trained weights and state. */
export interface Run {
  dir: string;
  manifest: Manifest;
  vae: VAE;
  /** Epoch lines from log.jsonl. */
  history: EpochLog[];
  /** Epochs the checkpoint holds. */
  epochsDone: number;
  /** One line when opening the folder repaired it (completed an interrupted commit, removed stale temporary files). */
  repaired?: string;
}

/**
 * Settles a run folder before it is read: completes a commit a kill interrupted and removes
 * temporary files of writers no longer running. Returns one line saying what it repaired, if anything.
 */
export function openRunFolder(dir: string): { manifest: Manifest | null; repaired?: string; mismatched: Map<string, string> } {
  if (!existsSync(dir)) throw new Error(`${dir}: no such run folder`);
  const path = join(dir, RUN_FILES.manifest);
  const manifest = existsSync(path) ? readManifest(dir) : null;
  const { rolledForward, removed, mismatched } = settleFolder(dir, manifest?.commit ?? null);
  const parts = [];
  if (rolledForward.length) parts.push(`completed the interrupted commit of epoch ${manifest!.commit!.epoch} (${rolledForward.join(', ')})`);
  if (removed.length) parts.push(`removed ${removed.length} temporary file${removed.length > 1 ? 's' : ''} of an interrupted write`);
  return { manifest, mismatched, ...(parts.length ? { repaired: `${dir}: ${parts.join('; ')}` } : {}) };
}

const count = zInt(0);
/** What readers rely on in a manifest, by type and range; other fields pass (newer writers may add some). */
const MANIFEST_SCHEMA = z.looseObject({
  architecture: z.looseObject({}, { error: 'an object' }),
  inputShape: z.tuple([zInt(1, 4096), zInt(1, 4096), zInt(1, 4)], { error: '[height, width, channels]' }),
  latentDim: zInt(1, 4096),
  preset: z.string({ error: 'a string' }).nullable().optional(),
  labelNames: z
    .array(z.string({ error: 'a string' }), { error: 'a list of names' })
    .nullable()
    .optional(),
  dataset: z
    .looseObject(
      {
        name: z.string({ error: 'a string' }),
        source: z.string({ error: 'a string' }),
        train: count,
        validation: count,
        test: count.optional(),
        sha256: z.string({ error: 'a string' }).optional(),
        options: z
          .looseObject(
            { labels: z.string({ error: 'a string' }).optional(), channels: zInt(1, 4).optional(), size: z.tuple([zInt(1, 4096), zInt(1, 4096)]).optional() },
            { error: 'an object' },
          )
          .optional(),
      },
      { error: 'an object' },
    )
    .nullable()
    .optional(),
  training: z.looseObject(
    {
      epochs: zInt(1),
      epochsDone: count,
      batchSize: zInt(1),
      seed: zInt(0),
      beta: zNumber({ min: 0 }),
      klWarmup: zNumber({ min: 0 }),
      binarize: zBool().optional(),
      trainOnTest: zBool().optional(),
      limit: zInt(1).optional(),
      seconds: zNumber({ min: 0 }),
    },
    { error: 'an object' },
  ),
  metrics: z.looseObject({}, { error: 'an object' }),
  commit: z
    .object(
      {
        epoch: count,
        files: z.record(z.string(), z.object({ bytes: count, sha256: z.string({ error: 'a string' }), tmp: z.string({ error: 'a string' }) }, { error: 'an object' }), {
          error: 'an object',
        }),
      },
      { error: 'an object' },
    )
    .optional(),
});

/** Reads and checks `manifest.json`. */
export function readManifest(dir: string): Manifest {
  if (!existsSync(dir)) throw new Error(`${dir}: no such run folder`);
  const path = join(dir, RUN_FILES.manifest);
  if (!existsSync(path)) throw new Error(`${path}: missing (not a vaekit run folder, or training never finished an epoch)`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (e) {
    throw new Error(`${path}: corrupt JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (m === null || typeof m !== 'object' || m.format !== 'vaekit-run')
    throw new Error(`${path}: not a vaekit run manifest (format is ${show((m as Partial<Manifest> | null)?.format)})`);
  for (const k of ['architecture', 'inputShape', 'latentDim'] as const) if (m[k] === undefined) throw new Error(`${path}: missing '${k}'`);
  try {
    parseWith('', MANIFEST_SCHEMA, m, 'the manifest');
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  return m;
}

/** Loads a run folder, checking every file; throws one line naming the file and the problem. */
export function loadRun(dir: string, opts: { threads?: number; device?: Device } = {}): Run {
  const { repaired, mismatched } = openRunFolder(dir);
  const manifest = readManifest(dir);
  checkOnnx(join(dir, RUN_FILES.encoder), 'x', [manifest.inputShape[0], manifest.inputShape[1], manifest.inputShape[2]], 'the input shape');
  checkOnnx(join(dir, RUN_FILES.decoder), 'z', [manifest.latentDim], 'the latent size');
  let vae: VAE;
  try {
    vae = new VAE(configFromJSON(manifest.architecture), { threads: opts.threads, device: opts.device });
  } catch (e) {
    throw new Error(`${join(dir, RUN_FILES.manifest)}: bad architecture: ${(e as Error).message}`);
  }
  if (vae.latentDim !== manifest.latentDim) throw new Error(`${join(dir, RUN_FILES.manifest)}: latentDim ${manifest.latentDim} disagrees with the architecture's ${vae.latentDim}`);
  const ckPath = join(dir, RUN_FILES.checkpoint);
  if (!existsSync(ckPath)) throw new Error(`${ckPath}: missing`);
  const ck = readCheckpoint(ckPath);
  try {
    vae.setWeights(ck.weights);
    vae.setTrainingState(ck.state);
  } catch (e) {
    throw new Error(`${ckPath}: does not match the manifest's architecture: ${(e as Error).message}`);
  }
  try {
    // Only what the commit record names is trusted; the specific checks above name the common damage first.
    const [name, why] = [...mismatched][0] ?? [];
    if (name) throw new Error(`${join(dir, name)}: ${why}`);
    if (manifest.commit && ck.meta.epoch !== manifest.commit.epoch)
      throw new Error(`${ckPath}: holds epoch ${ck.meta.epoch}, the manifest's commit record epoch ${manifest.commit.epoch}`);
  } catch (e) {
    void vae.dispose();
    throw e;
  }
  const history = Array.isArray(ck.meta.extra?.history) ? (ck.meta.extra.history as EpochLog[]) : [];
  return { dir, manifest, vae, history, epochsDone: ck.meta.epoch, ...(repaired ? { repaired } : {}) };
}

/** Checks that an ONNX file parses and that input `name` has shape [N, ...dims]. */
function checkOnnx(path: string, name: string, dims: number[], what: string): void {
  if (!existsSync(path)) throw new Error(`${path}: missing`);
  let model: InstanceType<typeof onnxProto.onnx.ModelProto>;
  try {
    model = onnxProto.onnx.ModelProto.decode(readFileSync(path));
  } catch {
    throw new Error(`${path}: truncated or not an ONNX model`);
  }
  const input = model.graph?.input?.find((i) => i.name === name);
  if (!model.graph || !model.graph.node?.length || !input) throw new Error(`${path}: truncated or not a vaekit ${name === 'x' ? 'encoder' : 'decoder'} (no input '${name}')`);
  const got = (input.type?.tensorType?.shape?.dim ?? []).slice(1).map((d) => Number(d.dimValue));
  if (got.join(',') !== dims.join(',')) throw new Error(`${path}: input '${name}' has shape [N,${got.join(',')}], the manifest says [N,${dims.join(',')}] (${what} disagrees)`);
}

/** A short description of the data a run was trained on, for the manifest. */
export function describeData(source: string, options: DataSourceOptions | undefined, train: Dataset, validation: Dataset | null, test: Dataset | null): Manifest['dataset'] {
  // How the tools read the same data back (image size, channels, labels file), not how much of it.
  const { size, channels, labels } = options ?? {};
  const opts = JSON.parse(JSON.stringify({ size, channels, labels })) as NonNullable<Manifest['dataset']>['options'];
  return {
    name: train.name,
    source,
    ...(opts && Object.keys(opts).length ? { options: opts } : {}),
    train: train.count,
    validation: validation?.count ?? 0,
    ...(test ? { test: test.count } : {}),
  };
}
