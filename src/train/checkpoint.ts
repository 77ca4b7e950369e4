/**
 * Checkpoints on disk: weights, optimizer state, step and RNG state in one binary file, so a run
 * can resume exactly where it stopped. The format itself (bytes in, bytes out) is
 * `checkpoint-format.ts`, shared with the page; this file adds reading and writing files.
 * Files are written under a temporary name and renamed, so an interrupted write never replaces
 * a good checkpoint with a broken one.
 */
import { readFileSync } from 'node:fs';
import type { Checkpointable } from '../engine/engine.js';
import { writeFileAtomic } from '../util/files.js';
import { checkpointBytes, parseCheckpoint, type Checkpoint, type CheckpointMeta } from './checkpoint-format.js';

export { checkpointBytes, parseCheckpoint, type Checkpoint, type CheckpointMeta } from './checkpoint-format.js';

/** Writes the model's weights and training state to `path` (atomically). */
export function saveCheckpoint(path: string, vae: Checkpointable, meta: CheckpointMeta): void {
  writeFileAtomic(path, checkpointBytes(vae, meta));
}

/** Reads a checkpoint; a truncated or foreign file gets a one-line error naming it. */
export function readCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseCheckpoint(bytes, path);
}

/** Loads a checkpoint into a model built with the same architecture. */
export function restoreCheckpoint(path: string, vae: Checkpointable): CheckpointMeta {
  const c = readCheckpoint(path);
  try {
    vae.setWeights(c.weights);
    vae.setTrainingState(c.state);
  } catch (e) {
    throw new Error(`${path}: does not match this model: ${(e as Error).message}`);
  }
  return c.meta;
}
