/**
 * A folder of the user's own PNG/JPEG images as a {@link Dataset} (SPEC: "train on one's own
 * image dataset"). Two layouts:
 *
 *     folder/cat/001.png, folder/dog/002.jpg   → labelled; classes = sub-folder names, sorted
 *     folder/001.png, folder/002.png           → unlabelled
 *
 * Files are taken in sorted order (by code unit, not locale, so the order — and therefore a
 * seeded run — is the same on every machine). Pixels become floats in [0, 1]; alpha is
 * dropped. Images can be resized and converted to grayscale or RGB on the way in.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Dataset } from './dataset.js';
import { errorReason } from './util.js';

/** How {@link resizeImage} interpolates. */
export type ResizeMethod = 'bilinear' | 'area';

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Resize every image to [height, width]. Without it all images must have the same size. */
  size?: [number, number];
  /**
   * 1 = grayscale (luminance 0.299 R + 0.587 G + 0.114 B), 3 = RGB. Default: 1 when every
   * pixel of every image is gray (R = G = B), else 3.
   */
  channels?: 1 | 3;
  /**
   * Interpolation when resizing. Default: 'area' (average over each output pixel's footprint,
   * which does not alias when shrinking) if no side grows, else 'bilinear'.
   */
  resize?: ResizeMethod;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** An image decoded to 8-bit RGBA. */
export interface DecodedImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, RGBA, row-major. */
  data: Uint8Array;
}

/**
 * Load a folder of PNG/JPEG images. Labels come from sub-folder names (sorted), or are null
 * when the images sit directly in the folder.
 * @throws Error (one line) for an empty folder, a folder mixing images and class sub-folders,
 *   an image that cannot be decoded (naming the file), or images of different sizes without
 *   `size` (naming two files and their sizes).
 */
export function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Dataset {
  const size = opts.size === undefined ? undefined : checkSize(opts.size);
  if (opts.channels !== undefined && opts.channels !== 1 && opts.channels !== 3) {
    throw new RangeError(`channels: expected 1 or 3, got ${String(opts.channels)}`);
  }
  if (opts.resize !== undefined && opts.resize !== 'bilinear' && opts.resize !== 'area') {
    throw new RangeError(`resize: expected 'bilinear' or 'area', got ${JSON.stringify(opts.resize)}`);
  }
  const { files, labels, labelNames } = listImages(dir);

  // Without `channels`, write RGB and narrow to one channel at the end if every image was gray:
  // the answer is only known after the last image.
  const outC = opts.channels ?? 3;
  let shape: [number, number] | null = size ?? null;
  let firstFile = '';
  let firstSize: [number, number] = [0, 0];
  let images: Float32Array | null = null;
  let allGray = true;
  for (let n = 0; n < files.length; n++) {
    const file = files[n];
    const img = decodeImage(file);
    if (n === 0) {
      firstFile = file;
      firstSize = [img.height, img.width];
    }
    if (shape === null) shape = [img.height, img.width];
    if (size === undefined && (img.height !== shape[0] || img.width !== shape[1])) {
      throw new Error(
        `${dir}: images differ in size: ${firstFile} is ${firstSize[0]}×${firstSize[1]} but ${file} is ` +
          `${img.height}×${img.width} (height×width); pass \`size\` [h, w] to resize them`,
      );
    }
    if (images === null) images = new Float32Array(files.length * shape[0] * shape[1] * outC);
    if (allGray && opts.channels === undefined) allGray = isGray(img);
    let pixels = toChannels(img, outC);
    if (img.height !== shape[0] || img.width !== shape[1]) {
      const method = opts.resize ?? (shape[0] <= img.height && shape[1] <= img.width ? 'area' : 'bilinear');
      pixels = resizeImage(pixels, [img.height, img.width, outC], shape, method);
    }
    images.set(pixels, n * pixels.length);
  }
  if (images === null || shape === null) throw new Error(`${dir}: no images`); // listImages already refuses this
  let channels: number = outC;
  if (opts.channels === undefined && allGray) {
    images = keepFirstChannel(images, 3);
    channels = 1;
  }
  return {
    images,
    labels,
    shape: [shape[0], shape[1], channels],
    count: files.length,
    labelNames,
    name: basename(dir.replace(/[/\\]+$/, '')) || dir,
  };
}

/**
 * The image files of a folder in load order, with labels when they sit in class sub-folders.
 * Hidden entries and files of other types are ignored.
 */
function listImages(dir: string): { files: string[]; labels: Int32Array | null; labelNames: string[] | null } {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((e) => !e.startsWith('.'));
  } catch (e) {
    throw new Error(`${dir}: cannot read image folder (${errorReason(e)})`);
  }
  const subdirs: string[] = [];
  const files: string[] = [];
  for (const e of entries.sort(byCodeUnit)) {
    const p = join(dir, e);
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory(); // follows symlinks, unlike Dirent
    } catch (err) {
      throw new Error(`${p}: cannot read (${errorReason(err)})`);
    }
    if (isDir) subdirs.push(e);
    else if (IMAGE_EXTENSIONS.has(extname(e).toLowerCase())) files.push(p);
  }
  if (subdirs.length > 0 && files.length > 0) {
    throw new Error(`${dir}: mixes images (${basename(files[0])}) and sub-folders (${subdirs[0]}/); put all images in class sub-folders or none`);
  }
  if (subdirs.length === 0) {
    if (files.length === 0) throw new Error(`${dir}: no PNG or JPEG images found (empty folder)`);
    return { files, labels: null, labelNames: null };
  }
  const all: string[] = [];
  const labels: number[] = [];
  subdirs.forEach((cls, k) => {
    const classDir = join(dir, cls);
    const inClass = readdirSync(classDir)
      .filter((e) => !e.startsWith('.') && IMAGE_EXTENSIONS.has(extname(e).toLowerCase()))
      .sort(byCodeUnit)
      .map((e) => join(classDir, e))
      .filter((p) => statSync(p).isFile());
    if (inClass.length === 0) throw new Error(`${classDir}: class folder holds no PNG or JPEG images`);
    for (const p of inClass) {
      all.push(p);
      labels.push(k);
    }
  });
  return { files: all, labels: Int32Array.from(labels), labelNames: subdirs };
}

/**
 * Decode a PNG or JPEG file to 8-bit RGBA; the format is taken from the file's magic bytes,
 * so a mis-named file still decodes.
 * @throws Error naming the file when it cannot be read or decoded.
 */
export function decodeImage(path: string): DecodedImage {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read image (${errorReason(e)})`);
  }
  const isPng = buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47;
  const isJpeg = buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
  // A header may claim any size: refuse what no training image is before a decoder allocates it.
  const claimed = isPng && buf.length >= 24 ? [buf.readUInt32BE(16), buf.readUInt32BE(20)] : isJpeg ? jpegSize(buf) : null;
  if (claimed && (claimed[0] > MAX_IMAGE_SIDE || claimed[1] > MAX_IMAGE_SIDE))
    throw new Error(`${path}: a ${claimed[0]} × ${claimed[1]} px image is larger than the limit of ${MAX_IMAGE_SIDE} px a side`);
  try {
    if (isPng) {
      // pngjs expands every colour type and bit depth (16-bit is rescaled) to 8-bit RGBA.
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (isJpeg) {
      const j = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
      return { width: j.width, height: j.height, data: j.data };
    }
  } catch (e) {
    // The decoders' own TypeErrors and RangeErrors on damaged data say nothing to a user.
    const reason = e instanceof TypeError || e instanceof RangeError ? 'damaged or unsupported data' : errorReason(e);
    throw new Error(`${path}: cannot decode ${isPng ? 'PNG' : 'JPEG'} image (${reason})`);
  }
  throw new Error(`${path}: not a PNG or JPEG image (unrecognised file signature)`);
}

/** Widest or tallest image the readers decode (a header can claim up to 2³² px a side). */
export const MAX_IMAGE_SIDE = 16_384;

/** [width, height] from a JPEG's first start-of-frame marker, or null when none is found. */
function jpegSize(buf: Buffer): [number, number] | null {
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return [buf.readUInt16BE(i + 7), buf.readUInt16BE(i + 5)];
    i += 2 + len;
  }
  return null;
}

/** RGBA bytes → floats in [0, 1] with 1 (luminance) or 3 (RGB) channels, HWC. */
function toChannels(img: DecodedImage, channels: 1 | 3): Float32Array {
  const n = img.width * img.height;
  const d = img.data;
  const out = new Float32Array(n * channels);
  if (channels === 3) {
    for (let i = 0; i < n; i++) {
      out[3 * i] = d[4 * i] / 255;
      out[3 * i + 1] = d[4 * i + 1] / 255;
      out[3 * i + 2] = d[4 * i + 2] / 255;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const r = d[4 * i];
      const g = d[4 * i + 1];
      const b = d[4 * i + 2];
      // Gray pixels are copied exactly, so a grayscale PNG gives pixel/255 bit for bit.
      out[i] = r === g && g === b ? r / 255 : (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    }
  }
  return out;
}

function isGray(img: DecodedImage): boolean {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/** Keep channel 0 of an interleaved array with `c` channels. */
function keepFirstChannel(a: Float32Array, c: number): Float32Array {
  const out = new Float32Array(a.length / c);
  for (let i = 0; i < out.length; i++) out[i] = a[i * c];
  return out;
}

/**
 * Resize one HWC float image to [outH, outW] (separably: along rows, then along columns).
 * - 'bilinear': sample at the output pixel's centre mapped back (half-pixel convention, as
 *   OpenCV's INTER_LINEAR and PIL without antialiasing), clamped at the borders.
 * - 'area': each output pixel is the mean of the input area it covers, counting partly
 *   covered pixels by their fraction (OpenCV's INTER_AREA when shrinking).
 */
export function resizeImage(src: Float32Array, srcShape: [number, number, number], outSize: [number, number], method: ResizeMethod): Float32Array {
  const [h, w, c] = srcShape;
  const [oh, ow] = checkSize(outSize);
  if (src.length !== h * w * c) {
    throw new RangeError(`resizeImage: expected ${h * w * c} values for shape [${h}, ${w}, ${c}], got ${src.length}`);
  }
  const wx = axisWeights(w, ow, method);
  const wy = axisWeights(h, oh, method);
  // Pass 1: along x, [h, w, c] → [h, ow, c].
  const tmp = new Float32Array(h * ow * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      const { idx, wt } = wx[x];
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let k = 0; k < idx.length; k++) s += wt[k] * src[(y * w + idx[k]) * c + ch];
        tmp[(y * ow + x) * c + ch] = s;
      }
    }
  }
  // Pass 2: along y, [h, ow, c] → [oh, ow, c].
  const out = new Float32Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    const { idx, wt } = wy[y];
    for (let x = 0; x < ow; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let k = 0; k < idx.length; k++) s += wt[k] * tmp[(idx[k] * ow + x) * c + ch];
        // Weights sum to 1, but rounding may step a hair outside [0, 1].
        out[(y * ow + x) * c + ch] = Math.min(1, Math.max(0, s));
      }
    }
  }
  return out;
}

/** For each output index along one axis, the input indices and weights (summing to 1) that make it. */
function axisWeights(n: number, m: number, method: ResizeMethod): { idx: number[]; wt: number[] }[] {
  const scale = n / m;
  const res: { idx: number[]; wt: number[] }[] = [];
  for (let o = 0; o < m; o++) {
    if (method === 'bilinear') {
      const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), n - 1);
      const i0 = Math.floor(x);
      const i1 = Math.min(i0 + 1, n - 1);
      const f = x - i0;
      res.push(f === 0 || i1 === i0 ? { idx: [i0], wt: [1] } : { idx: [i0, i1], wt: [1 - f, f] });
    } else {
      const lo = o * scale;
      const hi = (o + 1) * scale;
      const idx: number[] = [];
      const wt: number[] = [];
      for (let i = Math.floor(lo); i < Math.min(Math.ceil(hi), n); i++) {
        const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
        if (overlap > 1e-12) {
          idx.push(i);
          wt.push(overlap / scale);
        }
      }
      res.push({ idx, wt });
    }
  }
  return res;
}

function checkSize(size: [number, number]): [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`size: expected [height, width] of positive integers, got ${JSON.stringify(size)}`);
  }
  return size;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
