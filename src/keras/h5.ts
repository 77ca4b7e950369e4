/**
 * HDF5 through h5wasm (the HDF Group's own libhdf5 compiled to WebAssembly). Chosen over jsfive
 * because vaekit must also *write* HDF5 (the `model.weights.h5` inside an exported `.keras`
 * file), which jsfive cannot; one library for both directions means the files vaekit writes are
 * read back by the same code that reads Keras's. Files live in h5wasm's in-memory file system
 * only while being read or written: callers hand in and get back plain bytes.
 */
import type { Dataset, Group } from 'h5wasm/node';

type H5wasm = (typeof import('h5wasm/node'))['default'];
/** h5wasm, loaded on first use: its 4 MB of WebAssembly would otherwise slow every vaekit start. */
let h5wasm: H5wasm;
let loading: Promise<H5wasm> | null = null;
async function load(): Promise<Awaited<H5wasm['ready']>> {
  loading ??= import('h5wasm/node').then((m) => (h5wasm = m.default));
  return (await loading).ready;
}

/** A float tensor read from HDF5, row-major. */
export interface H5Tensor {
  shape: number[];
  data: Float32Array;
}

let counter = 0;
/** A fresh path in h5wasm's in-memory file system (never on the user's disk). */
function scratchPath(): string {
  return `/vaekit-${process.pid}-${counter++}.h5`;
}

/** The HDF5 signature, at offset 0 of a file that has no user block. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` start with the HDF5 signature. */
export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Opens HDF5 bytes read-only and hands the root group to `use`; the file is closed and removed
 * afterwards. Throws a one-line error naming `what` when the bytes are not a readable HDF5 file.
 */
export async function readHdf5<T>(bytes: Uint8Array, what: string, use: (root: Group) => T): Promise<T> {
  const { FS } = await load();
  if (!isHdf5(bytes)) throw new RangeError(`${what}: expected an HDF5 file, got bytes that do not start with the HDF5 signature`);
  const path = scratchPath();
  FS.writeFile(path, bytes);
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch (e) {
    FS.unlink(path);
    throw new RangeError(`${what}: HDF5 file cannot be opened (truncated or damaged: ${String((e as Error)?.message ?? e).split('\n')[0]})`);
  }
  try {
    return use(file);
  } finally {
    file.close();
    FS.unlink(path);
  }
}

/** Builds an HDF5 file with `fill` and returns its bytes. */
export async function writeHdf5(fill: (root: Group) => void): Promise<Uint8Array> {
  const { FS } = await load();
  const path = scratchPath();
  const file = new h5wasm.File(path, 'w');
  try {
    fill(file);
  } finally {
    file.close();
  }
  const bytes = FS.readFile(path) as Uint8Array;
  FS.unlink(path);
  return bytes;
}

/**
 * The object at `path` under `g`, or null when absent. Walks the path one member at a time, so
 * that a missing one is never asked of libhdf5 (which would print diagnostics to stderr).
 */
function lookup(g: Group, path: string): unknown {
  let cur: unknown = g;
  for (const part of path.split('/').filter(Boolean)) {
    if (!(cur instanceof h5wasm.Group) || !cur.keys().includes(part)) return null;
    cur = cur.get(part);
  }
  return cur;
}

/** The group at `path` under `g`, or null when absent or not a group. */
export function group(g: Group, path: string): Group | null {
  const e = lookup(g, path);
  return e instanceof h5wasm.Group ? e : null;
}

/** A string (or list of strings) attribute, or null when absent. */
export function attr(g: Group | Dataset, name: string): string | string[] | null {
  if (!Object.prototype.hasOwnProperty.call(g.attrs, name)) return null;
  const v = g.attrs[name].json_value;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  if (Array.isArray(v) && v.length === 0) return [];
  return null;
}

/** Reads the float dataset at `path` under `g` as float32; a one-line error when it is not one. */
export function tensor(g: Group, path: string, what: string): H5Tensor {
  const e = lookup(g, path);
  if (!(e instanceof h5wasm.Dataset)) throw new RangeError(`${what}: weight '${path}' is missing`);
  const v = e.value;
  const shape = e.shape ?? [];
  if (v instanceof Float32Array) return { shape, data: v.slice() };
  if (v instanceof Float64Array) return { shape, data: Float32Array.from(v) };
  throw new RangeError(`${what}: weight '${path}' has type ${JSON.stringify(e.dtype)}, expected float32 or float64`);
}

/** Writes a float32 dataset of `shape` at `name` under `g`. */
export function writeTensor(g: Group, name: string, t: H5Tensor): void {
  g.create_dataset({ name, data: t.data, shape: t.shape, dtype: '<f' });
}
