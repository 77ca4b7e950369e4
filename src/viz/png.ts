/**
 * Pictures as PNG bytes (pngjs does the encoding): grids of images, as the seeds plot them.
 */
import { PNG } from 'pngjs';
import { expectInt } from '../util/check.js';

/** Most images one grid may hold. */
export const MAX_GRID_IMAGES = 10_000;
/** Widest and tallest grid, in pixels (a PNG's rows are held in memory while it is encoded). */
export const MAX_GRID_SIDE = 16_384;

/** Options for {@link imageGrid}. */
export interface GridOptions {
  /** Images per row (default: ceil(sqrt(n))). */
  columns?: number;
  /** Each image pixel becomes a scale × scale block (default 2). */
  scale?: number;
  /** Pixels of padding between images (default 2, drawn white). */
  gap?: number;
}

/**
 * Lays out N images (NHWC, values in [0,1], 1 or 3 channels) in a grid and encodes it as PNG.
 * Values outside [0,1] (linear decoders) are clipped.
 */
export function imageGrid(images: Float32Array, shape: readonly [number, number, number], opts: GridOptions = {}): Buffer {
  if (!(images instanceof Float32Array)) throw new TypeError(`imageGrid: images expects a Float32Array, got ${images === null ? 'null' : typeof images}`);
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0))
    throw new TypeError(`imageGrid: shape expects [height, width, channels], got ${JSON.stringify(shape)}`);
  const [h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new RangeError(`imageGrid: expected 1 or 3 channels, got shape [${shape.join(',')}]`);
  const per = h * w * c;
  if (images.length === 0 || images.length % per !== 0) throw new RangeError(`imageGrid: expected N × ${per} values for images of [${shape.join(',')}], got ${images.length}`);
  const n = images.length / per;
  if (n > MAX_GRID_IMAGES) throw new RangeError(`imageGrid: ${n} images, more than the limit of ${MAX_GRID_IMAGES.toLocaleString('en-US')} in one picture`);
  const cols = expectInt('imageGrid: columns', opts.columns ?? Math.ceil(Math.sqrt(n)), 1, MAX_GRID_IMAGES);
  const rows = Math.ceil(n / cols);
  const scale = expectInt('imageGrid: scale', opts.scale ?? 2, 1, 64);
  const gap = expectInt('imageGrid: gap', opts.gap ?? 2, 0, 64);
  const width = cols * w * scale + (cols + 1) * gap;
  const height = rows * h * scale + (rows + 1) * gap;
  if (width > MAX_GRID_SIDE || height > MAX_GRID_SIDE)
    throw new RangeError(
      `imageGrid: a ${width.toLocaleString('en-US')} × ${height.toLocaleString('en-US')} px picture is larger than the limit of ${MAX_GRID_SIDE.toLocaleString('en-US')} px a side (fewer images or columns)`,
    );
  const png = new PNG({ width, height });
  png.data.fill(255);
  for (let k = 0; k < n; k++) {
    const ox = gap + (k % cols) * (w * scale + gap);
    const oy = gap + Math.floor(k / cols) * (h * scale + gap);
    for (let y = 0; y < h * scale; y++)
      for (let x = 0; x < w * scale; x++) {
        const src = k * per + (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
        const dst = ((oy + y) * png.width + ox + x) * 4;
        for (let ch = 0; ch < 3; ch++) png.data[dst + ch] = Math.round(255 * Math.min(1, Math.max(0, images[src + (c === 3 ? ch : 0)])));
        png.data[dst + 3] = 255;
      }
  }
  // Grayscale images are written as 8-bit gray: a quarter of the bytes of RGBA.
  return PNG.sync.write(png, c === 1 ? { colorType: 0, inputHasAlpha: true } : { colorType: 2, inputHasAlpha: true });
}
