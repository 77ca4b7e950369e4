/**
 * Drawing decoded images: a canvas holds the images at their own pixel size (so a 28×28 digit is
 * 28×28 canvas pixels) and CSS scales it up by a whole factor with `image-rendering: pixelated`.
 * Values are clipped to [0, 1] (a linear decoder, like geron-dense's, can leave that range).
 */

// One palette for the whole toolkit: the page colours classes as the SVG plots and the report do.
export { classColor, PALETTE } from '../../src/viz/plots.js';

/** Layout of a grid of images. */
export interface GridOptions {
  /** Images per row (default: all in one row). */
  columns?: number;
  /** Canvas pixels between images (default 1). */
  gap?: number;
  /** CSS pixels per image pixel (default 2). */
  scale?: number;
  /** Draw at most this many CSS pixels wide: the scale shrinks to fit (whole factors only, at least 1). */
  maxWidth?: number;
  /** Gap colour, [r, g, b] (default the card's white). */
  background?: [number, number, number];
}

/** Where image i sits in a grid drawn by {@link drawGrid}, in canvas pixels. */
export interface GridGeometry {
  columns: number;
  rows: number;
  gap: number;
  scale: number;
  cellW: number;
  cellH: number;
}

/**
 * Draws n images (NHWC, H·W·C values each, channels 1 or 3) into `canvas` as a grid and
 * returns its geometry.
 */
export function drawGrid(canvas: HTMLCanvasElement, images: ArrayLike<number>, n: number, shape: readonly [number, number, number], opts: GridOptions = {}): GridGeometry {
  const [h, w, c] = shape;
  const columns = Math.max(1, Math.min(n, opts.columns ?? n));
  const rows = Math.max(1, Math.ceil(n / columns));
  const gap = opts.gap ?? 1;
  const width = columns * w + (columns - 1) * gap;
  const height = rows * h + (rows - 1) * gap;
  let scale = opts.scale ?? 2;
  if (opts.maxWidth) scale = Math.max(1, Math.min(scale, Math.floor(opts.maxWidth / width)));
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  canvas.style.width = `${width * scale}px`;
  canvas.style.height = `${height * scale}px`;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const img = ctx.createImageData(width, height);
  const px = img.data;
  const [br, bg, bb] = opts.background ?? [255, 255, 255];
  for (let i = 0; i < px.length; i += 4) {
    px[i] = br;
    px[i + 1] = bg;
    px[i + 2] = bb;
    px[i + 3] = 255;
  }
  const per = h * w * c;
  for (let k = 0; k < n; k++) {
    const x0 = (k % columns) * (w + gap);
    const y0 = Math.floor(k / columns) * (h + gap);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const src = k * per + (y * w + x) * c;
        const dst = ((y0 + y) * width + x0 + x) * 4;
        for (let ch = 0; ch < 3; ch++) {
          const v = images[src + (c === 3 ? ch : 0)];
          px[dst + ch] = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
        }
      }
  }
  ctx.putImageData(img, 0, 0);
  return { columns, rows, gap, scale, cellW: w + gap, cellH: h + gap };
}

/** Draws one image at `scale` CSS pixels per pixel. */
export function drawImage(canvas: HTMLCanvasElement, image: ArrayLike<number>, shape: readonly [number, number, number], scale: number): void {
  drawGrid(canvas, image, 1, shape, { scale, gap: 0 });
}

/** The index of the grid image under a mouse event, or -1. */
export function gridIndexAt(canvas: HTMLCanvasElement, g: GridGeometry, n: number, e: MouseEvent): number {
  const r = canvas.getBoundingClientRect();
  const x = ((e.clientX - r.left) / r.width) * canvas.width;
  const y = ((e.clientY - r.top) / r.height) * canvas.height;
  const col = Math.floor(x / g.cellW);
  const row = Math.floor(y / g.cellH);
  const k = row * g.columns + col;
  return col >= 0 && col < g.columns && row >= 0 && k < n ? k : -1;
}

/** uint8 base64 (explorer.json's test images) → Float32 values in [0, 1]. */
export function decodeImages(base64: string): Float32Array {
  const bin = atob(base64);
  const out = new Float32Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i) / 255;
  return out;
}
