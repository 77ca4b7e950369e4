/**
 * The HTML run report: sections present only when given, text escaped, PNGs embedded as data
 * URIs, SVG inline, nothing external, atomic writes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { imageGrid } from '../../src/index.js';
import { curvesSvg, PALETTE } from '../../src/viz/plots.js';
import { curveSvg, escapeHtml, formatNumber, lossCurves, renderReport, runMetrics, writeReport, type ReportData } from '../../src/viz/report.js';

const png = imageGrid(
  new Float32Array(4 * 784).map((_, i) => (i % 7) / 6),
  [28, 28, 1],
  { columns: 4 },
);

const full: ReportData = {
  title: 'lecture-conv on MNIST',
  subtitle: 'seed 1',
  summary: { preset: 'lecture-conv', 'data set': 'mnist/train (60000)', epochs: 30, 'wall time': '4 min 2 s' },
  metrics: runMetrics({
    train: { loss: 28.22, reconstruction: 15.87, kl: 12.35 },
    test: { loss: 28.23, reconstruction: 15.9, kl: 12.33 },
    logLikelihood: { nats: 86.7612, stderr: 0.0412, k: 5000, count: 10000 },
    activeUnits: { active: 17, total: 100 },
  }),
  curves: {
    caption: 'Total loss per epoch.',
    series: [
      { name: 'train', values: [60, 40, 33, 30, 29] },
      { name: 'validation', values: [45, 36, 31, 29.5, 29.1], dashed: true },
    ],
  },
  figures: [
    { section: 'samples', title: 'Prior samples', caption: '21 draws from N(0, I).', png },
    { section: 'manifold', title: 'Manifold', caption: 'A 30×30 grid of decoded points.', png },
    {
      section: 'latent',
      title: 'Latent codes',
      caption: 'Test-set z_mean coloured by digit.',
      svg: '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="2"/></svg>',
    },
  ],
  version: '9.9.9',
  generated: '2026-01-01T00:00:00Z',
};

test('the page holds the sections given, in order, and omits the rest', () => {
  const html = renderReport(full);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<title>lecture-conv on MNIST<\/title>/);
  for (const id of ['summary', 'metrics', 'curves', 'fig-samples', 'fig-latent', 'fig-manifold']) assert.ok(html.includes(`<section id="${id}">`), id);
  for (const id of ['fig-reconstructions', 'fig-interpolations', 'fig-morphs', 'fig-other']) assert.ok(!html.includes(`id="${id}"`), id);
  const order = ['summary', 'metrics', 'curves', 'fig-samples', 'fig-latent', 'fig-manifold'].map((id) => html.indexOf(`<section id="${id}">`));
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
  );
  // Summary, version and metrics as the reader sees them.
  assert.ok(html.includes('<dt>wall time</dt><dd>4 min 2 s</dd>'));
  assert.ok(html.includes('<dt>vaekit version</dt><dd>9.9.9</dd>'));
  assert.ok(html.includes('<th scope="row">test loss</th><td class="num">28.23</td>'));
  assert.ok(html.includes('86.761 ± 0.041 nats'));
  assert.ok(html.includes('17 / 100'));
  // Captions, the inline SVGs (the loss chart and the given one, prolog dropped).
  assert.ok(html.includes('<strong>Manifold.</strong> A 30×30 grid of decoded points.'));
  assert.ok(html.includes('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle'));
  assert.ok(!html.includes('<?xml'));
  // The validation curve is dashed (a path of the one chart engine, plots.ts).
  assert.match(html, /<path [^>]*stroke-dasharray/);
  // Self-contained: no scripts, no external references.
  assert.ok(!/<script|<link |src="http|href="http|@import|url\(/i.test(html));
});

test('a minimal report has just the title, summary (version) and footer', () => {
  const html = renderReport({ title: 'empty', version: '1.0.0', generated: new Date(0) });
  assert.ok(!html.includes('<section id="metrics">'));
  assert.ok(!html.includes('<section id="curves">'));
  assert.ok(!html.includes('<figure'));
  assert.ok(!html.includes('<nav>'));
  assert.ok(html.includes('1970-01-01T00:00:00.000Z'));
  // The package's own version when none is given.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.ok(renderReport({ title: 't' }).includes(`<dd>${pkg.version}</dd>`));
});

test('all text is escaped, titles included', () => {
  const evil = '<script>alert("x")</script>';
  const html = renderReport({
    title: evil,
    subtitle: evil,
    summary: { [evil]: evil },
    metrics: [{ name: evil, value: evil, note: evil }],
    curves: {
      title: evil,
      series: [
        { name: evil, values: [1, 2] },
        { name: 'b & c', values: [2, 1] },
      ],
    },
    figures: [{ title: evil, caption: evil, png, alt: `"${evil}` }],
  });
  assert.ok(!html.includes('<script'), 'no raw <script');
  assert.ok(html.includes('<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</title>'));
  assert.ok(html.includes('b &amp; c'));
  assert.ok(html.includes('alt="&quot;&lt;script&gt;'));
  assert.equal(escapeHtml(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&#39;');
  // SVG given as markup is inlined, so a script in it is refused; so are bytes that are not PNG.
  assert.throws(() => renderReport({ title: 't', figures: [{ title: 'f', caption: 'c', svg: '<svg><script>1</script></svg>' }] }), /script/);
  assert.throws(() => renderReport({ title: 't', figures: [{ title: 'f', caption: 'c', svg: '<div/>' }] }), /<svg/);
  assert.throws(() => renderReport({ title: 't', figures: [{ title: 'f', caption: 'c', png: Buffer.from('GIF89a..') }] }), /PNG/);
  assert.throws(() => renderReport({ title: 't', figures: [{ title: 'f', caption: 'c' }] }), /neither png nor svg/);
});

test('PNGs are embedded as base64 data URIs that decode to the same bytes', () => {
  const html = renderReport(full);
  const uris = [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">/g)];
  assert.equal(uris.length, 2);
  assert.deepEqual(Buffer.from(uris[0][1], 'base64'), png);
  assert.equal(uris[0][2], 'Prior samples');
  // A Uint8Array view into a larger buffer embeds only its own bytes.
  const big = new Uint8Array(png.length + 10);
  big.set(png, 5);
  const h2 = renderReport({ title: 't', figures: [{ section: 'reconstructions', title: 'r', caption: 'c', png: big.subarray(5, 5 + png.length) }] });
  assert.deepEqual(Buffer.from(/base64,([^"]+)"/.exec(h2)![1], 'base64'), png);
  assert.ok(h2.includes('<section id="fig-reconstructions">'));
});

test('writeReport writes atomically: the page lands at path, no .tmp is left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaekit-report-'));
  try {
    const path = join(dir, 'run', 'report.html');
    await writeReport(path, full);
    assert.equal(readFileSync(path, 'utf8'), renderReport(full));
    assert.deepEqual(readdirSync(join(dir, 'run')), ['report.html']);
    // Overwrites an old report in place, through a temporary name that does not stay behind.
    await writeReport(path, { ...full, title: 'second' });
    assert.match(readFileSync(path, 'utf8'), /<title>second<\/title>/);
    assert.deepEqual(readdirSync(join(dir, 'run')), ['report.html']);
    // A bad figure fails before anything is written.
    await assert.rejects(writeReport(join(dir, 'bad.html'), { title: 't', figures: [{ title: 'f', caption: 'c' }] }));
    assert.ok(!readdirSync(dir).some((f) => f.startsWith('bad.html')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('curve charts: ticks, labels, skipped non-finite points; number formatting', () => {
  const svg = curveSvg({ xLabel: 'epoch', yLabel: 'loss', series: [{ name: 'train', values: [3, NaN, 1, 0.5] }] });
  assert.match(svg, /^<svg /);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3);
  assert.ok(svg.includes('>epoch</text>') && svg.includes('>loss</text>'));
  assert.throws(() => curveSvg({ series: [{ name: 'a', values: [1, 2], x: [1] }] }), /x coordinates/);
  // A flat curve still gets a range.
  assert.ok(!curveSvg({ series: [{ name: 'a', values: [2, 2, 2] }] }).includes('NaN'));
  assert.equal(formatNumber(28.22567), '28.226');
  assert.equal(formatNumber(0.0198123), '0.019812');
  assert.equal(formatNumber(60000), '60000');
  assert.equal(formatNumber(1.5e-7), '1.5e-7');
});

test('lossCurves turns a training history into two charts', () => {
  const history = [1, 2, 3].map((epoch) => ({ epoch, loss: 40 - epoch, reconstruction: 30 - epoch, kl: 10, val: { loss: 41 - epoch, reconstruction: 31 - epoch, kl: 10 } }));
  const charts = lossCurves(history);
  assert.equal(charts.length, 2);
  assert.deepEqual(
    charts[0].series.map((s) => [s.name, s.values, !!s.dashed]),
    [
      ['train loss', [39, 38, 37], false],
      ['validation loss', [40, 39, 38], true],
    ],
  );
  assert.equal(charts[1].series.length, 4);
  assert.equal(lossCurves(history.map(({ val: _val, ...h }) => h))[0].series.length, 1);
  assert.deepEqual(lossCurves([]), []);
  const html = renderReport({ title: 't', curves: charts });
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  assert.ok(html.includes('<strong>Reconstruction and KL.</strong>'));
});

test('one chart engine and one palette: the report draws its curves with plots.ts (curvesSvg, PALETTE)', () => {
  const series = [
    { name: 'train', values: [3, 2, 1] },
    { name: 'validation', values: [3.5, 2.5, 1.5], dashed: true },
  ];
  const svg = curveSvg({ series });
  assert.equal(svg, curvesSvg(series, { xLabel: 'epoch', yLabel: 'loss', width: 640, height: 340 }));
  assert.ok(svg.includes(`stroke="${PALETTE[0]}"`) && svg.includes(`stroke="${PALETTE[1]}"`), 'series colours in PALETTE order');
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2, 'the dashed line and its legend entry');
});
