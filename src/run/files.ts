/**
 * A run as bytes: the five files of a run folder (`RUN_FILES`) held in memory as
 * `{ name: Uint8Array }`, written and checked with no file system, so the page can export a run
 * it trained and open one trained in Node. The run folder (`run.ts`) and its commits
 * (`commit.ts`) reuse these rules: what the files hold, what the manifest must say, and how a
 * file is checked against the manifest's commit record. A run also travels as one .zip of the
 * five files (`runZip`, `unzipRun`).
 *
 * Browser-safe: no `node:` module, no `Buffer`, no `process` (SHA-256 from @noble/hashes).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { unzipSync, zipSync } from 'fflate';
import onnxProto from 'onnx-proto';
import { z } from 'zod';
import type { ValidationSize } from '../data/index.js';
import { configFromJSON, configToJSON, type VAEConfigJSON } from '../models/config.js';
import { VAE, type StepMetrics } from '../models/vae.js';
import type { Runtime } from '../runtime/runtime.js';
import { checkpointBytes, parseCheckpoint } from '../train/checkpoint-format.js';
import type { LatentDiagnostics } from '../train/diagnostics.js';
import type { EpochLog } from '../train/fit.js';
import { parseWith, show, zBool, zInt, zNumber } from '../util/check.js';
import { VERSION } from '../version.js';

/** File names inside a run folder. */
export const RUN_FILES = { encoder: 'encoder.onnx', decoder: 'decoder.onnx', checkpoint: 'checkpoint.bin', log: 'log.jsonl', manifest: 'manifest.json' } as const;

/** A run's files in memory, keyed by their names in a run folder (`RUN_FILES`). */
export type RunFiles = Record<string, Uint8Array>;

/** One committed file: what the manifest's commit record says about it. */
export interface CommittedFile {
  bytes: number;
  sha256: string;
  /** The temporary name it was written under (for completing an interrupted commit); '' when none. */
  tmp: string;
}

/** The commit record a manifest carries: the epoch and every other file of the run folder. */
export interface CommitRecord {
  epoch: number;
  files: Record<string, CommittedFile>;
}

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

/** The text of `manifest.json`: the manifest with `record` as its commit record. */
export function manifestText(manifest: Manifest, record: CommitRecord): string {
  return JSON.stringify({ ...manifest, commit: record }, null, 2) + '\n';
}

/** The text of `log.jsonl`: one JSON line per epoch. */
export function logText(history: EpochLog[]): string {
  return history.map((h) => JSON.stringify(h)).join('\n') + (history.length ? '\n' : '');
}

/**
 * The four files one epoch's commit writes besides the manifest: checkpoint (weights, optimizer
 * and RNG state, the history), the two ONNX halves and the log.
 */
export function epochFiles(vae: VAE, epoch: number, history: EpochLog[]): RunFiles {
  return {
    [RUN_FILES.checkpoint]: checkpointBytes(vae, { epoch, extra: { history } }),
    [RUN_FILES.encoder]: vae.exportEncoder(),
    [RUN_FILES.decoder]: vae.exportDecoder(),
    [RUN_FILES.log]: new TextEncoder().encode(logText(history)),
  };
}

/** Lower-case hex SHA-256 of `bytes` (what commit records hold). */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/**
 * Why `bytes` do not match what the commit record says of them, or null when they match.
 * `hash` computes the hex SHA-256 (Node passes its faster native one).
 */
export function commitMismatch(bytes: Uint8Array, want: CommittedFile, hash: (b: Uint8Array) => string = sha256Hex): string | null {
  if (bytes.length !== want.bytes) return `${bytes.length} bytes, the manifest's commit record says ${want.bytes} (damaged, or left from another epoch)`;
  if (hash(bytes) !== want.sha256) return "its SHA-256 differs from the manifest's commit record (damaged, or left from another epoch)";
  return null;
}

/**
 * A run's five files as bytes, exactly what a commit of epoch `manifest.training.epochsDone`
 * writes into a run folder, the manifest carrying the commit record of the other four. Written
 * into an empty folder as they are, they load with `loadRun` and resume with `trainRun`.
 */
export function runFiles(vae: VAE, manifest: Manifest, history: EpochLog[]): RunFiles {
  const epoch = manifest.training.epochsDone;
  // Plain Uint8Arrays of their own (protobufjs gives Node Buffers, which may share a pool), ready to zip or transfer.
  const files = Object.fromEntries(Object.entries(epochFiles(vae, epoch, history)).map(([name, bytes]) => [name, new Uint8Array(bytes)]));
  // No temporary names: the files are whole as they are, there is no interrupted rename to complete.
  const record: CommitRecord = { epoch, files: {} };
  for (const [name, bytes] of Object.entries(files)) record.files[name] = { bytes: bytes.length, sha256: sha256Hex(bytes), tmp: '' };
  return { ...files, [RUN_FILES.manifest]: new TextEncoder().encode(manifestText(manifest, record)) };
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

/**
 * Parses and checks the text of `manifest.json`; errors are one line starting with `name` (the
 * file's path or name).
 */
export function parseManifest(text: string, name: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new Error(`${name}: corrupt JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (m === null || typeof m !== 'object' || m.format !== 'vaekit-run')
    throw new Error(`${name}: not a vaekit run manifest (format is ${show((m as Partial<Manifest> | null)?.format)})`);
  for (const k of ['architecture', 'inputShape', 'latentDim'] as const) if (m[k] === undefined) throw new Error(`${name}: missing '${k}'`);
  try {
    parseWith('', MANIFEST_SCHEMA, m, 'the manifest');
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
  return m;
}

/** Why the manifest is missing, in the words the loaders use. */
export const MANIFEST_MISSING = 'missing (not a vaekit run folder, or training never finished an epoch)';

/**
 * Checks each file the commit record names against it: file name → why it does not match.
 * Files absent from `files` are left to the loader, which knows what each is for.
 */
export function commitMismatches(files: RunFiles, record: CommitRecord | undefined, hash: (b: Uint8Array) => string = sha256Hex): Map<string, string> {
  const mismatched = new Map<string, string>();
  for (const [name, want] of Object.entries(record?.files ?? {})) {
    const have = files[name];
    const why = have ? commitMismatch(have, want, hash) : null;
    if (why) mismatched.set(name, why);
  }
  return mismatched;
}

/** A run opened from its files: the manifest and a model holding the checkpoint's weights and state. */
export interface OpenedRun {
  manifest: Manifest;
  vae: VAE;
  /** Epoch lines from the checkpoint's history. */
  history: EpochLog[];
  /** Epochs the checkpoint holds. */
  epochsDone: number;
}

/** Options of {@link runFromFiles}. */
export interface RunFromFilesOptions {
  /** Where the model runs (default onnxruntime-node; the page passes its web runtime). */
  runtime?: Runtime;
  /** Intra-op threads. */
  threads?: number;
  /** How errors name a file (default: its name, e.g. `checkpoint.bin`). */
  path?: (name: string) => string;
  /** Mismatches already found against the commit record (the folder loader hashes while settling); computed when absent. */
  mismatched?: Map<string, string>;
}

/**
 * Opens a run from its files, checking what `loadRun` checks: the manifest, each ONNX half's
 * input shape against it, the architecture, the checkpoint against the architecture and against
 * the commit record's epoch, and every file against its size and SHA-256 in the record. Throws one
 * line naming the file and the problem.
 */
export function runFromFiles(files: RunFiles, opts: RunFromFilesOptions = {}): OpenedRun {
  const path = opts.path ?? ((name: string) => name);
  const mPath = path(RUN_FILES.manifest);
  const mBytes = files[RUN_FILES.manifest];
  if (!mBytes) throw new Error(`${mPath}: ${MANIFEST_MISSING}`);
  const manifest = parseManifest(new TextDecoder().decode(mBytes), mPath);
  checkOnnx(files[RUN_FILES.encoder], path(RUN_FILES.encoder), 'x', [manifest.inputShape[0], manifest.inputShape[1], manifest.inputShape[2]], 'the input shape');
  checkOnnx(files[RUN_FILES.decoder], path(RUN_FILES.decoder), 'z', [manifest.latentDim], 'the latent size');
  let vae: VAE;
  try {
    vae = new VAE(configFromJSON(manifest.architecture), { threads: opts.threads, runtime: opts.runtime });
  } catch (e) {
    throw new Error(`${mPath}: bad architecture: ${(e as Error).message}`);
  }
  try {
    if (vae.latentDim !== manifest.latentDim) throw new Error(`${mPath}: latentDim ${manifest.latentDim} disagrees with the architecture's ${vae.latentDim}`);
    const ckPath = path(RUN_FILES.checkpoint);
    const ckBytes = files[RUN_FILES.checkpoint];
    if (!ckBytes) throw new Error(`${ckPath}: missing`);
    const ck = parseCheckpoint(ckBytes, ckPath);
    try {
      vae.setWeights(ck.weights);
      vae.setTrainingState(ck.state);
    } catch (e) {
      throw new Error(`${ckPath}: does not match the manifest's architecture: ${(e as Error).message}`);
    }
    // Only what the commit record names is trusted; the specific checks above name the common damage first.
    const mismatched = opts.mismatched ?? commitMismatches(files, manifest.commit);
    const [name, why] = [...mismatched][0] ?? [];
    if (name) throw new Error(`${path(name)}: ${why}`);
    if (manifest.commit && ck.meta.epoch !== manifest.commit.epoch)
      throw new Error(`${ckPath}: holds epoch ${ck.meta.epoch}, the manifest's commit record epoch ${manifest.commit.epoch}`);
    const history = Array.isArray(ck.meta.extra?.history) ? (ck.meta.extra.history as EpochLog[]) : [];
    return { manifest, vae, history, epochsDone: ck.meta.epoch };
  } catch (e) {
    void vae.dispose();
    throw e;
  }
}

/** Checks that ONNX bytes parse and that input `name` has shape [N, ...dims]. */
function checkOnnx(bytes: Uint8Array | undefined, path: string, name: string, dims: number[], what: string): void {
  if (!bytes) throw new Error(`${path}: missing`);
  let model: InstanceType<typeof onnxProto.onnx.ModelProto>;
  try {
    model = onnxProto.onnx.ModelProto.decode(bytes);
  } catch {
    throw new Error(`${path}: truncated or not an ONNX model`);
  }
  const input = model.graph?.input?.find((i) => i.name === name);
  if (!model.graph || !model.graph.node?.length || !input) throw new Error(`${path}: truncated or not a vaekit ${name === 'x' ? 'encoder' : 'decoder'} (no input '${name}')`);
  const got = (input.type?.tensorType?.shape?.dim ?? []).slice(1).map((d) => Number(d.dimValue));
  if (got.join(',') !== dims.join(',')) throw new Error(`${path}: input '${name}' has shape [N,${got.join(',')}], the manifest says [N,${dims.join(',')}] (${what} disagrees)`);
}

/** A fixed time stamp for the zip's entries, so the same files always give the same zip. */
const ZIP_TIME = new Date('2000-01-01T00:00:00Z');

/** The run's files as one .zip (the run's files at its top level, nothing else). */
export function runZip(files: RunFiles): Uint8Array {
  const entries: Record<string, [Uint8Array, { level: 0 | 6; mtime: Date }]> = {};
  for (const name of Object.values(RUN_FILES)) {
    const bytes = files[name];
    // Float weights barely compress: storing the checkpoint saves time for little size.
    if (bytes) entries[name] = [bytes, { level: name === RUN_FILES.checkpoint ? 0 : 6, mtime: ZIP_TIME }];
  }
  return zipSync(entries);
}

/**
 * A run's files from a .zip made by {@link runZip} (or by zipping a run folder: the files may sit
 * inside one top-level folder). Only the run's own file names are taken; anything else in the zip
 * is ignored. Throws one line starting with `name` for a damaged zip or one that holds no run.
 * The files themselves are checked by {@link runFromFiles} (or the folder loader).
 */
export function unzipRun(bytes: Uint8Array, name: string): RunFiles {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new Error(`${name}: not a zip file, or a damaged or truncated one (${(e as Error).message.split('\n')[0]})`);
  }
  const names = new Set<string>(Object.values(RUN_FILES));
  // Where manifest.json is: at the top, or inside one folder (a zipped run folder).
  const manifests = Object.keys(entries).filter((k) => k.split('/').pop() === RUN_FILES.manifest && k.split('/').length <= 2 && !k.startsWith('__MACOSX/'));
  if (manifests.length !== 1)
    throw new Error(
      manifests.length
        ? `${name}: holds ${manifests.length} runs (${manifests.join(', ')}); expected one`
        : `${name}: holds no ${RUN_FILES.manifest} at its top level or in one folder (not a vaekit run)`,
    );
  const prefix = manifests[0].slice(0, -RUN_FILES.manifest.length);
  const files: RunFiles = {};
  for (const [k, v] of Object.entries(entries)) if (k.startsWith(prefix) && names.has(k.slice(prefix.length))) files[k.slice(prefix.length)] = v;
  return files;
}
