/**
 * Pictures as PNG bytes (pngjs does the encoding): grids of images, as the seeds plot them.
 */
import { PNG } from 'pngjs';

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
  const [h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new RangeError(`imageGrid: expected 1 or 3 channels, got shape [${shape.join(',')}]`);
  const per = h * w * c;
  if (images.length === 0 || images.length % per !== 0) throw new RangeError(`imageGrid: expected N × ${per} values for images of [${shape.join(',')}], got ${images.length}`);
  const n = images.length / per;
  const cols = opts.columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const scale = opts.scale ?? 2;
  const gap = opts.gap ?? 2;
  const png = new PNG({ width: cols * w * scale + (cols + 1) * gap, height: rows * h * scale + (rows + 1) * gap });
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
