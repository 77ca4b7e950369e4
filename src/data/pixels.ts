/**
 * The pixel side of an image folder, browser-safe (no files, no PNG/JPEG decoding): decoded
 * RGBA images become a {@link Dataset} — labels from the first folder level, channels, resizing —
 * by the same rules whether Node read the folder (`loadImageFolder` in images.ts) or a page had
 * the browser decode the files the user dropped.
 *
 *     cat/001.png, dog/002.jpg   → labelled; classes = sub-folder names, sorted
 *     001.png, 002.png           → unlabelled
 *
 * Order is by code unit (not locale), so a seeded run sees the same order on every machine.
 */
import type { Dataset } from './dataset.js';

/** How {@link resizeImage} interpolates. */
export type ResizeMethod = 'bilinear' | 'area';

/** Options of `loadImageFolder` and {@link datasetFromImages}. */
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

/** An image decoded to 8-bit RGBA. */
export interface DecodedImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, RGBA, row-major. */
  data: Uint8Array | Uint8ClampedArray;
}

/** Widest or tallest image the readers decode (a header can claim up to 2³² px a side). */
export const MAX_IMAGE_SIDE = 16_384;

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Whether a file name has an image extension the readers take (.png, .jpg, .jpeg, any case). */
export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e) && lower.length > e.length);
}

/** Checks `size`, `channels` and `resize`. @throws RangeError (one line) naming the option. */
export function checkImageOptions(opts: ImageFolderOptions): void {
  if (opts.size !== undefined) checkSize(opts.size);
  if (opts.channels !== undefined && opts.channels !== 1 && opts.channels !== 3) {
    throw new RangeError(`channels: expected 1 or 3, got ${String(opts.channels)}`);
  }
  if (opts.resize !== undefined && opts.resize !== 'bilinear' && opts.resize !== 'area') {
    throw new RangeError(`resize: expected 'bilinear' or 'area', got ${JSON.stringify(opts.resize)}`);
  }
}

/**
 * Decoded images, with their paths relative to the data set's folder ('cat/001.png' or
 * '001.png', '/'-separated), as a {@link Dataset}: the same layout rules as `loadImageFolder`.
 * Hidden entries (a path part starting with '.'), files without an image extension and files
 * deeper than one sub-folder are ignored; the input order does not matter.
 * @throws Error (one line) for no images, a folder mixing images and class sub-folders, or
 *   images of different sizes without `size`; RangeError for a bad option.
 */
export function datasetFromImages(images: readonly { path: string; image: DecodedImage }[], opts: ImageFolderOptions & { name: string }): Dataset {
  checkImageOptions(opts);
  const where = opts.name;
  const visible = images
    .map((im) => ({ ...im, parts: im.path.split('/').filter((p) => p !== '') }))
    .filter((im) => im.parts.length >= 1 && !im.parts.some((p) => p.startsWith('.')));
  // Every sub-folder that holds any file is a class (as Node's readdir sees it), images or not.
  const labelNames = [...new Set(visible.filter((im) => im.parts.length >= 2).map((im) => im.parts[0]))].sort(byCodeUnit);
  const isImage = (im: { parts: string[] }) => isImageName(im.parts[im.parts.length - 1]);
  const top = visible.filter((im) => im.parts.length === 1 && isImage(im)).sort((a, b) => byCodeUnit(a.parts[0], b.parts[0]));
  const nested = visible.filter((im) => im.parts.length === 2 && isImage(im)).sort((a, b) => byCodeUnit(a.parts[0], b.parts[0]) || byCodeUnit(a.parts[1], b.parts[1]));
  if (top.length > 0 && labelNames.length > 0) {
    throw new Error(`${where}: mixes images (${top[0].parts[0]}) and sub-folders (${labelNames[0]}/); put all images in class sub-folders or none`);
  }
  if (top.length > 0) return assembleImages(top, top.length, { labels: null, labelNames: null }, opts, where);
  if (labelNames.length === 0) throw new Error(`${where}: no PNG or JPEG images found`);
  const empty = labelNames.find((c) => !nested.some((im) => im.parts[0] === c));
  if (empty !== undefined) throw new Error(`${where}/${empty}: class folder holds no PNG or JPEG images`);
  const index = new Map(labelNames.map((n, k) => [n, k]));
  const labels = Int32Array.from(nested, (im) => index.get(im.parts[0])!);
  return assembleImages(nested, nested.length, { labels, labelNames }, opts, where);
}

/**
 * Images in load order (an iterable, so Node decodes one file at a time) and their labels as a
 * {@link Dataset} named `name`. `where` prefixes errors (the folder). Options must be checked
 * ({@link checkImageOptions}).
 * @throws Error (one line) when images differ in size without `size`, or there are none.
 */
export function assembleImages(
  images: Iterable<{ path: string; image: DecodedImage }>,
  count: number,
  layout: { labels: Int32Array | null; labelNames: string[] | null },
  opts: ImageFolderOptions & { name: string },
  where: string,
): Dataset {
  const size = opts.size;
  // Without `channels`, write RGB and narrow to one channel at the end if every image was gray:
  // the answer is only known after the last image.
  const outC = opts.channels ?? 3;
  let shape: [number, number] | null = size ?? null;
  let firstFile = '';
  let firstSize: [number, number] = [0, 0];
  let out: Float32Array | null = null;
  let allGray = true;
  let n = 0;
  for (const { path, image: img } of images) {
    if (n >= count) throw new RangeError(`assembleImages: more than the ${count} images announced`);
    if (n === 0) {
      firstFile = path;
      firstSize = [img.height, img.width];
    }
    if (shape === null) shape = [img.height, img.width];
    if (size === undefined && (img.height !== shape[0] || img.width !== shape[1])) {
      throw new Error(
        `${where}: images differ in size: ${firstFile} is ${firstSize[0]}×${firstSize[1]} but ${path} is ` +
          `${img.height}×${img.width} (height×width); pass \`size\` [h, w] to resize them`,
      );
    }
    if (out === null) out = new Float32Array(count * shape[0] * shape[1] * outC);
    if (allGray && opts.channels === undefined) allGray = isGray(img);
    let pixels = toChannels(img, outC);
    if (img.height !== shape[0] || img.width !== shape[1]) {
      const method = opts.resize ?? (shape[0] <= img.height && shape[1] <= img.width ? 'area' : 'bilinear');
      pixels = resizeImage(pixels, [img.height, img.width, outC], shape, method);
    }
    out.set(pixels, n * pixels.length);
    n++;
  }
  if (out === null || shape === null) throw new Error(`${where}: no images`);
  if (n !== count) throw new RangeError(`assembleImages: ${n} images, ${count} announced`);
  let channels: number = outC;
  if (opts.channels === undefined && allGray) {
    out = keepFirstChannel(out, 3);
    channels = 1;
  }
  return { images: out, labels: layout.labels, shape: [shape[0], shape[1], channels], count, labelNames: layout.labelNames, name: opts.name };
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

/** `size` when it is [height, width] of positive integers. @throws RangeError (one line) otherwise. */
export function checkSize(size: [number, number]): [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`size: expected [height, width] of positive integers, got ${JSON.stringify(size)}`);
  }
  return size;
}

/** Compares strings by UTF-16 code unit (not locale), so sorting is the same on every machine. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
