/**
 * The checkpoint format as bytes, with no file system: what `checkpoint.bin` holds, written and
 * read the same way in Node and in the page. Layout: the 8 bytes `VAEKITCK`, a uint32
 * (little-endian) header length, a JSON header, then the float32 tensors (little-endian) back to
 * back in header order. Browser-safe: no `node:` module, no `Buffer`.
 */
import type { Checkpointable, NamedWeight, TrainingState } from '../engine/engine.js';

const MAGIC = 'VAEKITCK';
/** True on little-endian hosts (all the usual ones), where float32 data is copied byte for byte. */
const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/** What a checkpoint holds besides tensors. */
export interface CheckpointMeta {
  /** Epochs completed. */
  epoch: number;
  /** Anything else the trainer wants back on resume (e.g. the history so far). */
  extra?: Record<string, unknown>;
}

/** A checkpoint read back: tensors by kind, plus the training state to hand to the model. */
export interface Checkpoint {
  meta: CheckpointMeta;
  weights: NamedWeight[];
  state: TrainingState;
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

/** The bytes of a checkpoint of the model's weights and training state. */
export function checkpointBytes(vae: Checkpointable, meta: CheckpointMeta): Uint8Array {
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
  const json = new TextEncoder().encode(JSON.stringify(header));
  const floats = all.reduce((a, t) => a + t.data.length, 0);
  const out = new Uint8Array(8 + 4 + json.length + 4 * floats);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  // The tensors as little-endian float32, whatever the host's byte order.
  const view = new DataView(out.buffer);
  let off = 12 + json.length;
  for (const t of all) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), off);
    else for (let i = 0; i < t.data.length; i++) view.setFloat32(off + 4 * i, t.data[i], true);
    off += t.data.byteLength;
  }
  return out;
}

/**
 * Reads checkpoint bytes; a truncated or foreign file gets a one-line error starting with `name`
 * (the file's path or name).
 */
export function parseCheckpoint(bytes: Uint8Array, name: string): Checkpoint {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (bytes.length < 12 || magic !== MAGIC) throw new Error(`${name}: not a vaekit checkpoint (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(8, true);
  if (12 + len > bytes.length) throw new Error(`${name}: truncated checkpoint (header of ${len} bytes, file of ${bytes.length})`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + len))) as Header;
  } catch {
    throw new Error(`${name}: corrupt checkpoint header`);
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
    throw new Error(`${name}: corrupt checkpoint header`);
  const floats = header.tensors.reduce((a, t) => a + t.shape.reduce((p, d) => p * d, 1), 0);
  const expected = 12 + len + 4 * floats;
  if (bytes.length !== expected) throw new Error(`${name}: checkpoint should be ${expected} bytes, found ${bytes.length} (truncated or damaged)`);
  // Copied into an aligned array: Float32Array views need 4-byte alignment.
  const data = new Float32Array(floats);
  if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(12 + len));
  else for (let i = 0, off = 12 + len; i < floats; i++, off += 4) data[i] = view.getFloat32(off, true);
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
