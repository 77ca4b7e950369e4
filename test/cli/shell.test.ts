/**
 * The CLI as a thin shell: `evaluate --ll` records its result by updating the manifest only
 * (the ONNX files, checkpoint and log keep their bytes), sizes the user leaves out are the
 * library's defaults (an axis sweep is 7 images, a strip 10), and the library's option names
 * reach the user as flags, in one line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FIGURE_DEFAULTS, loadRun } from '../../src/index.js';
import { oneLineError, vaekitIn } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-shell-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const vaekit = vaekitIn(dir);
const run = join(dir, 'run');

before(() => {
  // A Bernoulli decoder, so that evaluate --ll applies; a 2-D latent space.
  const cfg = join(dir, 'model.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      inputShape: [28, 28, 1],
      latentDim: 2,
      encoder: [{ type: 'Flatten' }, { type: 'Dense', units: 32, activation: 'relu' }],
      decoder: [{ type: 'Dense', units: 784, activation: 'sigmoid' }],
      loss: { reconstruction: 'bce' },
    }),
  );
  const t = vaekit('train', '--config', cfg, '--limit', '300', '--validation', '0', '--epochs', '1', '-o', run);
  assert.equal(t.code, 0, t.err);
});

const bytesOf = (names: string[]) => names.map((n) => readFileSync(join(run, n)));
/** Width of a PNG in pixels (IHDR). */
const pngWidth = (path: string) => readFileSync(path).readUInt32BE(16);

test('evaluate --ll records −log p(x) in the manifest and leaves the other files byte for byte', async () => {
  const kept = ['encoder.onnx', 'decoder.onnx', 'checkpoint.bin', 'log.jsonl'];
  const before = bytesOf(kept);
  const r = vaekit('evaluate', run, '--ll', '-k', '2');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /−log p\(x\) ≈ [\d.]+ ± [\d.]+ nats \(k = 2, 10000 images/);
  assert.deepEqual(bytesOf(kept), before);
  const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
  assert.equal(m.metrics.logLikelihood.k, 2);
  assert.equal(m.metrics.logLikelihood.count, 10000);
  assert.ok(m.metrics.test, 'the other metrics stay');
  const loaded = loadRun(run);
  assert.equal(loaded.manifest.metrics.logLikelihood?.k, 2);
  await loaded.vae.dispose();
});

test("sizes left out are the library's defaults: an axis sweep of 7, a strip of 10", () => {
  const widths: Record<string, number> = {};
  for (const [name, args] of [
    ['axis', ['--axis', '1']],
    ['axis10', ['--axis', '1', '--steps', '10']],
    ['strip', []],
  ] as const) {
    const out = join(dir, `${name}.png`);
    const r = vaekit('interpolate', run, ...args, '-o', out);
    assert.equal(r.code, 0, r.err);
    widths[name] = pngWidth(out);
  }
  assert.equal(FIGURE_DEFAULTS.axis.steps, 7);
  assert.equal(FIGURE_DEFAULTS.interpolation.steps, 10);
  assert.equal(widths.strip, widths.axis10, 'a strip is 10 images wide by default');
  assert.ok(widths.axis < widths.axis10, `an axis sweep is narrower by default (${widths.axis} vs ${widths.axis10})`);
  const r = vaekit('interpolate', run, '--axis', '1', '--range', '-1,1,2');
  oneLineError(r, /--range expects 2 entries \(from,to\), got 3/);
});

test("the library's option names reach the user as flags, in one line", () => {
  oneLineError(vaekit('interpolate', run, '--axis', '5'), /^vaekit: --axis expects an integer in \[0, 1\], got 5$/);
  oneLineError(vaekit('train', '--resume', '--overwrite', '-o', run), /^vaekit: --resume and --overwrite: give one or the other$/);
  oneLineError(vaekit('sample', run, '--label', '3'), /^vaekit: --label: the model is not conditional/);
  oneLineError(vaekit('sample', run, '--label', 'all'), /^vaekit: samples by label: the model is not conditional/);
  oneLineError(vaekit('reconstruct', run, '--data', join(dir, 'nowhere')), /^vaekit: --data .*nowhere: no such file or folder/);
  oneLineError(vaekit('train', '--resume', '-o', run, '--seed', '5'), /^vaekit: --resume: .*run was trained with --seed 1, not 5$/);
});
