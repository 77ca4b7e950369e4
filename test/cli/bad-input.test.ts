/**
 * The bad inputs issue 9 found getting through, each refused with one line that names what was
 * expected and what arrived (and a limit, where one applies), a non-zero exit and no stack trace;
 * never a temporary file's name.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { oneLineError, vaekitIn } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = join(dir, 'run');

const vaekit = vaekitIn(dir);

before(() => {
  const t = vaekit('train', '-p', 'medium-dense', '--limit', '200', '--validation', '40', '--epochs', '1', '-o', run);
  assert.equal(t.code, 0, t.err);
});

test('output sizes have limits, named in the refusal', () => {
  oneLineError(vaekit('sample', run, '-n', '100000'), /--count expects an integer in \[1, 1000\], got '100000'/);
  oneLineError(vaekit('sample', run, '--columns', '5000'), /--columns expects an integer in \[1, 100\], got '5000'/);
  oneLineError(vaekit('morph', run, '--from', '1', '--to', '7', '--steps', '100000'), /--steps expects an integer in \[2, 100\], got '100000'/);
  oneLineError(vaekit('interpolate', run, '--steps', '100000'), /--steps expects an integer in \[2, 100\], got '100000'/);
  oneLineError(
    vaekit('arithmetic', run, '--plus', '1', '--minus', '7', '--scales', Array(101).fill('1').join(',')),
    /--scales expects at most 100 entries \(the limit of one picture\), got 101/,
  );
  oneLineError(vaekit('reconstruct', run, '--indices', Array(101).fill('1').join(',')), /--indices expects at most 100 entries/);
  const ok = vaekit('sample', run, '-n', '1000', '-o', join(dir, 'many.png'));
  assert.equal(ok.code, 0, ok.err);
});

test("every --config field is checked by type and range, in the flags' words", () => {
  const cfg = join(dir, 'model.json');
  const base = {
    inputShape: [28, 28, 1],
    latentDim: 2,
    encoder: [{ type: 'Flatten' }, { type: 'Dense', units: 32, activation: 'relu' }],
    decoder: [{ type: 'Dense', units: 784, activation: 'sigmoid' }],
  };
  const refused = (change: object, pattern: RegExp) => {
    writeFileSync(cfg, JSON.stringify({ ...base, ...change }));
    oneLineError(vaekit('train', '--config', cfg, '--limit', '100', '-o', join(dir, 'cfg-run')), pattern);
  };
  refused({ loss: { reconstruction: 'mae' } }, /--config .*model\.json: loss\.reconstruction expects one of sse, bce, got "mae"/);
  refused({ loss: { klReduction: 'median' } }, /loss\.klReduction expects one of sum, mean, got "median"/);
  refused({ loss: { scale: 'x' } }, /loss\.scale expects a number > 0, got "x"/);
  refused({ loss: { scale: -5 } }, /loss\.scale expects a number > 0, got -5/);
  refused({ loss: { beta: -2 } }, /loss\.beta expects a number ≥ 0, got -2/); // as --beta: "expects a number ≥ 0"
  refused({ encoder: [{ type: 'Flatten' }, { type: 'Dense', units: 1e9 }] }, /--config .*model\.json: encoder\[1\]\.units expects an integer in \[1, 65536\], got 1000000000/);
  refused(
    {
      encoder: [{ type: 'Flatten' }, { type: 'Dense', units: 60000 }],
      decoder: [
        { type: 'Dense', units: 60000 },
        { type: 'Dense', units: 784 },
      ],
    },
    /weights, more than the limit of 50,000,000/,
  );
  refused({ loss: { reconstrution: 'bce' } }, /loss: unknown field 'reconstrution'/);
  refused({ latentDim: 'two' }, /latentDim expects an integer in \[1, 4096\], got "two"/);
  assert.ok(!existsSync(join(dir, 'cfg-run', 'manifest.json')));
  const beta = vaekit('train', '--beta', '-2');
  oneLineError(beta, /--beta expects a number ≥ 0, got '-2'/);
});

test('data options a source does not take, and a split that leaves nothing, are refused by flag name', () => {
  oneLineError(
    vaekit('train', '-p', 'medium-dense', '--labels', join(dir, 'y.npy'), '--limit', '100', '-o', join(dir, 'labels')),
    /--labels: only a .npy data source takes a labels file; --data mnist is a built-in data set/,
  );
  oneLineError(
    vaekit('train', '-p', 'geron-dense', '--data', 'mnist', '--limit', '2000', '-o', join(dir, 'geron')),
    /--validation: 5000 of 2000 images leaves none to train on \(geron-dense holds out the last 5000 by default/,
  );
});

test('output paths that cannot be written are named as given, never by their temporary name', () => {
  oneLineError(vaekit('sample', run, '-o', '/nonexistent/dir/x.png'), /\/nonexistent\/dir\/x\.png: cannot write: no such folder \/nonexistent\/dir$/);
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  oneLineError(vaekit('sample', run, '-o', folder), /a-folder: cannot write: it is a folder \(give a file name\)$/);
  oneLineError(vaekit('report', run, '-o', folder), /a-folder: cannot write: it is a folder/);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.includes('.tmp')),
    [],
  );
});

test('training over another run needs --overwrite, which clears its pictures; resume refuses other data', () => {
  assert.equal(vaekit('sample', run).code, 0);
  assert.equal(vaekit('manifold', run, '-n', '5').code, 0);
  oneLineError(
    vaekit('train', '-p', 'ae-2d', '--limit', '100', '-o', run),
    /run holds another run \(medium-dense, 1 epoch\); give --overwrite to replace it and its pictures, or --resume to continue it/,
  );
  oneLineError(vaekit('train', '--resume', '-o', run, '--data', 'fashion-mnist'), /--resume: .*run was trained with --data mnist, not fashion-mnist/);
  oneLineError(vaekit('train', '--resume', '-o', run, '--limit', '3000'), /--resume: .*run was trained with --limit 200, not 3000/);
  const r = vaekit('train', '-p', 'ae-2d', '--limit', '100', '--validation', '0', '--epochs', '1', '--overwrite', '-o', run);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readdirSync(run).sort(), ['checkpoint.bin', 'decoder.onnx', 'encoder.onnx', 'log.jsonl', 'manifest.json']);
  const finished = vaekit('train', '--resume', '-o', run);
  assert.equal(finished.code, 0, finished.err);
  assert.match(finished.out, /run is finished \(1 of 1 epochs, evaluated\); nothing to do/);
});
