/**
 * Map: the test-set means as 2-D points coloured by label (the means themselves for a 2-D
 * latent space, their first two principal components otherwise), over the decoder's manifold
 * (the library's `manifold`) when the latent space is 2-D. Hovering or dragging decodes the
 * point under the pointer (the library's `fromCoordinates` maps a PCA point back to z).
 */
import { fromCoordinates, manifold } from '../../../src/tools/latent.js';
import { classColor, drawGrid, drawImage } from '../draw.js';
import { $, Live, showError, track, type Page } from '../page.js';

const SIZE = 440;
/** Images per side of the manifold backdrop. */
const GRID = 16;

/** Wires the Map panel; returns its first render (which resolves once the backdrop is drawn). */
export function setupMap(page: Page): () => Promise<void> {
  const { model, data } = page;
  const L = model.latentDim;
  const map = data.map;
  const nPoints = map.points.length / 2;
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const mapCanvas = $<HTMLCanvasElement>('map-canvas');
  const overlay = $<HTMLCanvasElement>('map-overlay');
  for (const c of [mapCanvas, overlay]) {
    c.width = SIZE * dpr;
    c.height = SIZE * dpr;
    c.style.width = c.style.height = `${SIZE}px`;
  }
  // A square view around the points (equal scales on both axes), 6% margin.
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (let i = 0; i < nPoints; i++) {
    const x = map.points[2 * i];
    const y = map.points[2 * i + 1];
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (!(x1 > x0)) [x0, x1] = [-3, 3];
  const half = Math.max(x1 - x0, y1 - y0, 1e-3) * 0.53;
  const cx = (x0 + x1) / 2;
  const cy = y1 > y0 ? (y0 + y1) / 2 : 0;
  const view = { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
  const toPx = (x: number, y: number): [number, number] => [((x - view.x0) / (view.x1 - view.x0)) * SIZE, (1 - (y - view.y0) / (view.y1 - view.y0)) * SIZE];
  const fromPx = (px: number, py: number): [number, number] => [view.x0 + (px / SIZE) * (view.x1 - view.x0), view.y0 + (1 - py / SIZE) * (view.y1 - view.y0)];
  /** The latent vector at map point (x, y). */
  const mapZ = (x: number, y: number): Float32Array => {
    if (map.method === 'identity') return L === 1 ? Float32Array.of(x) : Float32Array.of(x, y);
    return fromCoordinates(map.centre, map.axes, [x, y]);
  };
  const hasBackdrop = L === 2 && map.method === 'identity';
  $('map-backdrop-box').hidden = !hasBackdrop;
  $('map-hint').textContent =
    map.method === 'pca'
      ? `Test-set means projected on their first two principal components (${(100 * (map.explainedVariance?.[0] ?? 0)).toFixed(0)}% and ${(100 * (map.explainedVariance?.[1] ?? 0)).toFixed(0)}% of their variance). Hover or drag to decode a point.`
      : hasBackdrop
        ? 'Test-set means over the decoded manifold, coloured by label. Hover or drag to decode a point.'
        : 'Test-set means, coloured by label. Hover or drag to decode a point.';
  const backdrop = document.createElement('canvas');
  let backdropReady = false;
  const live = new Live();
  const drawMap = () => {
    const ctx = mapCanvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#f8fafc';
    ctx.fillRect(0, 0, SIZE, SIZE);
    const showBackdrop = hasBackdrop && backdropReady && $<HTMLInputElement>('map-backdrop').checked;
    if (showBackdrop) {
      // The manifold as ink on paper (inverted), faint enough for the points to stand out.
      ctx.imageSmoothingEnabled = true;
      ctx.filter = 'invert(1)';
      ctx.globalAlpha = 0.6;
      ctx.drawImage(backdrop, 0, 0, SIZE, SIZE);
      ctx.filter = 'none';
      ctx.globalAlpha = 1;
    } else {
      // Axes through the origin.
      ctx.strokeStyle = '#e2e8f0';
      ctx.lineWidth = 1;
      const [ox, oy] = toPx(0, 0);
      ctx.beginPath();
      ctx.moveTo(ox, 0);
      ctx.lineTo(ox, SIZE);
      ctx.moveTo(0, oy);
      ctx.lineTo(SIZE, oy);
      ctx.stroke();
    }
    if ($<HTMLInputElement>('map-points').checked) {
      ctx.globalAlpha = showBackdrop ? 0.8 : 0.7;
      for (let i = 0; i < nPoints; i++) {
        const [px, py] = toPx(map.points[2 * i], map.points[2 * i + 1]);
        ctx.fillStyle = map.labels ? classColor(map.labels[i]) : classColor(0);
        ctx.beginPath();
        ctx.arc(px, py, 2.2, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.globalAlpha = 1;
    }
  };
  const renderBackdrop = async () => {
    if (!hasBackdrop) return;
    // A GRID × GRID tiling of the view: its cell centres lie within half − half/GRID of the
    // view's centre; row 0 is the top (largest z[1]), as the library lays the manifold out.
    const { images } = await manifold(model, { n: GRID, range: half - half / GRID, centre: [cx, cy], labels: page.labels(1) });
    drawGrid(backdrop, images, GRID * GRID, model.inputShape, { columns: GRID, gap: 0, scale: 1 });
    backdropReady = true;
    drawMap();
  };
  let marker: [number, number] | null = null;
  const drawMarker = () => {
    const ctx = overlay.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (!marker) return;
    const [px, py] = marker;
    ctx.strokeStyle = '#0f172a';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(px, py, 7, 0, 2 * Math.PI);
    ctx.moveTo(px - 12, py);
    ctx.lineTo(px - 4, py);
    ctx.moveTo(px + 4, py);
    ctx.lineTo(px + 12, py);
    ctx.moveTo(px, py - 12);
    ctx.lineTo(px, py - 4);
    ctx.moveTo(px, py + 4);
    ctx.lineTo(px, py + 12);
    ctx.stroke();
  };
  const decodeAt = (px: number, py: number) => {
    marker = [px, py];
    drawMarker();
    const [x, y] = fromPx(px, py);
    $('map-coords').textContent = map.method === 'pca' ? `PC1 ${x.toFixed(2)}, PC2 ${y.toFixed(2)}` : L === 1 ? `z ${x.toFixed(2)}` : `z = (${x.toFixed(2)}, ${y.toFixed(2)})`;
    live.request(async () => {
      const image = await model.decode(mapZ(x, y), page.labels(1));
      drawImage($<HTMLCanvasElement>('map-image'), image, model.inputShape, page.bigScale);
    });
  };
  const pointerAt = (e: PointerEvent): [number, number] => {
    const r = overlay.getBoundingClientRect();
    return [Math.max(0, Math.min(SIZE, ((e.clientX - r.left) / r.width) * SIZE)), Math.max(0, Math.min(SIZE, ((e.clientY - r.top) / r.height) * SIZE))];
  };
  overlay.addEventListener('pointerdown', (e) => {
    overlay.setPointerCapture(e.pointerId);
    decodeAt(...pointerAt(e));
  });
  overlay.addEventListener('pointermove', (e) => decodeAt(...pointerAt(e)));
  $('map-backdrop').addEventListener('change', drawMap);
  $('map-points').addEventListener('change', drawMap);
  const legend = $('map-legend');
  const present = new Set(map.labels ?? []);
  for (const k of [...present].sort((a, b) => a - b)) {
    const item = document.createElement('span');
    item.className = 'legend-item';
    const sw = document.createElement('i');
    sw.style.background = classColor(k);
    item.append(sw, page.className(k));
    legend.append(item);
  }
  page.onLabel(() => {
    void track(renderBackdrop().catch(showError));
    if (marker) decodeAt(...marker);
  });
  return async () => {
    drawMap();
    await track(renderBackdrop());
    decodeAt(...toPx(0, 0));
  };
}
