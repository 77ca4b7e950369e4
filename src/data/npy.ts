/**
 * Reading NumPy `.npy` files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
 * the usual way to hand an image array from Python to another tool: a magic string, a version,
 * a header that is a Python dict literal (`descr`, `fortran_order`, `shape`), then the raw data.
 *
 * Images: dtype uint8 (scaled by 1/255) or float32 (taken as is, and checked to lie in [0, 1],
 * since a silently unscaled array would train a sigmoid decoder on values it cannot produce);
 * float64 is accepted too and narrowed to float32, because `np.save` of a float computation
 * writes float64 unless told otherwise. Shapes [N, H, W] or [N, H, W, C] with C = 1 or 3.
 * Labels: any little-endian integer dtype, shape [N] or [N, 1].
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import type { Dataset } from './dataset.js';
import { defaultLabelNames } from './util.js';
import { bytesToUnit, checkLimit, errorReason, fmtShape } from './util.js';

/** Element types this reader understands (after the byte-order character). */
export type NpyDtype = 'u1' | 'i1' | 'u2' | 'i2' | 'u4' | 'i4' | 'u8' | 'i8' | 'f4' | 'f8';

/** A parsed `.npy` file: header fields and the raw little-endian payload bytes. */
export interface NpyArray {
  /** The header's `descr` as written, e.g. `<f4`. */
  descr: string;
  /** Element type without byte order. */
  dtype: NpyDtype;
  /** The header's `shape`. */
  shape: number[];
  /** Whether the data is stored column-major (Fortran order). */
  fortranOrder: boolean;
  /** The payload, exactly `product(shape) * itemSize` bytes. */
  data: Uint8Array;
}

/** Options of {@link loadNpy}. */
export interface NpyLoadOptions {
  /** Path of a `.npy` file of integer labels, one per image. */
  labels?: string;
  /** Class names indexed by label; default '0'..'max label'. */
  labelNames?: string[];
  /** Use only the first `limit` images (and labels). */
  limit?: number;
  /** Data set name for logs; default the images path. */
  name?: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ITEM_SIZE: Record<NpyDtype, number> = { u1: 1, i1: 1, u2: 2, i2: 2, u4: 4, i4: 4, u8: 8, i8: 8, f4: 4, f8: 8 };
const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Read and parse a `.npy` file (format versions 1.0, 2.0 and 3.0).
 * @throws Error (one line, naming the file) when unreadable, not .npy, of an unsupported or
 *   big-endian dtype, or when the data is shorter or longer than the header's shape.
 */
export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read .npy file (${errorReason(e)})`);
  }
  return parseNpy(bytes, path);
}

/** Parse `.npy` bytes already in memory; `name` is used in messages only. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${name}: not a .npy file (no \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${name}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new Error(`${name}: unsupported .npy format version ${major}.${bytes[7]} (expected 1.0, 2.0 or 3.0)`);
  }
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) throw new Error(`${name}: truncated .npy header`);
  // Version 3 allows UTF-8 in the header; latin1 (v1/v2) is a subset for the ASCII we parse.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descrM = /'descr'\s*:\s*'([^']*)'/.exec(header);
  if (descrM === null) {
    throw new Error(`${name}: unsupported dtype: structured or unreadable descr in header ${oneLine(header)}`);
  }
  const descr = descrM[1];
  const fortranM = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (fortranM === null || shapeM === null) throw new Error(`${name}: malformed .npy header ${oneLine(header)}`);
  const shape = shapeM[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, ''))); // Python 2 wrote longs as `10L`
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${name}: malformed shape (${shapeM[1]}) in .npy header`);
  }

  const order = descr[0];
  const dtype = descr.slice(1);
  if (!(dtype in ITEM_SIZE) || (order !== '<' && order !== '|' && order !== '=')) {
    const why = order === '>' ? 'big-endian data is not supported' : 'supported: uint8, float32, float64, integer labels';
    throw new Error(`${name}: unsupported dtype '${descr}' (${why})`);
  }
  if (order === '=' && !HOST_LITTLE_ENDIAN) throw new Error(`${name}: unsupported dtype '${descr}' (native big-endian)`);
  const npyDtype = dtype as NpyDtype;
  const expected = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[npyDtype];
  const actual = bytes.length - dataStart;
  if (actual < expected) {
    throw new Error(`${name}: truncated .npy data: shape ${fmtShape(shape)} '${descr}' needs ${expected} bytes, file has ${actual}`);
  }
  if (actual > expected) {
    throw new Error(`${name}: .npy data has ${actual - expected} trailing bytes beyond shape ${fmtShape(shape)} '${descr}'`);
  }
  return {
    descr,
    dtype: npyDtype,
    shape,
    fortranOrder: fortranM[1] === 'True',
    data: bytes.subarray(dataStart, dataStart + expected),
  };
}

/**
 * Load images (and optionally labels) from `.npy` files into a {@link Dataset}.
 * @throws Error (one line, naming the file) for an unsupported dtype, Fortran order, a shape
 *   that is not [N, H, W] or [N, H, W, C] with C = 1 or 3, float values outside [0, 1],
 *   truncated data, or a labels file whose length differs from the image count.
 */
export function loadNpy(imagesPath: string, opts: NpyLoadOptions = {}): Dataset {
  const limit = checkLimit(opts.limit);
  const arr = readNpy(imagesPath);
  if (arr.fortranOrder) {
    throw new Error(`${imagesPath}: Fortran-order arrays are not supported; save with np.ascontiguousarray(x)`);
  }
  const s = arr.shape;
  const okShape = (s.length === 3 || (s.length === 4 && (s[3] === 1 || s[3] === 3))) && s.slice(1).every((d) => d > 0);
  if (!okShape) {
    throw new Error(`${imagesPath}: expected image shape [N, H, W] or [N, H, W, C] with C = 1 or 3, got ${fmtShape(s)}`);
  }
  if (s[0] === 0) throw new Error(`${imagesPath}: holds no images (shape ${fmtShape(s)})`);
  const shape: [number, number, number] = [s[1], s[2], s.length === 4 ? s[3] : 1];
  const total = s[0];
  const count = limit === undefined ? total : Math.min(limit, total);
  const perImage = shape[0] * shape[1] * shape[2];
  const n = count * perImage;

  let images: Float32Array;
  if (arr.dtype === 'u1') {
    images = bytesToUnit(arr.data.subarray(0, n));
  } else if (arr.dtype === 'f4' || arr.dtype === 'f8') {
    images = arr.dtype === 'f4' ? readFloat32(arr.data, n) : Float32Array.from(readFloat64(arr.data, n));
    for (let i = 0; i < n; i++) {
      const v = images[i];
      // Written so that NaN fails too.
      if (!(v >= 0 && v <= 1)) {
        throw new Error(`${imagesPath}: float value ${v} (image ${Math.floor(i / perImage)}) outside [0, 1]; scale images to [0, 1] (or save uint8 pixels)`);
      }
    }
  } else {
    throw new Error(`${imagesPath}: unsupported image dtype '${arr.descr}' (expected uint8, float32 or float64)`);
  }

  let labels: Int32Array | null = null;
  if (opts.labels !== undefined) {
    const lab = readNpy(opts.labels);
    labels = labelsFromNpy(lab, opts.labels, total, imagesPath, count);
  }
  let labelNames: string[] | null = null;
  if (labels !== null) {
    labelNames = opts.labelNames ?? defaultLabelNames(labels);
    const max = labels.reduce((m, v) => Math.max(m, v), -1);
    if (max >= labelNames.length) {
      throw new Error(`${opts.labels}: label ${max} found, but only ${labelNames.length} class names were given`);
    }
  }
  return { images, labels, shape, count, labelNames, name: opts.name ?? imagesPath };
}

/** Check a labels array against the images and convert its first `count` entries to int32. */
function labelsFromNpy(lab: NpyArray, path: string, total: number, imagesPath: string, count: number): Int32Array {
  if (lab.fortranOrder && lab.shape.length > 1) {
    throw new Error(`${path}: Fortran-order arrays are not supported; save with np.ascontiguousarray(y)`);
  }
  const s = lab.shape;
  if (!(s.length === 1 || (s.length === 2 && s[1] === 1))) {
    throw new Error(`${path}: expected labels of shape [N] or [N, 1], got ${fmtShape(s)}`);
  }
  if (s[0] !== total) {
    throw new Error(`${path}: ${s[0]} labels but ${imagesPath} has ${total} images`);
  }
  if (lab.dtype === 'f4' || lab.dtype === 'f8') {
    throw new Error(`${path}: unsupported label dtype '${lab.descr}' (expected an integer dtype such as int64, int32, uint8)`);
  }
  const size = ITEM_SIZE[lab.dtype];
  const signed = lab.dtype[0] === 'i';
  const view = new DataView(lab.data.buffer, lab.data.byteOffset, lab.data.byteLength);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    let v: number;
    switch (size) {
      case 1:
        v = signed ? view.getInt8(o) : view.getUint8(o);
        break;
      case 2:
        v = signed ? view.getInt16(o, true) : view.getUint16(o, true);
        break;
      case 4:
        v = signed ? view.getInt32(o, true) : view.getUint32(o, true);
        break;
      default:
        v = Number(signed ? view.getBigInt64(o, true) : view.getBigUint64(o, true));
    }
    // Labels are class indices (one-hot for a conditional VAE, colours in plots).
    if (v < 0 || v > 0x7fffffff) throw new Error(`${path}: label ${v} at index ${i} is not a class index (expected 0 or more)`);
    out[i] = v;
  }
  return out;
}

/** Little-endian float32s → Float32Array (copied, since the payload offset need not be aligned). */
function readFloat32(bytes: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * 4));
  } else {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
  }
  return out;
}

function readFloat64(bytes: Uint8Array, n: number): Float64Array {
  const out = new Float64Array(n);
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * 8));
  } else {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
  }
  return out;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
