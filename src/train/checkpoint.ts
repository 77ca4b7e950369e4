/**
 * Checkpoints: weights, optimizer state, step and RNG state in one binary file, so a run can
 * resume exactly where it stopped. Layout: the 8 bytes `VAEKITCK`, a uint32 (little-endian)
 * header length, a JSON header, then the float32 tensors back to back in header order.
 * Files are written under a temporary name and renamed, so an interrupted write never replaces
 * a good checkpoint with a broken one.
 */
import { readFileSync } from 'node:fs';
import type { Checkpointable, NamedWeight, TrainingState } from '../engine/engine.js';
import { writeFileAtomic } from '../util/files.js';

const MAGIC = 'VAEKITCK';

/** What a checkpoint holds besides tensors. */
export interface CheckpointMeta {
  /** Epochs completed. */
  epoch: number;
  /** Anything else the trainer wants back on resume (e.g. the history so far). */
  extra?: Record<string, unknown>;
}

interface Header {
  format: 'vaekit-checkpoint';
  version: 1;
  meta: CheckpointMeta;
  step: number;
  globals: Record<string, number>;
  rng: Array<number | null>;
  tensors: Array<{ name: string; shape: number[]; kind: 'weight' | 'slot' }>;
}

/** Writes the model's weights and training state to `path` (atomically). */
export function saveCheckpoint(path: string, vae: Checkpointable, meta: CheckpointMeta): void {
  writeFileAtomic(path, checkpointBytes(vae, meta));
}

/** The bytes of a checkpoint of the model's weights and training state (what {@link saveCheckpoint} writes). */
export function checkpointBytes(vae: Checkpointable, meta: CheckpointMeta): Buffer {
  const weights = vae.getWeights();
  const state = vae.getTrainingState();
  const all: Array<NamedWeight & { kind: 'weight' | 'slot' }> = [
    ...weights.map((w) => ({ ...w, kind: 'weight' as const })),
    ...state.slots.map((s) => ({ ...s, kind: 'slot' as const })),
  ];
  const header: Header = {
    format: 'vaekit-checkpoint',
    version: 1,
    meta,
    step: state.step,
    globals: state.globals,
    rng: state.rng.map((v) => (Number.isNaN(v) ? null : v)), // JSON has no NaN
    tensors: all.map((t) => ({ name: t.name, shape: t.shape, kind: t.kind })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const floats = all.reduce((a, t) => a + t.data.length, 0);
  const buf = Buffer.alloc(8 + 4 + json.length + 4 * floats);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, 12);
  let off = 12 + json.length;
  for (const t of all) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(buf, off);
    off += t.data.byteLength;
  }
  return buf;
}

/** A checkpoint read back: tensors by kind, plus the training state to hand to the model. */
export interface Checkpoint {
  meta: CheckpointMeta;
  weights: NamedWeight[];
  state: TrainingState;
}

/** Reads a checkpoint; a truncated or foreign file gets a one-line error naming it. */
export function readCheckpoint(path: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error(`${path}: not a vaekit checkpoint (bad magic)`);
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) throw new Error(`${path}: truncated checkpoint (header of ${len} bytes, file of ${buf.length})`);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + len)) as Header;
  } catch {
    throw new Error(`${path}: corrupt checkpoint header`);
  }
  const okShape = (t: Header['tensors'][number]) =>
    typeof t?.name === 'string' && Array.isArray(t.shape) && t.shape.every((d) => Number.isInteger(d) && d > 0) && (t.kind === 'weight' || t.kind === 'slot');
  if (
    header?.format !== 'vaekit-checkpoint' ||
    !Array.isArray(header.tensors) ||
    !header.tensors.every(okShape) ||
    !Number.isInteger(header.step) ||
    !Array.isArray(header.rng) ||
    header.rng.length !== 5 ||
    typeof header.meta?.epoch !== 'number'
  )
    throw new Error(`${path}: corrupt checkpoint header`);
  const floats = header.tensors.reduce((a, t) => a + t.shape.reduce((p, d) => p * d, 1), 0);
  const expected = 12 + len + 4 * floats;
  if (buf.length !== expected) throw new Error(`${path}: checkpoint should be ${expected} bytes, found ${buf.length} (truncated or damaged)`);
  // Copy into an aligned buffer: Float32Array views need 4-byte alignment.
  const data = new Float32Array(floats);
  new Uint8Array(data.buffer).set(buf.subarray(12 + len));
  let off = 0;
  const weights: NamedWeight[] = [];
  const slots: NamedWeight[] = [];
  for (const t of header.tensors) {
    const n = t.shape.reduce((p, d) => p * d, 1);
    (t.kind === 'slot' ? slots : weights).push({ name: t.name, shape: t.shape, data: data.subarray(off, off + n) });
    off += n;
  }
  return {
    meta: header.meta,
    weights,
    state: { step: header.step, slots, globals: header.globals, rng: header.rng.map((v) => (v === null ? NaN : v)) },
  };
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
