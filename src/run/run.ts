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
import type { Dataset } from '../data/index.js';
import type { DataSourceOptions } from '../data/source.js';
import type { VAE } from '../models/vae.js';
import { nodeRuntimeFor, type Device } from '../runtime/node.js';
import type { EpochLog } from '../train/fit.js';
import { commitFiles, settleFolder } from './commit.js';
import { epochFiles, manifestText, MANIFEST_MISSING, parseManifest, RUN_FILES, runFromFiles, type Manifest, type RunFiles } from './files.js';

// The manifest and the run's files as bytes live in files.ts (browser-safe); re-exported for the folder's readers.
export { makeManifest, RUN_FILES, type Manifest, type ManifestFields, type ModelSource } from './files.js';

/**
 * Commits one epoch: checkpoint (weights, optimizer and RNG state, history), the two ONNX halves,
 * the log (one line per epoch of `history`) and the manifest, all or nothing (see `commit.ts`).
 */
export function commitEpoch(dir: string, vae: VAE, manifest: Manifest, history: EpochLog[]): void {
  const epoch = manifest.training.epochsDone;
  commitFiles(dir, RUN_FILES.manifest, epoch, epochFiles(vae, epoch, history), [], (record) => manifestText(manifest, record));
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

/** Reads and checks `manifest.json`. */
export function readManifest(dir: string): Manifest {
  if (!existsSync(dir)) throw new Error(`${dir}: no such run folder`);
  const path = join(dir, RUN_FILES.manifest);
  if (!existsSync(path)) throw new Error(`${path}: ${MANIFEST_MISSING}`);
  return parseManifest(readFileSync(path, 'utf8'), path);
}

/** Loads a run folder, checking every file; throws one line naming the file and the problem. */
export function loadRun(dir: string, opts: { threads?: number; device?: Device } = {}): Run {
  const { repaired, mismatched } = openRunFolder(dir);
  const files: RunFiles = {};
  for (const name of Object.values(RUN_FILES)) {
    const path = join(dir, name);
    if (existsSync(path)) files[name] = readFileSync(path);
  }
  // The checks on the bytes are the page's too (files.ts); settling has already hashed every file.
  const run = runFromFiles(files, { threads: opts.threads, ...(opts.device ? { runtime: nodeRuntimeFor(opts.device) } : {}), path: (name) => join(dir, name), mismatched });
  return { dir, ...run, ...(repaired ? { repaired } : {}) };
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
