/**
 * Plots as self-contained SVG strings: a latent-space scatter coloured by label, panels side
 * by side (a plain autoencoder's codes next to a VAE's), and loss curves. No fonts, scripts or
 * styles are loaded from anywhere, so the strings can be written to .svg files or inlined in an
 * HTML report as they are. Every piece of user text is XML-escaped.
 */

/**
 * Ten distinguishable colours for classes (matplotlib's "tab10", the colours a Keras user's
 * plots already have). Further classes get colours spread around the hue circle.
 */
export const PALETTE: readonly string[] = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The colour of class `k`. */
export function classColor(k: number): string {
  // The golden angle keeps successive extra hues far apart.
  if (k >= 0 && k < PALETTE.length) return PALETTE[k];
  return `hsl(${Math.round((((k * 137.508) % 360) + 360) % 360)},65%,45%)`;
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Options of {@link scatterSvg}. */
export interface ScatterOptions {
  /** Name of each label value (default: the number itself). */
  labelNames?: readonly string[] | null;
  /** Title above the plot. */
  title?: string;
  /** Axis captions (default 'z[0]' and 'z[1]'). */
  xLabel?: string;
  yLabel?: string;
  /** Size of the whole picture in pixels (default 560 × 480). */
  width?: number;
  height?: number;
  /** Dot radius in pixels (default 3 for up to 500 points, else 1.5). */
  radius?: number;
}

/**
 * A scatter plot of N points (`points`: N × 2, row-major), one circle per finite point,
 * coloured by `labels` (N class indices, or null for one colour) with a legend of the label
 * names present, and axes with ticks.
 */
export function scatterSvg(points: ArrayLike<number>, labels: ArrayLike<number> | null, opts: ScatterOptions = {}): string {
  if (points == null || typeof points.length !== 'number' || points.length % 2 !== 0)
    throw new RangeError(`scatterSvg: points: expected N × 2 numbers, got ${points == null ? String(points) : `${points.length} values`}`);
  const n = points.length / 2;
  if (labels !== null && labels?.length !== n) throw new RangeError(`scatterSvg: labels: expected ${n} labels (one per point) or null, got ${labels?.length ?? String(labels)}`);
  const { width = 560, height = 480 } = opts;
  checkSize('scatterSvg', width, height);
  const radius = opts.radius ?? (n <= 500 ? 3 : 1.5);

  const classes = labels ? [...new Set(Array.from(labels))].sort((a, b) => a - b) : [];
  const name = (c: number) => opts.labelNames?.[c] ?? String(c);
  const legendWidth = classes.length ? 24 + 7 * Math.max(...classes.map((c) => name(c).length)) : 0;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(points[2 * i]) || !Number.isFinite(points[2 * i + 1])) continue;
    xs.push(points[2 * i]);
    ys.push(points[2 * i + 1]);
  }
  const frame = makeFrame(width - legendWidth, height, extent(xs), extent(ys), { title: opts.title, xLabel: opts.xLabel ?? 'z[0]', yLabel: opts.yLabel ?? 'z[1]' });

  const dots: string[] = [];
  // Data order, not class by class: later classes would otherwise hide earlier ones entirely.
  for (let i = 0; i < n; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    dots.push(`<circle cx="${num(frame.sx(x))}" cy="${num(frame.sy(y))}" r="${radius}" fill="${labels ? classColor(labels[i]) : PALETTE[0]}"/>`);
  }
  // Legend swatches are squares, so the SVG has exactly one <circle> per plotted point.
  const legend = classes.map((c, k) => {
    const y = frame.top + 8 + 18 * k;
    const x = width - legendWidth + 6;
    return `<rect x="${x}" y="${y}" width="10" height="10" fill="${classColor(c)}"/><text x="${x + 16}" y="${y + 9}">${escapeXml(name(c))}</text>`;
  });
  return svg(width, height, [frame.axes, `<g fill-opacity="0.75">${dots.join('')}</g>`, `<g class="legend">${legend.join('')}</g>`]);
}

/** Options of {@link sideBySideSvg}. */
export interface SideBySideOptions {
  /** Pixels between panels (default 16). */
  gap?: number;
}

/**
 * Places SVG panels (as made by the functions here) in one row, each under its title — e.g.
 * a plain autoencoder's latent scatter next to a VAE's, to show the gaps the lecture talks about.
 */
export function sideBySideSvg(panels: readonly string[], titles: readonly string[] = [], opts: SideBySideOptions = {}): string {
  if (!Array.isArray(panels as unknown) || panels.length === 0)
    throw new RangeError(`sideBySideSvg: panels: expected a non-empty array of SVG strings, got ${Array.isArray(panels) ? 'an empty array' : typeof panels}`);
  if (titles.length !== 0 && titles.length !== panels.length)
    throw new RangeError(`sideBySideSvg: titles: expected ${panels.length} titles (one per panel) or none, got ${titles.length}`);
  const gap = opts.gap ?? 16;
  const head = titles.length ? 28 : 0;
  const sizes = panels.map((p, i) => {
    const m = /^\s*<svg\b[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(p);
    if (!m) throw new RangeError(`sideBySideSvg: panels[${i}]: expected an SVG string with width and height attributes, got '${p.slice(0, 40)}…'`);
    return { w: Number(m[1]), h: Number(m[2]) };
  });
  const width = sizes.reduce((a, s) => a + s.w, 0) + gap * (panels.length - 1);
  const height = head + Math.max(...sizes.map((s) => s.h));
  let x = 0;
  const parts = panels.map((p, i) => {
    const { w } = sizes[i];
    // A nested <svg> keeps each panel's own coordinate system; x/y place it.
    const placed = p.replace(/^\s*<svg\b/, `<svg x="${x}" y="${head}"`);
    const title = titles.length ? `<text x="${x + w / 2}" y="19" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(titles[i])}</text>` : '';
    x += w + gap;
    return title + placed;
  });
  return svg(width, height, parts);
}

/** One curve of {@link curvesSvg}: a name for the legend and one value per epoch. */
export interface Series {
  name: string;
  /** values[i] is plotted at x = i + 1 (epoch numbers), or at x[i]; non-finite values leave a gap. */
  values: readonly number[];
  /** x coordinates, one per value (default 1 … n, the epoch numbers). */
  x?: readonly number[];
  /** Draw the line dashed (e.g. validation next to train). */
  dashed?: boolean;
}

/** Options of {@link curvesSvg}. */
export interface CurvesOptions {
  title?: string;
  /** Axis captions (default 'epoch' and 'loss'). */
  xLabel?: string;
  yLabel?: string;
  /** Size in pixels (default 560 × 360). */
  width?: number;
  height?: number;
}

/** Line plot of one or more series against epoch 1, 2, … (e.g. train and validation loss) with a legend. */
export function curvesSvg(series: readonly Series[], opts: CurvesOptions = {}): string {
  if (!Array.isArray(series as unknown) || series.length === 0)
    throw new RangeError(`curvesSvg: series: expected a non-empty array of { name, values }, got ${Array.isArray(series) ? 'an empty array' : typeof series}`);
  series.forEach((s, i) => {
    if (typeof s?.name !== 'string' || !Array.isArray(s.values))
      throw new TypeError(`curvesSvg: series[${i}]: expected { name: string, values: number[] }, got ${JSON.stringify(s)?.slice(0, 60)}`);
    if (s.x !== undefined && (!Array.isArray(s.x) || s.x.length !== s.values.length))
      throw new RangeError(`curvesSvg: series[${i}] '${s.name}' has ${s.values.length} values but ${Array.isArray(s.x) ? s.x.length : 'no array of'} x coordinates`);
  });
  const { width = 560, height = 360 } = opts;
  checkSize('curvesSvg', width, height);
  const epochs = Math.max(...series.map((s) => s.values.length));
  if (epochs === 0) throw new RangeError('curvesSvg: series: expected at least one value, got only empty series');
  const xOf = (s: Series, i: number) => (s.x ? s.x[i] : i + 1);
  const points = series.map((s) => s.values.map((v, i) => [xOf(s, i), v] as const));
  const ys = points.flatMap((p) => p.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([, y]) => y));
  // Epoch numbers by default; given x coordinates set the range themselves.
  const given = series.some((s) => s.x) ? points.flatMap((p) => p.map(([x]) => x).filter(Number.isFinite)) : null;
  const xr: [number, number] = given
    ? given.length && Math.max(...given) > Math.min(...given)
      ? [Math.min(...given), Math.max(...given)]
      : [(given[0] ?? 1) - 0.5, (given[0] ?? 1) + 0.5]
    : epochs === 1
      ? [0.5, 1.5]
      : [1, epochs];
  const frame = makeFrame(width, height, extent(xr), extent(ys), {
    title: opts.title,
    xLabel: opts.xLabel ?? 'epoch',
    yLabel: opts.yLabel ?? 'loss',
    integerX: !given || given.every(Number.isInteger),
  });
  const dash = (s: Series) => (s.dashed ? ' stroke-dasharray="6 4"' : '');
  const lines = series.map((s, k) => {
    const color = classColor(k);
    let d = '';
    let pen = 'M';
    const marks: string[] = [];
    for (const [x, v] of points[k]) {
      if (!Number.isFinite(v) || !Number.isFinite(x)) {
        pen = 'M'; // a gap, not a line to the next finite value
        continue;
      }
      const px = num(frame.sx(x));
      const py = num(frame.sy(v));
      d += `${pen}${px},${py}`;
      pen = 'L';
      // Markers only while they stay readable; a long run is just the line.
      if (epochs <= 60) marks.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`);
    }
    return `${d ? `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash(s)}/>` : ''}${marks.join('')}`;
  });
  // Top right inside the plot, where falling loss curves usually leave room.
  const lx = frame.right - 40 - 7 * Math.max(...series.map((s) => s.name.length));
  const legend = series.map((s, k) => {
    const [x, y] = [lx, frame.top + 8 + 18 * k];
    return `<line x1="${x}" y1="${y + 5}" x2="${x + 20}" y2="${y + 5}" stroke="${classColor(k)}" stroke-width="2"${dash(s)}/><text x="${x + 26}" y="${y + 9}">${escapeXml(s.name)}</text>`;
  });
  return svg(width, height, [frame.axes, ...lines, `<g class="legend">${legend.join('')}</g>`]);
}

// ---- shared drawing ---------------------------------------------------------------------------

interface Frame {
  sx(v: number): number;
  sy(v: number): number;
  top: number;
  right: number;
  /** Border, ticks, tick labels, captions and title. */
  axes: string;
}

/** Lays out a plot area inside width × height with room for ticks and captions, and draws its axes. */
function makeFrame(width: number, height: number, xr: [number, number], yr: [number, number], o: { title?: string; xLabel: string; yLabel: string; integerX?: boolean }): Frame {
  const left = 62;
  const right = width - 14;
  const top = o.title ? 34 : 14;
  const bottom = height - 44;
  const sx = (v: number) => left + ((v - xr[0]) / (xr[1] - xr[0])) * (right - left);
  const sy = (v: number) => bottom - ((v - yr[0]) / (yr[1] - yr[0])) * (bottom - top); // SVG y grows downwards
  const parts = [`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#333"/>`];
  for (const t of ticks(xr[0], xr[1]).filter((t) => !o.integerX || (Number.isInteger(t) && t >= 1))) {
    const x = num(sx(t));
    parts.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#333"/><text x="${x}" y="${bottom + 18}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of ticks(yr[0], yr[1])) {
    const y = num(sy(t));
    parts.push(`<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="#333"/><text x="${left - 8}" y="${num(sy(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  parts.push(`<text x="${(left + right) / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  if (o.title) parts.push(`<text x="${(left + right) / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(o.title)}</text>`);
  return { sx, sy, top, right, axes: `<g class="axes">${parts.join('')}</g>` };
}

/** [min, max] of the values, widened by 5% (so no dot sits on the border), or [−1, 1] around a single value. */
function extent(vs: readonly number[]): [number, number] {
  if (vs.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of vs) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo))) return [lo - 1, hi + 1];
  const m = 0.05 * (hi - lo);
  return [lo - m, hi + m];
}

/** About five "nice" tick values (steps of 1, 2 or 5 × 10^k) inside [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(hi - lo)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return out;
}

function tickLabel(t: number): string {
  return Math.abs(t) >= 1e5 || (t !== 0 && Math.abs(t) < 1e-3) ? t.toExponential(1) : String(Number(t.toPrecision(6)));
}

/** Coordinates with one decimal: enough for the eye, and it keeps 10,000-point plots small. */
function num(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function checkSize(fn: string, width: number, height: number): void {
  if (!(width >= 100 && height >= 100 && Number.isFinite(width) && Number.isFinite(height)))
    throw new RangeError(`${fn}: width and height: expected numbers ≥ 100 (pixels), got ${width} × ${height}`);
}

function svg(width: number, height: number, body: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">` +
    `<rect width="100%" height="100%" fill="#fff"/>${body.join('')}</svg>`
  );
}
