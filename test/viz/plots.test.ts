/**
 * The SVG renderers: well-formed, self-contained markup with one circle per point, legends,
 * ticks and escaped text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curvesSvg, escapeXml, scatterSvg, sideBySideSvg, ticks } from '../../src/viz/plots.js';

/** A small XML well-formedness check: balanced tags, quoted attributes, only known entities. */
function assertWellFormed(svg: string): void {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const text = svg.slice(i, lt < 0 ? svg.length : lt);
    assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|apos);)/, `unescaped & in ${JSON.stringify(text)}`);
    assert.ok(!text.includes('>'), `stray > in ${JSON.stringify(text)}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    assert.ok(m, `malformed tag at ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [, close, name, , self] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!self) stack.push(name);
    i = tag.lastIndex;
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  // Self-contained: nothing loaded from elsewhere, nothing executed.
  assert.doesNotMatch(svg, /<script|href=|@import|url\(/);
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

test('scatterSvg: one circle per point, colours by label, legend names, axes with ticks', () => {
  const n = 40;
  const points = Float32Array.from({ length: 2 * n }, (_, i) => Math.sin(i) * 3);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  const svg = scatterSvg(points, labels, { labelNames: names, title: 'VAE <latent> & co', width: 500, height: 400 });
  assertWellFormed(svg);
  assert.match(svg, /width="500" height="400"/);
  assert.equal(count(svg, /<circle /g), n);
  for (const name of names) assert.ok(svg.includes(`>${name}</text>`), name);
  assert.ok(svg.includes('VAE &lt;latent&gt; &amp; co'));
  // Ten classes, ten different colours.
  const fills = new Set([...svg.matchAll(/<circle [^>]*fill="([^"]+)"/g)].map((m) => m[1]));
  assert.equal(fills.size, 10);
  // Ticks: short lines on both axes with labels; the data span [-3, 3] gets a 0 tick.
  assert.ok(count(svg, /<line /g) >= 6);
  assert.match(svg, />0<\/text>/);
  assert.match(svg, />z\[0\]<\/text>/);
});

test('scatterSvg: legend lists only the labels present, escapes names, skips non-finite points', () => {
  const svg = scatterSvg([0, 0, 1, 1, NaN, 2, 3, 3], Int32Array.of(2, 5, 5, 2), { labelNames: ['a', 'b', 'x<y', 'c', 'd', 'T-shirt/top & "more"'] });
  assertWellFormed(svg);
  assert.equal(count(svg, /<circle /g), 3);
  assert.ok(svg.includes('>x&lt;y</text>'));
  assert.ok(svg.includes('>T-shirt/top &amp; &quot;more&quot;</text>'));
  assert.ok(!svg.includes('>a</text>'));
  // Unlabelled points: one colour, no legend entries; a single point still gets a valid frame.
  const one = scatterSvg([1, 1], null);
  assertWellFormed(one);
  assert.equal(count(one, /<circle /g), 1);
  assert.doesNotMatch(one, /NaN|Infinity/);
});

test('scatterSvg: bad arguments', () => {
  assert.throws(() => scatterSvg([1, 2, 3], null), /scatterSvg: points: expected N × 2 numbers, got 3 values/);
  assert.throws(() => scatterSvg([1, 2, 3, 4], Int32Array.of(1)), /scatterSvg: labels: expected 2 labels.*got 1/);
  assert.throws(() => scatterSvg([1, 2], null, { width: 10 }), /width and height: expected numbers ≥ 100.*got 10 × 480/);
});

test('sideBySideSvg: panels in one row under their titles', () => {
  const a = scatterSvg([0, 0, 1, 1], Int32Array.of(0, 1), { width: 300, height: 250 });
  const b = scatterSvg([0, 0, 1, 1, 2, 2], Int32Array.of(0, 1, 2), { width: 320, height: 260 });
  const svg = sideBySideSvg([a, b], ['plain AE', 'VAE & friends']);
  assertWellFormed(svg);
  assert.match(svg, /^<svg [^>]*width="636" height="288"/); // 300 + 16 + 320; 28 + 260
  assert.equal(count(svg, /<svg /g), 3);
  assert.equal(count(svg, /<circle /g), 5);
  assert.match(svg, /<svg x="316" y="28"/);
  assert.ok(svg.includes('>VAE &amp; friends</text>'));
  assertWellFormed(sideBySideSvg([a]));
  assert.throws(() => sideBySideSvg([a, b], ['one']), /titles: expected 2 titles.*got 1/);
  assert.throws(() => sideBySideSvg([]), /panels: expected a non-empty array/);
  assert.throws(() => sideBySideSvg(['<g/>']), /panels\[0\]: expected an SVG string/);
});

test('curvesSvg: one line per series, markers per epoch, gaps at non-finite values, legend', () => {
  const train = [180, 160, 150, 146, 144];
  const val = [170, 158, NaN, 149, 148];
  const svg = curvesSvg(
    [
      { name: 'train', values: train },
      { name: 'validation <val>', values: val },
    ],
    { title: 'loss', yLabel: 'total' },
  );
  assertWellFormed(svg);
  const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(paths.length, 2);
  assert.equal(count(paths[0], /M/g), 1);
  assert.equal(count(paths[1], /M/g), 2); // the NaN splits the line
  assert.equal(count(svg, /<circle /g), 9);
  assert.ok(svg.includes('>validation &lt;val&gt;</text>'));
  assert.match(svg, />epoch<\/text>/);
  for (const e of [1, 2, 3, 4, 5]) assert.match(svg, new RegExp(`>${e}</text>`));
  assert.doesNotMatch(svg, /NaN/);
  assertWellFormed(curvesSvg([{ name: 'one epoch', values: [3] }]));
  assert.throws(() => curvesSvg([]), /series: expected a non-empty array/);
  assert.throws(() => curvesSvg([{ name: 'x', values: [] }]), /expected at least one value/);
  assert.throws(() => curvesSvg([{ name: 3, values: [1] } as never]), /series\[0\]: expected \{ name: string, values: number\[\] \}/);
});

test('curvesSvg: given x coordinates and dashed lines (as the report draws validation curves)', () => {
  const svg = curvesSvg([
    { name: 'train', values: [5, 4, 3], x: [10, 20, 30] },
    { name: 'validation', values: [6, NaN, 4], x: [10, 20, 30], dashed: true },
  ]);
  assertWellFormed(svg);
  for (const e of [10, 20, 30]) assert.match(svg, new RegExp(`>${e}</text>`));
  assert.doesNotMatch(svg, />1<\/text>/);
  const paths = [...svg.matchAll(/<path d="[^"]+"[^>]*>/g)].map((m) => m[0]);
  assert.equal(paths.length, 2);
  assert.doesNotMatch(paths[0], /dasharray/);
  assert.match(paths[1], /stroke-dasharray="6 4"/);
  assert.equal(count(svg, /<circle /g), 5);
  assert.throws(() => curvesSvg([{ name: 'a', values: [1, 2], x: [1] }]), { name: 'RangeError', message: "curvesSvg: series[0] 'a' has 2 values but 1 x coordinates" });
});

test('ticks are round numbers inside the range; escapeXml', () => {
  assert.deepEqual(ticks(-3.2, 3.1), [-2, 0, 2]);
  assert.deepEqual(ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks(140.5, 181), [150, 160, 170, 180]);
  assert.deepEqual(ticks(1, 1), [1]);
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
});
