/**
 * The latent-space explorer page: Generate, Steer, Map, Morph and Reconstruct over one run,
 * every image decoded here with onnxruntime-web. Plain DOM and canvas.
 *
 * Tests drive it through `window.__vaekit` (ready, idle, decodeLatencyMs) and the elements'
 * data-testid attributes.
 */
import { Rng } from '../../src/rng.js';
import { lerp, slerp } from '../../src/tools/latent.js';
import { classColor, decodeImages, drawGrid, drawImage, gridIndexAt, type GridGeometry } from './draw.js';
import type { Latency, ReadyInfo, VaekitHook } from './hook.js';
import { Model } from './model.js';
import './style.css';

// ---- small helpers ------------------------------------------------------------------------------

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: #${id} is missing`);
  return el as T;
}

function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

const errors: string[] = [];
function showError(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  errors.push(msg);
  const box = $('error');
  box.textContent = `Error: ${msg}`;
  box.hidden = false;
  console.error(e);
}

// Every decode is tracked, so tests (and the busy flag) can wait until the page is settled.
let inflight = 0;
let waiters: (() => void)[] = [];
function track<T>(p: Promise<T>): Promise<T> {
  inflight++;
  $('cards').setAttribute('aria-busy', 'true');
  return p.finally(() => {
    if (--inflight > 0) return;
    $('cards').setAttribute('aria-busy', 'false');
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
}
function idle(): Promise<void> {
  return inflight === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
}

/**
 * Keeps an interactive view current: while one render runs, only the latest request waits, so
 * a fast slider never queues a backlog of stale decodes.
 */
class Live {
  private pending: (() => Promise<void>) | null = null;
  private running = false;

  request(job: () => Promise<void>): void {
    this.pending = job;
    if (!this.running) void track(this.loop());
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending) {
        const job = this.pending;
        this.pending = null;
        try {
          await job();
        } catch (e) {
          showError(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Scale (CSS px per image px) that makes an image about `target` CSS px wide. */
function fit(w: number, target: number): number {
  return Math.max(1, Math.floor(target / w));
}

// ---- the page -------------------------------------------------------------------------------------

async function main(): Promise<ReadyInfo> {
  const model = await Model.load('./');
  const { data, manifest } = model;
  const shape = model.shape;
  const [H, W] = shape;
  const L = model.latentDim;
  const K = model.numClasses;
  const names = data.labelNames ?? manifest.labelNames ?? [];
  const className = (k: number) => names[k] ?? String(k);
  // ?seed=N makes the page's draws repeatable (screenshots, tests).
  const seedParam = Number(new URLSearchParams(location.search).get('seed'));
  const rng = new Rng(Number.isInteger(seedParam) && seedParam > 0 ? seedParam : Date.now() >>> 0);
  const bigScale = fit(W, 140);

  // Header: what the run is, and the label picker of conditional models.
  const kind = manifest.variational ? (K ? 'conditional VAE' : 'VAE') : 'autoencoder';
  document.title = `vaekit explorer · ${manifest.preset ?? 'custom model'}`;
  $('run-info').textContent = [manifest.preset ?? 'custom model', kind, `latent ${L}`, data.dataset, `${shape.join('×')}`].join(' · ');
  let label = 0;
  const labelListeners: (() => void)[] = [];
  if (K) {
    const picker = $<HTMLSelectElement>('label-picker');
    for (let k = 0; k < K; k++) picker.append(option(String(k), className(k)));
    $('label-box').hidden = false;
    picker.addEventListener('change', () => {
      label = Number(picker.value);
      for (const f of labelListeners) f();
    });
  }

  /** A draw from the prior (or, for a plain autoencoder, from a Gaussian fitted to the test codes), n × L. */
  const stats = data.codeStats;
  const priorAt = (eps: Float32Array, temperature: number): Float32Array =>
    Float32Array.from(eps, (e, i) => (manifest.variational ? temperature * e : stats.mean[i % L] + temperature * stats.std[i % L] * e));

  // ---- Generate ----------------------------------------------------------------------------------
  const N_SAMPLES = 64;
  const genLive = new Live();
  const dist = $<HTMLSelectElement>('gen-dist');
  const temp = $<HTMLInputElement>('gen-temp');
  const range = $<HTMLInputElement>('gen-range');
  let noise: Float32Array = new Float32Array(N_SAMPLES * L);
  const draw = () => {
    noise = dist.value === 'uniform' ? Float32Array.from({ length: N_SAMPLES * L }, () => 2 * rng.uniform() - 1) : rng.normalArray(N_SAMPLES * L);
  };
  const renderGenerate = () =>
    genLive.request(async () => {
      const t = Number(temp.value);
      const eps = dist.value === 'uniform' ? noise.map((u) => u * Number(range.value)) : noise;
      const images = await model.decode(priorAt(eps, t), label);
      drawGrid($<HTMLCanvasElement>('gen-grid'), images, N_SAMPLES, shape, { columns: 8, scale: 2, maxWidth: 480 });
    });
  $('gen-button').addEventListener('click', () => {
    draw();
    renderGenerate();
  });
  dist.addEventListener('change', () => {
    $('gen-range-box').hidden = dist.value !== 'uniform';
    draw();
    renderGenerate();
  });
  temp.addEventListener('input', () => {
    $('gen-temp-out').textContent = Number(temp.value).toFixed(2);
    renderGenerate();
  });
  range.addEventListener('input', () => {
    $('gen-range-out').textContent = Number(range.value).toFixed(1);
    renderGenerate();
  });
  if (!manifest.variational) $('generate').querySelector('.hint')!.textContent = 'A plain autoencoder has no prior: draws from a Gaussian fitted to the test codes.';
  labelListeners.push(renderGenerate);

  // ---- Steer -------------------------------------------------------------------------------------
  const sl = data.sliders;
  const nSliders = sl.directions.length;
  const steerLive = new Live();
  const values = new Float64Array(nSliders);
  let residual = new Float64Array(L);
  const inputs: HTMLInputElement[] = [];
  const outputs: HTMLOutputElement[] = [];
  $('steer-hint').textContent =
    sl.kind === 'pca'
      ? `${L} latent dimensions: the sliders move along the top ${nSliders} principal directions of the test-set means (in standard deviations).`
      : manifest.variational
        ? 'One slider per latent dimension, in units of the prior’s standard deviation.'
        : 'One slider per latent dimension, in standard deviations of the test codes.';
  for (let k = 0; k < nSliders; k++) {
    const row = document.createElement('label');
    row.className = 'slider';
    const name = document.createElement('span');
    name.textContent = sl.kind === 'pca' ? `PC${k + 1}` : `z${k}`;
    if (sl.kind === 'pca' && sl.explainedVariance) name.title = `${(100 * sl.explainedVariance[k]).toFixed(1)}% of the variance of the means`;
    const input = document.createElement('input');
    Object.assign(input, { type: 'range', min: '-3', max: '3', step: '0.01', value: '0' });
    input.dataset.testid = `slider-${k}`;
    const out = document.createElement('output');
    out.textContent = '0.00';
    input.addEventListener('input', () => {
      values[k] = Number(input.value);
      out.textContent = values[k].toFixed(2);
      renderSteer();
    });
    row.append(name, input, out);
    $('sliders').append(row);
    inputs.push(input);
    outputs.push(out);
  }
  const steerZ = (): Float32Array => {
    const z = new Float32Array(L);
    for (let j = 0; j < L; j++) z[j] = sl.centre[j] + residual[j];
    for (let k = 0; k < nSliders; k++) {
      const d = sl.directions[k];
      const s = values[k] * sl.scales[k];
      if (s !== 0) for (let j = 0; j < L; j++) z[j] += s * d[j];
    }
    return z;
  };
  /** Moves the sliders to the point z (what lies outside their span, or beyond ±3, is kept as an offset). */
  const steerTo = (z: ArrayLike<number>) => {
    const r = Float64Array.from({ length: L }, (_, j) => z[j] - sl.centre[j]);
    for (let k = 0; k < nSliders; k++) {
      const d = sl.directions[k];
      let p = 0;
      for (let j = 0; j < L; j++) p += r[j] * d[j];
      const s = Math.max(-3, Math.min(3, p / sl.scales[k]));
      values[k] = s;
      for (let j = 0; j < L; j++) r[j] -= s * sl.scales[k] * d[j];
      inputs[k].value = String(s);
      outputs[k].textContent = s.toFixed(2);
    }
    residual = r;
    renderSteer();
  };
  const renderSteer = () =>
    steerLive.request(async () => {
      const image = await model.decode(steerZ(), label);
      drawImage($<HTMLCanvasElement>('steer-image'), image, shape, bigScale);
    });
  const base = $<HTMLSelectElement>('steer-base');
  base.append(option('centre', manifest.variational && sl.kind === 'axes' ? 'the origin' : 'the centre of the codes'));
  data.classMeans?.means.forEach((m, k) => m && base.append(option(`class-${k}`, `mean of ${className(k)}`)));
  base.addEventListener('change', () => {
    const k = base.value.startsWith('class-') ? Number(base.value.slice(6)) : -1;
    steerTo(k >= 0 ? data.classMeans!.means[k]! : sl.centre);
  });
  $('steer-random').addEventListener('click', () => steerTo(priorAt(rng.normalArray(L), 1)));
  $('steer-reset').addEventListener('click', () => {
    base.value = 'centre';
    steerTo(sl.centre);
  });
  labelListeners.push(renderSteer);

  // ---- Map ---------------------------------------------------------------------------------------
  const map = data.map;
  const nPoints = map.points.length / 2;
  const SIZE = 440;
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const mapCanvas = $<HTMLCanvasElement>('map-canvas');
  const overlay = $<HTMLCanvasElement>('map-overlay');
  for (const c of [mapCanvas, overlay]) {
    c.width = SIZE * dpr;
    c.height = SIZE * dpr;
    c.style.width = c.style.height = `${SIZE}px`;
  }
  // A square view around the points (equal scales on both axes), 6% margin.
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
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
  const mapZ = (x: number, y: number): Float32Array => {
    if (map.method === 'identity') return L === 1 ? Float32Array.of(x) : Float32Array.of(x, y);
    return Float32Array.from(map.centre, (c, j) => c + x * map.axes[0][j] + y * map.axes[1][j]);
  };
  const hasBackdrop = L === 2 && map.method === 'identity';
  $('map-backdrop-box').hidden = !hasBackdrop;
  $('map-hint').textContent =
    map.method === 'pca'
      ? `Test-set means projected on their first two principal components (${(100 * (map.explainedVariance?.[0] ?? 0)).toFixed(0)}% and ${(100 * (map.explainedVariance?.[1] ?? 0)).toFixed(0)}% of their variance). Hover or drag to decode a point.`
      : hasBackdrop
        ? 'Test-set means over the decoded manifold, coloured by label. Hover or drag to decode a point.'
        : 'Test-set means, coloured by label. Hover or drag to decode a point.';
  const GRID = 16;
  const backdrop = document.createElement('canvas');
  let backdropReady = false;
  const mapLive = new Live();
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
    // Cell centres of a GRID × GRID tiling of the view; row 0 is the top (largest y).
    const z = new Float32Array(GRID * GRID * 2);
    for (let r = 0; r < GRID; r++)
      for (let c = 0; c < GRID; c++) {
        const [x, y] = fromPx(((c + 0.5) / GRID) * SIZE, ((r + 0.5) / GRID) * SIZE);
        z[2 * (r * GRID + c)] = x;
        z[2 * (r * GRID + c) + 1] = y;
      }
    const images = await model.decode(z, label);
    drawGrid(backdrop, images, GRID * GRID, shape, { columns: GRID, gap: 0, scale: 1 });
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
    mapLive.request(async () => {
      const image = await model.decode(mapZ(x, y), label);
      drawImage($<HTMLCanvasElement>('map-image'), image, shape, bigScale);
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
    item.append(sw, className(k));
    legend.append(item);
  }
  labelListeners.push(() => {
    void track(renderBackdrop().catch(showError));
    if (marker) decodeAt(...marker);
  });

  // ---- Morph -------------------------------------------------------------------------------------
  const STEPS = 10;
  const testImages = decodeImages(data.images.data);
  const nImages = data.images.count;
  const imageLabel = (i: number) => data.images.labels?.[i] ?? 0;
  const mode = $<HTMLSelectElement>('morph-mode');
  const from = $<HTMLSelectElement>('morph-from');
  const to = $<HTMLSelectElement>('morph-to');
  const method = $<HTMLSelectElement>('morph-method');
  const tSlider = $<HTMLInputElement>('morph-t');
  const morphLive = new Live();
  const classesWithMeans = (data.classMeans?.means ?? []).flatMap((m, k) => (m ? [k] : []));
  if (classesWithMeans.length < 2) {
    mode.value = 'images';
    mode.querySelector('option[value="classes"]')!.remove();
  }
  const fillEnds = () => {
    from.replaceChildren();
    to.replaceChildren();
    if (mode.value === 'classes') {
      for (const k of classesWithMeans) {
        from.append(option(String(k), className(k)));
        to.append(option(String(k), className(k)));
      }
      const a = classesWithMeans.includes(1) && classesWithMeans.includes(7) ? 1 : classesWithMeans[0];
      from.value = String(a);
      to.value = String(a === 1 ? 7 : classesWithMeans[1]);
    } else {
      for (let i = 0; i < nImages; i++) {
        const text = `#${data.images.indices[i]}${data.images.labels ? ` (${className(imageLabel(i))})` : ''}`;
        from.append(option(String(i), text));
        to.append(option(String(i), text));
      }
      from.value = '0';
      to.value = String(Math.min(1, nImages - 1));
    }
  };
  /** The two ends of the path and, for conditional models, their classes. */
  let ends: { a: Float32Array; b: Float32Array; la: number; lb: number } | null = null;
  const point = (t: number) => (method.value === 'slerp' ? slerp(ends!.a, ends!.b, t) : lerp(ends!.a, ends!.b, t));
  const nearer = (t: number) => (t < 0.5 ? ends!.la : ends!.lb);
  const placeMarker = () => {
    const strip = $<HTMLCanvasElement>('morph-strip');
    const t = Number(tSlider.value);
    const w = strip.getBoundingClientRect().width || strip.width;
    const cell = w / STEPS;
    $('morph-marker').style.left = `${cell / 2 + t * (w - cell)}px`;
    $('morph-t-out').textContent = t.toFixed(2);
  };
  const renderMorphPoint = () =>
    morphLive.request(async () => {
      if (!ends) return;
      const t = Number(tSlider.value);
      const image = await model.decode(point(t), nearer(t));
      drawImage($<HTMLCanvasElement>('morph-image'), image, shape, bigScale);
    });
  const renderMorph = () =>
    morphLive.request(async () => {
      const ia = Number(from.value);
      const ib = Number(to.value);
      if (mode.value === 'classes') {
        ends = { a: Float32Array.from(data.classMeans!.means[ia]!), b: Float32Array.from(data.classMeans!.means[ib]!), la: ia, lb: ib };
      } else {
        const per = model.pixels;
        const x = new Float32Array(2 * per);
        x.set(testImages.subarray(ia * per, (ia + 1) * per));
        x.set(testImages.subarray(ib * per, (ib + 1) * per), per);
        const means = await model.encode(x, [imageLabel(ia), imageLabel(ib)]);
        ends = { a: means.slice(0, L), b: means.slice(L), la: imageLabel(ia), lb: imageLabel(ib) };
      }
      const z = new Float32Array(STEPS * L);
      const labels: number[] = [];
      for (let i = 0; i < STEPS; i++) {
        const t = i / (STEPS - 1);
        z.set(i === 0 ? ends.a : i === STEPS - 1 ? ends.b : point(t), i * L);
        labels.push(nearer(t));
      }
      const strip = await model.decode(z, labels);
      drawGrid($<HTMLCanvasElement>('morph-strip'), strip, STEPS, shape, { columns: STEPS, scale: 2, maxWidth: 600 });
      placeMarker();
      const t = Number(tSlider.value);
      drawImage($<HTMLCanvasElement>('morph-image'), await model.decode(point(t), nearer(t)), shape, bigScale);
    });
  mode.addEventListener('change', () => {
    fillEnds();
    renderMorph();
  });
  for (const el of [from, to, method]) el.addEventListener('change', renderMorph);
  tSlider.addEventListener('input', () => {
    placeMarker();
    renderMorphPoint();
  });
  $<HTMLCanvasElement>('morph-strip').addEventListener('click', (e) => {
    const r = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    const k = Math.max(0, Math.min(STEPS - 1, Math.floor(((e.clientX - r.left) / r.width) * STEPS)));
    tSlider.value = String(k / (STEPS - 1));
    placeMarker();
    renderMorphPoint();
  });
  fillEnds();

  // ---- Reconstruct -------------------------------------------------------------------------------
  const gallery = $<HTMLCanvasElement>('recon-gallery');
  const reconLive = new Live();
  let geometry: GridGeometry | null = null;
  let selected = 0;
  const placeSelection = () => {
    if (!geometry) return;
    const box = $('gallery-sel');
    const s = geometry.scale;
    box.style.left = `${(selected % geometry.columns) * geometry.cellW * s - 2}px`;
    box.style.top = `${Math.floor(selected / geometry.columns) * geometry.cellH * s - 2}px`;
    box.style.width = `${W * s + 4}px`;
    box.style.height = `${H * s + 4}px`;
  };
  const renderReconstruct = () =>
    reconLive.request(async () => {
      const per = model.pixels;
      const x = testImages.slice(selected * per, (selected + 1) * per);
      const l = imageLabel(selected);
      const mean = await model.encode(x, l);
      const xHat = await model.decode(mean, l);
      drawImage($<HTMLCanvasElement>('recon-original'), x, shape, bigScale);
      drawImage($<HTMLCanvasElement>('recon-output'), xHat, shape, bigScale);
      let se = 0;
      for (let i = 0; i < per; i++) se += (Math.min(1, Math.max(0, xHat[i])) - x[i]) ** 2;
      $('recon-caption').textContent = `test image #${data.images.indices[selected]}${data.images.labels ? ` · ${className(l)}` : ''}`;
      $('recon-error').textContent = `reconstruction · MSE ${(se / per).toFixed(4)}`;
      placeSelection();
    });
  gallery.addEventListener('click', (e) => {
    if (!geometry) return;
    const k = gridIndexAt(gallery, geometry, nImages, e);
    if (k < 0) return;
    selected = k;
    placeSelection();
    renderReconstruct();
  });
  geometry = drawGrid(gallery, testImages, nImages, shape, { columns: Math.max(1, Math.min(nImages, Math.floor(560 / (W + 1)))), scale: 1 });

  // ---- first draw --------------------------------------------------------------------------------
  draw();
  renderGenerate();
  steerTo(sl.centre);
  drawMap();
  await track(renderBackdrop());
  decodeAt(...toPx(0, 0));
  renderMorph();
  renderReconstruct();
  await idle();
  if (errors.length) throw new Error(errors[0]);

  // Latency of the decoder in this page, shown in the footer.
  const lat = await decodeLatency(model, 64, 5);
  $('latency').textContent = `decoder: ${lat.perImageMs.toFixed(2)} ms per image (batches of 64)`;
  hook.decodeLatencyMs = (n = 64, runs = 10) => track(decodeLatency(model, n, runs));
  return { latentDim: L, numClasses: manifest.numClasses, sliders: nSliders, preset: manifest.preset };
}

async function decodeLatency(model: Model, n: number, runs: number): Promise<Latency> {
  const rng = new Rng(12345);
  const z = rng.normalArray(n * model.latentDim);
  const labels = Array.from({ length: n }, (_, i) => (model.numClasses ? i % model.numClasses : 0));
  await model.decode(z, labels); // warm-up
  const callsMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await model.decode(z, labels);
    callsMs.push(performance.now() - t0);
  }
  const m = median(callsMs);
  return { n, perImageMs: m / n, medianCallMs: m, callsMs };
}

const hook: VaekitHook = {
  ready: null as unknown as VaekitHook['ready'],
  idle,
  decodeLatencyMs: () => Promise.reject(new Error('the model is not loaded yet')),
  errors,
};
window.__vaekit = hook;
hook.ready = main();
hook.ready.catch((e) => showError(e));
