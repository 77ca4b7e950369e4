/**
 * One self-contained HTML page per run: summary, metrics, loss curves and figures. Nothing is
 * fetched when the page opens — PNGs are embedded as base64 data URIs, SVG is inline, the CSS
 * is in the page — so the file can be mailed, archived or opened offline.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StepMetrics } from '../models/vae.js';
import { writeFileAtomic } from '../util/files.js';
import { VERSION } from '../version.js';
import { curvesSvg } from './plots.js';

/** A row of the metrics table. */
export interface ReportMetric {
  /** e.g. `test loss`, `log-likelihood (k = 5000)`, `active latent units`. */
  name: string;
  /** A number (formatted to 5 significant digits) or text shown as it is. */
  value: number | string;
  /** Standard error, shown as `value ± stderr`. */
  stderr?: number;
  /** Unit after the value, e.g. `nats`. */
  unit?: string;
  /** A remark in the last column, e.g. how it was computed. */
  note?: string;
}

/** One line of a curve chart: y per epoch (x defaults to 1, 2, 3, …). */
export interface CurveSeries {
  /** Legend entry, e.g. `train loss`. */
  name: string;
  values: readonly number[];
  /** x coordinates, same length as `values` (default 1 … n). */
  x?: readonly number[];
  /** Draw dashed (e.g. validation next to train). */
  dashed?: boolean;
}

/** A line chart rendered as inline SVG, e.g. the loss curves. */
export interface CurveChart {
  /** Heading of the chart (default `Loss curves`). */
  title?: string;
  caption?: string;
  xLabel?: string;
  yLabel?: string;
  series: readonly CurveSeries[];
}

/** Where a figure goes; sections appear in this order, each only when it has figures. */
export type FigureSection = 'samples' | 'reconstructions' | 'interpolations' | 'morphs' | 'latent' | 'manifold' | 'other';

/** A picture with a caption: PNG bytes (embedded as a data URI) or SVG markup (inlined). */
export interface ReportFigure {
  title: string;
  caption: string;
  /** Default `'other'`. */
  section?: FigureSection;
  /** PNG bytes. */
  png?: Uint8Array;
  /**
   * SVG markup, inlined as it is (an XML prolog or doctype is dropped). It must be trusted
   * markup, e.g. vaekit's own plots; markup with a `<script` element is refused.
   */
  svg?: string;
  /** Alternative text of a PNG (default: the title). */
  alt?: string;
}

/** Everything a run report shows; every part but the title is optional and omitted when absent. */
export interface ReportData {
  title: string;
  /** A line under the title. */
  subtitle?: string;
  /** Run summary, in order: e.g. preset, architecture, data set, epochs, wall time. */
  summary?: Record<string, string | number>;
  metrics?: readonly ReportMetric[];
  /** Loss curves (one chart, or several: total, reconstruction, KL…). */
  curves?: CurveChart | readonly CurveChart[];
  figures?: readonly ReportFigure[];
  /** vaekit version in the summary and footer (default: {@link VERSION}, this package's). */
  version?: string;
  /** Time of generation in the footer (default: now). */
  generated?: Date | string;
}

/** Section headings, in page order. */
export const FIGURE_SECTIONS: Readonly<Record<FigureSection, string>> = {
  samples: 'Samples from the prior',
  reconstructions: 'Reconstructions',
  interpolations: 'Interpolations',
  morphs: 'Morphs between class means',
  latent: 'Latent space',
  manifold: 'Decoder manifold',
  other: 'Other figures',
};

/** The HTML page for `data`: one string, no external resources. All text is escaped. */
export function renderReport(data: ReportData): string {
  if (typeof data?.title !== 'string') throw new TypeError(`renderReport: data.title must be a string, got ${typeof data?.title}`);
  const toc: Array<[string, string]> = [];
  const body: string[] = [];

  const version = data.version ?? VERSION;
  const summary = Object.entries(data.summary ?? {});
  if (!summary.some(([k]) => /vaekit/i.test(k))) summary.push(['vaekit version', version]);
  {
    toc.push(['summary', 'Summary']);
    body.push(section('summary', 'Summary', `<dl class="summary">${summary.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(String(v))}</dd>`).join('')}</dl>`));
  }

  const metrics = data.metrics ?? [];
  if (metrics.length > 0) {
    toc.push(['metrics', 'Metrics']);
    const hasNotes = metrics.some((m) => m.note);
    const rows = metrics
      .map((m) => `<tr><th scope="row">${esc(m.name)}</th><td class="num">${esc(formatMetric(m))}</td>${hasNotes ? `<td>${esc(m.note ?? '')}</td>` : ''}</tr>`)
      .join('\n');
    const head = `<tr><th scope="col">Metric</th><th scope="col" class="num">Value</th>${hasNotes ? '<th scope="col">Note</th>' : ''}</tr>`;
    body.push(section('metrics', 'Metrics', `<table class="metrics"><thead>${head}</thead><tbody>\n${rows}\n</tbody></table>`));
  }

  const charts = data.curves === undefined ? [] : Array.isArray(data.curves) ? (data.curves as readonly CurveChart[]) : [data.curves as CurveChart];
  const drawn = charts.filter((c) => c.series.some((s) => s.values.length > 0));
  if (drawn.length > 0) {
    toc.push(['curves', 'Loss curves']);
    const inner = drawn.map((c, i) => figure(c.title ?? 'Loss curves', c.caption, curveSvg(c), i === 0 && drawn.length === 1 && !c.title)).join('\n');
    body.push(section('curves', 'Loss curves', inner));
  }

  const figures = data.figures ?? [];
  for (const key of Object.keys(FIGURE_SECTIONS) as FigureSection[]) {
    const here = figures.filter((f) => (f.section ?? 'other') === key);
    if (here.length === 0) continue;
    toc.push([`fig-${key}`, FIGURE_SECTIONS[key]]);
    body.push(section(`fig-${key}`, FIGURE_SECTIONS[key], here.map((f) => figure(f.title, f.caption, figureBody(f), false)).join('\n')));
  }

  const when = data.generated === undefined ? new Date().toISOString() : data.generated instanceof Date ? data.generated.toISOString() : data.generated;
  const nav = toc.length > 1 ? `<nav><ul>${toc.map(([id, t]) => `<li><a href="#${id}">${esc(t)}</a></li>`).join('')}</ul></nav>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vaekit ${esc(version)}">
<title>${esc(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(data.title)}</h1>
${data.subtitle ? `<p class="subtitle">${esc(data.subtitle)}</p>\n` : ''}${nav}
</header>
<main>
${body.join('\n')}
</main>
<footer>Generated by vaekit ${esc(version)} · ${esc(when)}</footer>
</body>
</html>
`;
}

/**
 * Writes {@link renderReport}'s page to `path` atomically: to `path + '.tmp'`, then renamed over
 * `path`, so a reader never sees half a report. Creates the parent folder.
 */
export async function writeReport(path: string, data: ReportData): Promise<void> {
  const html = renderReport(data);
  await mkdir(dirname(path), { recursive: true });
  writeFileAtomic(path, html);
}

/** Inputs of {@link runMetrics}; each part is optional. */
export interface RunMetricsInput {
  /** Final-epoch training figures. */
  train?: StepMetrics;
  /** Final-epoch validation figures. */
  validation?: StepMetrics;
  /** Test-set figures (e.g. from `evaluateDataset`). */
  test?: StepMetrics;
  /** The importance-sampled estimate (e.g. from `logLikelihood`). */
  logLikelihood?: { nats: number; stderr: number; k: number; count?: number; binarized?: boolean };
  /** Latent units whose posterior mean varies across the data (Burda et al. 2015: Cov_x(E_q[z_d]) > 0.01). */
  activeUnits?: { active: number; total: number; threshold?: number };
}

/** The standard rows of a run's metrics table: loss, reconstruction and KL per split, then −log p(x), then active units. */
export function runMetrics(m: RunMetricsInput): ReportMetric[] {
  const rows: ReportMetric[] = [];
  for (const split of ['train', 'validation', 'test'] as const) {
    const s = m[split];
    if (!s) continue;
    rows.push({ name: `${split} loss`, value: s.loss }, { name: `${split} reconstruction`, value: s.reconstruction }, { name: `${split} KL`, value: s.kl });
  }
  const ll = m.logLikelihood;
  if (ll) {
    const how = `importance-sampled, k = ${ll.k} (Burda et al. 2015)${ll.count !== undefined ? ` over ${ll.count} images` : ''}${ll.binarized ? ', binarized pixels' : ''}`;
    rows.push({ name: 'test −log p(x)', value: ll.nats, stderr: ll.stderr, unit: 'nats', note: how });
  }
  const au = m.activeUnits;
  if (au) rows.push({ name: 'active latent units', value: `${au.active} / ${au.total}`, note: `Cov_x(E_q[z_d]) > ${au.threshold ?? 0.01}` });
  return rows;
}

/** One epoch of a training history (what `fit` logs: train figures, optional validation figures). */
export interface HistoryEntry extends StepMetrics {
  epoch: number;
  val?: StepMetrics;
}

/**
 * The loss-curve charts of a training history: the total loss (train solid, validation dashed),
 * then its two terms, reconstruction and KL. Empty history → no charts.
 */
export function lossCurves(history: readonly HistoryEntry[]): CurveChart[] {
  if (history.length === 0) return [];
  const x = history.map((h) => h.epoch);
  const hasVal = history.some((h) => h.val !== undefined);
  const val = (f: (m: StepMetrics) => number) => history.map((h) => (h.val ? f(h.val) : NaN));
  const pair = (name: string, f: (m: StepMetrics) => number): CurveSeries[] => [
    { name: `train ${name}`, values: history.map(f), x },
    ...(hasVal ? [{ name: `validation ${name}`, values: val(f), x, dashed: true }] : []),
  ];
  return [
    { title: 'Total loss', caption: "The training objective per epoch (mean over the epoch's batches; validation after the epoch).", series: pair('loss', (m) => m.loss) },
    {
      title: 'Reconstruction and KL',
      caption: "The objective's two terms per epoch.",
      yLabel: 'per image',
      series: [...pair('reconstruction', (m) => m.reconstruction), ...pair('KL', (m) => m.kl)],
    },
  ];
}

/** `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = escapeHtml;

/**
 * A chart of the report as standalone SVG markup (no scripts, no external references), drawn by
 * the one chart engine, {@link curvesSvg} of viz/plots.ts (its axes, ticks, legend and class
 * palette). The chart's title is the figure's caption in the page, so it is not repeated inside
 * the SVG. Non-finite points are skipped; `x` must match `values` in length.
 */
export function curveSvg(chart: CurveChart): string {
  return curvesSvg(
    chart.series.map((s) => ({ name: s.name, values: s.values, x: s.x, dashed: s.dashed })),
    { xLabel: chart.xLabel ?? 'epoch', yLabel: chart.yLabel ?? 'loss', width: 640, height: 340 },
  );
}

function section(id: string, title: string, inner: string): string {
  return `<section id="${id}">\n<h2>${esc(title)}</h2>\n${inner}\n</section>`;
}

function figure(title: string, caption: string | undefined, inner: string, untitled: boolean): string {
  const cap = caption
    ? `<figcaption>${untitled ? '' : `<strong>${esc(title)}.</strong> `}${esc(caption)}</figcaption>`
    : untitled
      ? ''
      : `<figcaption><strong>${esc(title)}.</strong></figcaption>`;
  return `<figure>\n<div class="pic">${inner}</div>\n${cap}\n</figure>`;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function figureBody(f: ReportFigure): string {
  const parts: string[] = [];
  if (f.png !== undefined) {
    if (!(f.png instanceof Uint8Array) || f.png.length < 8 || PNG_SIGNATURE.some((b, i) => f.png![i] !== b))
      throw new TypeError(`renderReport: figure '${f.title}': png must hold PNG bytes (a Buffer/Uint8Array starting with the PNG signature)`);
    const b64 = Buffer.from(f.png.buffer, f.png.byteOffset, f.png.byteLength).toString('base64');
    parts.push(`<img src="data:image/png;base64,${b64}" alt="${esc(f.alt ?? f.title)}">`);
  }
  if (f.svg !== undefined) parts.push(inlineSvg(f.svg, f.title));
  if (parts.length === 0) throw new TypeError(`renderReport: figure '${f.title}' has neither png nor svg`);
  return parts.join('\n');
}

function inlineSvg(svg: string, title: string): string {
  const s = svg
    .replace(/^\uFEFF/, '')
    .replace(/^\s*<\?xml[^>]*\?>/i, '')
    .replace(/^\s*<!DOCTYPE[^>]*>/i, '')
    .trim();
  if (!/^<svg[\s>]/i.test(s)) throw new TypeError(`renderReport: figure '${title}': svg must be SVG markup starting with <svg, got '${s.slice(0, 20)}…'`);
  if (/<script/i.test(s)) throw new TypeError(`renderReport: figure '${title}': svg contains a <script> element; reports carry no scripts`);
  return s;
}

function formatMetric(m: ReportMetric): string {
  let v = typeof m.value === 'number' ? formatNumber(m.value) : m.value;
  if (m.stderr !== undefined && Number.isFinite(m.stderr)) v += ` ± ${formatNumber(m.stderr, 2)}`;
  if (m.unit) v += ` ${m.unit}`;
  return v;
}

/** Integers as they are; other numbers to `digits` significant digits, without trailing zeros. */
export function formatNumber(v: number, digits = 5): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(digits)));
}

const CSS = `
:root { color-scheme: light; --fg: #1d1d1f; --muted: #5f6368; --line: #e2e2e6; --bg: #fff; --panel: #f7f7f9; --accent: #1f5fbf; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 980px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.7em; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 1.25em; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.subtitle { margin: 0 0 8px; color: var(--muted); }
nav ul { list-style: none; margin: 8px 0 14px; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
nav a { color: var(--accent); text-decoration: none; font-size: 0.92em; }
nav a:hover { text-decoration: underline; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 24px; margin: 0; padding: 12px 16px; background: var(--panel); border-radius: 6px; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
table.metrics { border-collapse: collapse; min-width: 60%; }
table.metrics th, table.metrics td { padding: 6px 14px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.metrics thead th { font-weight: 600; color: var(--muted); font-size: 0.9em; }
table.metrics tbody th { font-weight: 500; }
table.metrics .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.metrics tbody tr:hover { background: var(--panel); }
figure { margin: 16px 0 28px; }
figure .pic { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; overflow-x: auto; }
figure img { max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid var(--line); }
figure svg { max-width: 100%; height: auto; }
figcaption { margin-top: 6px; color: var(--muted); font-size: 0.92em; max-width: 72ch; }
figcaption strong { color: var(--fg); font-weight: 600; }
footer { margin-top: 40px; padding-top: 12px; padding-bottom: 28px; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.85em; }
@media print { nav { display: none; } figure { break-inside: avoid; } }
`;
