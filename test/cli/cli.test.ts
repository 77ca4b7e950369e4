/**
 * The `vaekit` command as a user runs it (dist/cli/main.js, built by `npm test`): help, one-line
 * errors with non-zero exits and no stack traces, training a run and using it, a user-defined
 * architecture from JSON, and a folder of the user's own RGB images.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { cli, oneLineError, vaekitIn } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const vaekit = vaekitIn(dir);

const isPng = (p: string) => readFileSync(p).subarray(1, 4).toString() === 'PNG';
const run = join(dir, 'run');

test('--help lists every command, and each command has its own help', () => {
  const r = vaekit('--help');
  assert.equal(r.code, 0);
  for (const c of ['train', 'evaluate', 'sample', 'reconstruct', 'interpolate', 'morph', 'arithmetic', 'latent', 'manifold', 'report'])
    assert.match(r.out, new RegExp(`\\b${c}\\b`));
  const t = vaekit('train', '--help');
  assert.equal(t.code, 0);
  assert.match(t.out, /--preset <name>/);
  assert.match(t.out, /--kl-warmup/);
});

test('bad flags and missing runs get one line and a non-zero exit', () => {
  oneLineError(vaekit('train', '--epochs', 'x'), /--epochs expects an integer ≥ 1, got 'x'/);
  oneLineError(vaekit('train', '--preset', 'nope'), /--preset expects one of lecture-conv, .*got 'nope'/);
  oneLineError(vaekit('train', '--bogus'), /unknown option '--bogus'/);
  oneLineError(vaekit('sample', join(dir, 'missing')), /vaekit: .*missing: no such run folder/);
  oneLineError(vaekit('train', '--data', join(dir, 'nowhere')), /--data .*nowhere: no such file or folder/);
  oneLineError(vaekit('frobnicate'), /unknown command 'frobnicate'/);
});

test('train a small run, then use it with every command', () => {
  const t = vaekit('train', '--preset', 'medium-dense', '--limit', '1200', '--epochs', '2', '--out', run);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /Epoch 2\/2 - .* - loss: [\d.]+ - reconstruction: [\d.]+ - kl: [\d.]+/);
  assert.match(t.out, /test \(1000 images\): loss: /);
  assert.match(t.out, /latent: \d of 2 units active/);
  for (const f of ['encoder.onnx', 'decoder.onnx', 'manifest.json', 'checkpoint.bin', 'log.jsonl']) assert.ok(existsSync(join(run, f)), f);

  const steps: Array<[string[], string]> = [
    [['sample', run], 'samples.png'],
    [['sample', run, '--distribution', 'uniform', '-o', join(dir, 'uniform.png')], '../uniform.png'],
    [['reconstruct', run, '--indices', '1,3,7'], 'reconstructions.png'],
    [['interpolate', run, '--from', '2', '--to', '5', '--method', 'slerp'], 'interpolation.png'],
    [['interpolate', run, '--axis', '1'], 'axis-1.png'],
    [['morph', run, '--from', '1', '--to', '7'], 'morph-1-7.png'],
    [['arithmetic', run, '--plus', '8', '--minus', '3', '--image', '4'], 'arithmetic.png'],
    [['manifold', run, '--size', '10'], 'manifold.png'],
    [['latent', run, '--limit', '500'], 'latent.svg'],
    [['report', run], 'report.html'],
  ];
  for (const [args, file] of steps) {
    const r = vaekit(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    const path = join(run, file);
    assert.ok(existsSync(path), `${args.join(' ')} wrote ${file}`);
    if (file.endsWith('.png')) assert.ok(isPng(path));
  }
  assert.match(readFileSync(join(run, 'latent.svg'), 'utf8'), /^<svg[^>]*>[\s\S]*<circle/);
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  for (const s of ['Samples from the prior', 'Reconstructions', 'Interpolations', 'Morphs between class means', 'Latent space', 'Decoder manifold']) assert.ok(html.includes(s), s);
  assert.doesNotMatch(html, /<script|(src|href)="https?:/); // offline: nothing fetched

  const e = vaekit('evaluate', run, '--limit', '300');
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /mnist\/test \(300 images\): loss [\d.]+ - reconstruction [\d.]+ - kl [\d.]+/);
  oneLineError(vaekit('evaluate', run, '--ll'), /needs a Bernoulli decoder/);
  oneLineError(vaekit('sample', run, '--label', '3'), /--label: the model is not conditional/);
  oneLineError(vaekit('morph', run, '--from', '1', '--to', 'eleven'), /--to: expected a class number or one of 0, 1, .*got 'eleven'/);
});

test('a user-defined architecture from JSON trains like a preset', () => {
  const cfg = join(dir, 'model.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      inputShape: [28, 28, 1],
      latentDim: 4,
      encoder: [
        { type: 'Flatten', name: 'flatten' },
        { type: 'Dense', units: 64, activation: 'tanh', useBias: true, name: 'dense' },
      ],
      decoder: [{ type: 'Dense', units: 784, activation: 'sigmoid', useBias: true, name: 'dense' }],
      loss: { reconstruction: 'bce' },
      optimizer: { name: 'rmsprop', learningRate: 0.002 },
    }),
  );
  const out = join(dir, 'custom');
  const r = vaekit('train', '--config', cfg, '--limit', '600', '--epochs', '1', '--out', out);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.preset, null);
  assert.equal(m.latentDim, 4);
  assert.equal(m.architecture.optimizer.name, 'rmsprop');
  const ll = vaekit('evaluate', out, '--ll', '-k', '4', '--limit', '50');
  assert.equal(ll.code, 0, ll.err);
  assert.match(ll.out, /−log p\(x\) ≈ [\d.]+ ± [\d.]+ nats \(k = 4, 50 images/);
  writeFileSync(cfg, '{"inputShape": [28, 28, 1], "latentDim": 2, "encoder": [{"type": "Dropout"}], "decoder": []}');
  oneLineError(vaekit('train', '--config', cfg, '--out', join(dir, 'bad')), /--config .*model.json: layer: expected a type of Dense, .*got "Dropout"/);
});

test("a folder of the user's own RGB images: labels from sub-folders, the model's shape follows the data", () => {
  const data = join(dir, 'shapes');
  for (const [k, cls] of ['red', 'blue'].entries()) {
    mkdirSync(join(data, cls), { recursive: true });
    for (let i = 0; i < 40; i++) {
      const png = new PNG({ width: 18, height: 18 });
      for (let p = 0; p < 324; p++) {
        const on = (p % 18) + Math.floor(p / 18) < 9 + i / 4; // a growing triangle
        png.data.set(on ? (k === 0 ? [220, 30, 30, 255] : [30, 30, 220, 255]) : [0, 0, 0, 255], p * 4);
      }
      writeFileSync(join(data, cls, `${i}.png`), PNG.sync.write(png));
    }
  }
  const out = join(dir, 'folder-run');
  oneLineError(
    vaekit('train', '--preset', 'lecture-conv', '--data', data, '--epochs', '1', '--out', out),
    /lecture-conv: needs height and width divisible by 4 .* got 18×18; resize the images \(--size\)/,
  );
  const r = vaekit('train', '--preset', 'lecture-conv', '--data', data, '--size', '16', '--epochs', '2', '--batch-size', '16', '--validation', '0.2', '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /val_loss/);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(m.inputShape, [16, 16, 3]);
  assert.deepEqual(m.labelNames, ['blue', 'red']);
  const s = vaekit('morph', out, '--from', 'red', '--to', 'blue', '--steps', '5');
  assert.equal(s.code, 0, s.err);
  assert.ok(isPng(join(out, 'morph-1-0.png')));
});

test('Ctrl-C during training stops after the steps under way and keeps the last complete epoch', async () => {
  const out = join(dir, 'interrupted');
  const child = spawn(process.execPath, [cli, 'train', '--preset', 'medium-dense', '--limit', '12000', '--epochs', '50', '--out', out], { cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/Epoch 2\/50/.test(stdout) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stopping after the steps under way/);
  assert.match(stdout, /stopped; .* holds epoch \d+ \(continue with --resume\)/);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.ok(m.training.epochsDone >= 2);
  const resumed = vaekit('train', '--resume', '--out', out, '--epochs', String(m.training.epochsDone + 1));
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.out, new RegExp(`Epoch ${m.training.epochsDone + 1}/${m.training.epochsDone + 1}`));
});
