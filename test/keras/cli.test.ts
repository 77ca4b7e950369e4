/**
 * `vaekit import` and `vaekit export-keras` as a user runs them (dist/cli/main.js, built by
 * `npm test`): the lecture's files open as a run that morph, sample, report and `train --resume`
 * use; a vaekit-trained run goes out to .keras and back unchanged; bad files get one line, a
 * non-zero exit and no run folder.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import ort from 'onnxruntime-node';
import { writeHdf5 } from '../../src/keras/h5.js';
import { loadMnist, Rng } from '../../src/index.js';
import { closeTo, FIXTURES, ROOT } from './helpers.js';

const cli = join(ROOT, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'vaekit-keras-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function vaekit(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const lecture = { enc: join(FIXTURES, 'lecture-2026/mnist_encoder.keras'), dec: join(FIXTURES, 'lecture-2026/mnist_decoder.keras') };
const isPng = (p: string) => readFileSync(p).subarray(1, 4).toString() === 'PNG';

test("the lecture's .keras files open as a run that morph, sample and report use", () => {
  const run = join(dir, 'lecture');
  const r = vaekit('import', lecture.enc, lecture.dec, '--out', run);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /imported mnist_encoder\.keras \+ mnist_decoder\.keras \(28×28×1 → latent 100, sampling: Lambda 'lambda'/);
  const m = vaekit('morph', run, '--from', '1', '--to', '7');
  assert.equal(m.code, 0, m.err);
  assert.ok(isPng(join(run, 'morph-1-7.png')));
  const s = vaekit('sample', run);
  assert.equal(s.code, 0, s.err);
  assert.ok(isPng(join(run, 'samples.png')));
  const rep = vaekit('report', run);
  assert.equal(rep.code, 0, rep.err);
  assert.ok(existsSync(join(run, 'report.html')));
});

test('import --serve: one command from the Keras files to the explorer', async () => {
  const run = join(dir, 'served');
  const child = spawn(process.execPath, [cli, 'import', lecture.enc, lecture.dec, '--out', run, '--serve', '--port', '0'], { cwd: dir });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /vaekit explorer: (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code} before serving: ${out}`)));
    });
    const manifest = (await (await fetch(new URL('run/manifest.json', url))).json()) as { source: { encoder: { file: string } } };
    assert.equal(manifest.source.encoder.file, 'mnist_encoder.keras');
    assert.equal((await fetch(url)).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
});

test('an imported run keeps training with train --resume, and keeps naming its source', () => {
  const run = join(dir, 'medium');
  const r = vaekit('import', join(FIXTURES, 'medium-dense/mnist_encoder.keras'), join(FIXTURES, 'medium-dense/mnist_decoder.keras'), '--out', run);
  assert.equal(r.code, 0, r.err);
  const before = readFileSync(join(run, 'checkpoint.bin'));
  const t = vaekit('train', '--resume', '--out', run, '--epochs', '1', '--limit', '600');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /Epoch 1\/1 - .* - loss: [\d.]+/);
  const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
  assert.equal(m.training.epochsDone, 1);
  assert.equal(m.source.encoder.file, 'mnist_encoder.keras');
  assert.notDeepEqual(readFileSync(join(run, 'checkpoint.bin')), before);
});

test('a vaekit-trained run → export-keras → import gives the same encoder and decoder', async () => {
  const run = join(dir, 'trained');
  const t = vaekit('train', '--preset', 'keras-conv2d', '--limit', '300', '--epochs', '1', '--out', run);
  assert.equal(t.code, 0, t.err);
  const e = vaekit('export-keras', run, '--out', join(dir, 'exported'));
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /wrote .*encoder\.keras .* and .*decoder\.keras/);
  const back = join(dir, 'back');
  const i = vaekit('import', join(dir, 'exported/encoder.keras'), join(dir, 'exported/decoder.keras'), '--out', back);
  assert.equal(i.code, 0, i.err);
  assert.match(i.out, /sampling: vaekit's exported sampling/);
  const x = loadMnist('test', { limit: 3 }).images;
  const eps = new Rng(5).normalArray(3 * 2);
  const feeds = { x: new ort.Tensor('float32', x, [3, 28, 28, 1]), eps: new ort.Tensor('float32', eps, [3, 2]) };
  const [a, b] = await Promise.all([run, back].map(async (r) => (await ort.InferenceSession.create(join(r, 'encoder.onnx'))).run(feeds)));
  for (const k of ['mean', 'logVar', 'z']) closeTo(b[k].data as Float32Array, a[k].data as Float32Array, k, 1e-6);
  const z = { z: new ort.Tensor('float32', a.z.data as Float32Array, [3, 2]) };
  const [da, db] = await Promise.all([run, back].map(async (r) => (await ort.InferenceSession.create(join(r, 'decoder.onnx'))).run(z)));
  closeTo(db.image.data as Float32Array, da.image.data as Float32Array, 'image', 1e-6);
});

/** The lecture encoder's zip with `edit` applied to its files. */
function editedKeras(edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(readFileSync(lecture.enc));
  edit(files);
  return zipSync(files);
}

/** A one-line error, non-zero exit, no stack trace, and no run folder. */
function refused(name: string, enc: string, dec: string, pattern: RegExp) {
  const out = join(dir, `bad-${name}`);
  const r = vaekit('import', enc, dec, '--out', out);
  assert.notEqual(r.code, 0, `${name}: exit code`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `${name}: expected one line, got:\n${r.err}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /\n\s+at /);
  assert.equal(existsSync(out), false, `${name}: nothing may be written`);
}

test('bad files: one line naming the problem, non-zero exit, nothing written', async () => {
  const bytes = readFileSync(lecture.enc);
  const truncated = join(dir, 'truncated.keras');
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
  refused('truncated', truncated, lecture.dec, /^vaekit: .*truncated\.keras: not a readable \.keras zip \(truncated or damaged/);

  const noWeights = join(dir, 'no-weights.keras');
  writeFileSync(
    noWeights,
    editedKeras((f) => delete f['model.weights.h5']),
  );
  refused('no weights', noWeights, lecture.dec, /no-weights\.keras: a \.keras file must hold model\.weights\.h5 \(the weights\), this zip holds .*config\.json/);

  const notKeras = join(dir, 'data.h5');
  writeFileSync(notKeras, await writeHdf5((root) => root.create_dataset({ name: 'images', data: new Float32Array(6), shape: [2, 3] })));
  refused('h5 not keras', notKeras, lecture.dec, /data\.h5: an HDF5 file but not a Keras model \(no 'model_config' attribute/);

  // BatchNormalization between Flatten and the two heads, with its four weight arrays.
  const bn = join(dir, 'batchnorm.keras');
  writeFileSync(
    bn,
    editedKeras((f) => {
      const cfg = JSON.parse(strFromU8(f['config.json']));
      const layers = cfg.config.layers as Array<{
        name: string;
        class_name: string;
        inbound_nodes: Array<{ args: Array<{ config: { keras_history: [string, number, number] } }> }>;
      }>;
      const flat = layers.findIndex((l) => l.class_name === 'Flatten');
      const norm = { ...structuredClone(layers[flat]), class_name: 'BatchNormalization', name: 'batch_normalization' };
      norm.inbound_nodes[0].args[0].config.keras_history = [layers[flat].name, 0, 0];
      for (const l of layers) if (l.class_name === 'Dense') l.inbound_nodes[0].args[0].config.keras_history = ['batch_normalization', 0, 0];
      layers.splice(flat + 1, 0, norm);
      f['config.json'] = strToU8(JSON.stringify(cfg));
    }),
  );
  refused(
    'batchnorm',
    bn,
    lecture.dec,
    /^vaekit: .*batchnorm\.keras: layer 'batch_normalization' \(BatchNormalization\) is not a layer vaekit has; vaekit supports InputLayer, Dense, Conv2D, /,
  );

  // A decoder that does not belong to the encoder.
  refused('mismatch', lecture.enc, join(FIXTURES, 'medium-dense/mnist_decoder.keras'), /mnist_decoder\.keras: takes z of shape \[2\], but the encoder gives 100 latent dimensions/);
  refused('missing', join(dir, 'nope.keras'), lecture.dec, /nope\.keras: no such file/);

  // An existing run is never overwritten.
  const taken = join(dir, 'lecture');
  const manifest = readFileSync(join(taken, 'manifest.json'));
  const r = vaekit('import', lecture.enc, lecture.dec, '--out', taken);
  assert.notEqual(r.code, 0);
  assert.match(r.err.trim(), /^vaekit: .*lecture: already exists and is not empty; choose a new run folder$/);
  assert.deepEqual(readFileSync(join(taken, 'manifest.json')), manifest);
});
