/**
 * Run folders end to end: train into a folder, load it back, resume exactly, and refuse broken
 * folders with one line naming the file.
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import ort from 'onnxruntime-node';
import { loadMnist } from '../../src/data/index.js';
import { loadRun } from '../../src/run/run.js';
import { trainRun } from '../../src/run/train.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-run-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = { train: loadMnist('train', { limit: 1500 }), test: loadMnist('test', { limit: 300 }) };
const common = { preset: 'medium-dense' as const, data, seed: 4, validation: 300, batchSize: 100 };

test('a run folder holds the two ONNX halves, manifest, checkpoint and log, and loads back', async () => {
  const out = join(root, 'a');
  const r = await trainRun({ ...common, out, epochs: 2 });
  assert.equal(r.stopped, false);
  assert.deepEqual(readdirSync(out).sort(), ['checkpoint.bin', 'decoder.onnx', 'encoder.onnx', 'log.jsonl', 'manifest.json']);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.format, 'vaekit-run');
  assert.equal(m.preset, 'medium-dense');
  assert.deepEqual(m.inputShape, [28, 28, 1]);
  assert.equal(m.latentDim, 2);
  assert.equal(m.training.epochsDone, 2);
  assert.deepEqual(m.labelNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(m.dataset.train, 1200);
  assert.equal(m.dataset.validation, 300);
  assert.ok(m.metrics.test.loss > 0 && m.metrics.validation.loss > 0);
  assert.equal(m.diagnostics.klPerDim.length, 2);
  assert.equal(readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').length, 2);

  const run = loadRun(out);
  const x = data.test.images.slice(0, 3 * 784);
  const z = new Float32Array(6);
  assert.deepEqual(await run.vae.encode(x, z), await r.vae.encode(x, z));
  // Each half runs alone in plain onnxruntime-node, no vaekit code involved.
  const enc = await ort.InferenceSession.create(join(out, 'encoder.onnx'));
  const e = await enc.run({ x: new ort.Tensor('float32', x, [3, 28, 28, 1]), eps: new ort.Tensor('float32', z, [3, 2]) });
  const want = await r.vae.encode(x, z);
  (e.mean.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - want.mean[i]) < 1e-4));
  const dec = await ort.InferenceSession.create(join(out, 'decoder.onnx'));
  const img = await dec.run({ z: new ort.Tensor('float32', want.mean, [3, 2]) });
  const wantImg = await r.vae.decode(want.mean);
  (img.image.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - wantImg[i]) < 1e-4));
  assert.deepEqual(run.vae.getWeights(), r.vae.getWeights());
  await run.vae.dispose();
  await r.vae.dispose();
});

test('the same seed gives the same run, and a resumed run equals an uninterrupted one', async () => {
  const whole = await trainRun({ ...common, out: join(root, 'whole'), epochs: 3 });
  await trainRun({ ...common, out: join(root, 'parts'), epochs: 1 });
  const resumed = await trainRun({ ...common, out: join(root, 'parts'), epochs: 3, resume: true });
  assert.deepEqual(resumed.vae.getWeights(), whole.vae.getWeights());
  assert.deepEqual(
    resumed.history.map((h) => h.loss),
    whole.history.map((h) => h.loss),
  );
  assert.equal(resumed.history.length, 3);
  await whole.vae.dispose();
  await resumed.vae.dispose();
});

test('a resumed run takes its seed, schedule, validation and batch size from the run folder', async () => {
  const whole = await trainRun({ ...common, seed: 9, out: join(root, 'whole9'), epochs: 3 });
  const out = join(root, 'parts9');
  const controller = new AbortController();
  await trainRun({ ...common, seed: 9, out, epochs: 3, signal: controller.signal, onEpoch: () => controller.abort() }).then((r) => r.vae.dispose());
  assert.equal(loadRun(out).epochsDone, 1);
  const resumed = await trainRun({ out, data, resume: true }); // nothing else given
  assert.equal(resumed.history.length, 3);
  assert.deepEqual(resumed.vae.getWeights(), whole.vae.getWeights());
  await assert.rejects(trainRun({ out, data, resume: true, seed: 10 }), /`resume`: .* was trained with `seed` 9, not 10/);
  await whole.vae.dispose();
  await resumed.vae.dispose();
});

test('stopping mid-epoch keeps the last complete epoch on disk', async () => {
  const out = join(root, 'stopped');
  const controller = new AbortController();
  const r = await trainRun({
    ...common,
    out,
    epochs: 5,
    signal: controller.signal,
    onBatch: (p) => {
      if (p.epoch === 2 && p.batch === 3) controller.abort();
    },
  });
  assert.equal(r.stopped, true);
  const run = loadRun(out);
  assert.equal(run.epochsDone, 1);
  assert.equal(run.manifest.training.epochsDone, 1);
  assert.ok(!readdirSync(out).some((f) => f.includes('.tmp')), 'no temporary files left');
  await run.vae.dispose();
  await r.vae.dispose();
});

test('broken run folders are refused with one line naming the file', async () => {
  const good = join(root, 'a');
  const broken = (name: string, breakIt: (dir: string) => void) => {
    const dir = join(root, `broken-${name}`);
    cpSync(good, dir, { recursive: true });
    breakIt(dir);
    return dir;
  };
  assert.throws(() => loadRun(join(root, 'nope')), /nope: no such run folder/);
  assert.throws(() => loadRun(broken('nomanifest', (d) => rmSync(join(d, 'manifest.json')))), /manifest.json: missing/);
  assert.throws(() => loadRun(broken('json', (d) => writeFileSync(join(d, 'manifest.json'), '{"format": "vaekit-run",'))), /manifest.json: corrupt JSON/);
  assert.throws(() => loadRun(broken('nodecoder', (d) => rmSync(join(d, 'decoder.onnx')))), /decoder.onnx: missing/);
  assert.throws(() => loadRun(broken('truncated', (d) => truncateSync(join(d, 'encoder.onnx'), 1000))), /encoder.onnx: truncated or not/);
  assert.throws(() => loadRun(broken('ckpt', (d) => truncateSync(join(d, 'checkpoint.bin'), 5000))), /checkpoint.bin: checkpoint should be \d+ bytes, found 5000/);
  // A decoder whose latent size disagrees with the manifest (taken from a 10-D model).
  const other = join(root, 'geron');
  await trainRun({ preset: 'geron-dense', data, out: other, epochs: 1, validation: null }).then((r) => r.vae.dispose());
  const mismatched = broken('latent', (d) => copyFileSync(join(other, 'decoder.onnx'), join(d, 'decoder.onnx')));
  assert.throws(() => loadRun(mismatched), /decoder.onnx: input 'z' has shape \[N,10\], the manifest says \[N,2\] \(the latent size disagrees\)/);
  assert.ok(existsSync(good));
});
