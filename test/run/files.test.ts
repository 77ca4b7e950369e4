/**
 * A run as bytes (src/run/files.ts) and as one .zip (src/run/zip.ts): `runFiles` gives exactly
 * the files a commit writes, `runFromFiles` opens them with the folder loader's checks, a folder
 * written from the bytes loads and resumes like the one training wrote, damaged bytes and zips
 * are refused in one line naming the file, and the CLI takes `RUN.zip` wherever it takes a run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { zipSync } from 'fflate';
import { loadRun, readManifest } from '../../src/run/run.js';
import { RUN_FILES, runFiles, runFromFiles, runZip, unzipRun, type RunFiles } from '../../src/run/files.js';
import { trainRun } from '../../src/run/train.js';
import { resolveRunArgument } from '../../src/run/zip.js';
import { parseCheckpoint } from '../../src/train/checkpoint-format.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import type { VAE } from '../../src/models/vae.js';
import { cli, oneLineError, vaekitIn } from '../cli/helpers.js';
import { loadMnist } from '../../src/data/index.js';
import { webRuntime } from '../../src/runtime/web.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-files-'));
after(() => rmSync(root, { recursive: true, force: true }));
const base = { preset: 'medium-dense' as const, seed: 3, batchSize: 50, validation: 50, data: 'mnist', dataOptions: { limit: 200 } };
const run = join(root, 'run');
let files: RunFiles;

before(async () => {
  const r = await trainRun({ ...base, out: run, epochs: 1 });
  files = runFiles(r.vae, r.manifest, r.history);
  await r.vae.dispose();
});

/** Weights and optimizer state of two models are equal, value for value. */
function sameState(a: VAE, b: VAE): void {
  assert.deepEqual(
    b.getWeights().map((w) => [w.name, w.shape, Array.from(w.data)]),
    a.getWeights().map((w) => [w.name, w.shape, Array.from(w.data)]),
  );
  const [sa, sb] = [a.getTrainingState(), b.getTrainingState()];
  assert.equal(sb.step, sa.step);
  assert.deepEqual(sb.globals, sa.globals);
  assert.deepEqual(sb.rng, sa.rng);
  assert.deepEqual(
    sb.slots.map((s) => [s.name, Array.from(s.data)]),
    sa.slots.map((s) => [s.name, Array.from(s.data)]),
  );
}

const lines = (e: unknown) => (e as Error).message.split('\n').length;

test('runFiles gives the files a commit writes; runFromFiles opens them with the same weights, state and history', async () => {
  assert.deepEqual(Object.keys(files).sort(), Object.values(RUN_FILES).sort());
  // Byte for byte what training committed, but for the manifest's temporary names.
  for (const name of [RUN_FILES.encoder, RUN_FILES.decoder, RUN_FILES.checkpoint, RUN_FILES.log])
    assert.deepEqual(files[name], new Uint8Array(readFileSync(join(run, name))), name);
  const m = JSON.parse(new TextDecoder().decode(files[RUN_FILES.manifest]));
  const onDisk = readManifest(run);
  assert.equal(m.commit.epoch, 1);
  for (const [name, f] of Object.entries(onDisk.commit!.files)) {
    assert.equal(m.commit.files[name].sha256, f.sha256, name);
    assert.equal(m.commit.files[name].bytes, f.bytes, name);
    assert.equal(m.commit.files[name].tmp, '');
  }
  const { commit: _a, ...want } = onDisk;
  const { commit: _b, ...got } = m;
  assert.deepEqual(got, want);
  // The checkpoint format read from bytes and from the file.
  assert.deepEqual(parseCheckpoint(files[RUN_FILES.checkpoint], 'x'), readCheckpoint(join(run, RUN_FILES.checkpoint)));

  const opened = runFromFiles(files);
  const folder = loadRun(run);
  try {
    sameState(folder.vae, opened.vae);
    assert.equal(opened.epochsDone, 1);
    assert.deepEqual(opened.history, folder.history);
    assert.deepEqual(opened.manifest, JSON.parse(new TextDecoder().decode(files[RUN_FILES.manifest])));
    // And the model runs: the same decoded images.
    const z = new Float32Array(2 * opened.vae.latentDim).map((_, i) => Math.sin(i));
    assert.deepEqual(await opened.vae.decode(z), await folder.vae.decode(z));
  } finally {
    await opened.vae.dispose();
    await folder.vae.dispose();
  }
});

test("opened on the page's runtime (onnxruntime-web, run here in Node), a run decodes and trains on as in Node", async () => {
  const web = runFromFiles(files, { runtime: webRuntime() });
  const node = runFromFiles(files);
  try {
    const z = new Float32Array(3 * web.vae.latentDim).map((_, i) => Math.cos(i));
    const [a, b] = [await web.vae.decode(z), await node.vae.decode(z)];
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4, `image[${i}]: ${v} vs ${b[i]}`));
    // One more step from the checkpoint's state, same batch and noise: the same weights within float tolerance.
    const x = loadMnist('train', { limit: 50 }).images;
    const eps = new Float32Array(50 * web.vae.latentDim).map((_, i) => Math.sin(i));
    const before = web.vae.getWeights().map((w) => Float32Array.from(w.data));
    await web.vae.trainStep(x, eps);
    await node.vae.trainStep(x, eps);
    const [wa, wb] = [web.vae.getWeights(), node.vae.getWeights()];
    for (let k = 0; k < wa.length; k++) wa[k].data.forEach((v, i) => assert.ok(Math.abs(v - wb[k].data[i]) < 1e-4, `${wa[k].name}[${i}]: ${v} vs ${wb[k].data[i]}`));
    assert.equal(web.vae.getTrainingState().step, node.vae.getTrainingState().step);
    assert.ok(
      wa.some((w, k) => w.data.some((v, i) => v !== before[k][i])),
      'the step changed the weights',
    );
  } finally {
    await web.vae.dispose();
    await node.vae.dispose();
  }
});

test('a folder written from the bytes loads with loadRun and resumes as the folder training wrote', async () => {
  const copy = join(root, 'from-bytes');
  mkdirSync(copy);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(copy, name), bytes);
  const loaded = loadRun(copy);
  assert.equal(loaded.repaired, undefined);
  assert.equal(loaded.epochsDone, 1);
  await loaded.vae.dispose();
  const a = await trainRun({ out: copy, resume: true, epochs: 2 });
  const b = await trainRun({ out: run, resume: true, epochs: 2 });
  try {
    assert.equal(a.history.length, 2);
    sameState(b.vae, a.vae);
    assert.deepEqual(
      a.history.map((h) => h.loss),
      b.history.map((h) => h.loss),
    );
  } finally {
    await a.vae.dispose();
    await b.vae.dispose();
  }
  assert.deepEqual(readdirSync(copy).sort(), Object.values(RUN_FILES).sort());
});

test('damaged, truncated, missing or out-of-step bytes are refused in one line naming the file', () => {
  const refused = (f: RunFiles, pattern: RegExp) =>
    assert.throws(
      () => runFromFiles(f),
      (e) => {
        assert.equal(lines(e), 1, (e as Error).message);
        assert.match((e as Error).message, pattern);
        return true;
      },
    );
  const flip = (bytes: Uint8Array, at: number) => {
    const b = bytes.slice();
    b[at] ^= 0xff;
    return b;
  };
  const ck = files[RUN_FILES.checkpoint];
  refused({ ...files, [RUN_FILES.checkpoint]: flip(ck, ck.length - 4) }, /^checkpoint\.bin: its SHA-256 differs from the manifest's commit record/);
  refused({ ...files, [RUN_FILES.checkpoint]: ck.subarray(0, ck.length - 8) }, /^checkpoint\.bin: checkpoint should be \d+ bytes, found \d+ \(truncated or damaged\)/);
  refused({ ...files, [RUN_FILES.checkpoint]: new TextEncoder().encode('not a checkpoint') }, /^checkpoint\.bin: not a vaekit checkpoint \(bad magic\)/);
  refused({ ...files, [RUN_FILES.decoder]: files[RUN_FILES.decoder].subarray(0, 100) }, /^decoder\.onnx: truncated or not/);
  refused({ ...files, [RUN_FILES.log]: new TextEncoder().encode('{}\n') }, /^log\.jsonl: 3 bytes, the manifest's commit record says \d+/);
  const { [RUN_FILES.encoder]: _e, ...noEncoder } = files;
  refused(noEncoder, /^encoder\.onnx: missing$/);
  const { [RUN_FILES.manifest]: _m, ...noManifest } = files;
  refused(noManifest, /^manifest\.json: missing/);
  refused({ ...files, [RUN_FILES.manifest]: new TextEncoder().encode('{"format": "vaekit-run",') }, /^manifest\.json: corrupt JSON/);
  // A checkpoint of another epoch with a record rewritten to match it: the epochs disagree.
  const m = JSON.parse(new TextDecoder().decode(files[RUN_FILES.manifest]));
  m.commit.epoch = 2;
  refused({ ...files, [RUN_FILES.manifest]: new TextEncoder().encode(JSON.stringify(m)) }, /^checkpoint\.bin: holds epoch 1, the manifest's commit record epoch 2$/);
  // Errors can name the files by path.
  assert.throws(() => runFromFiles(noEncoder, { path: (n) => `x.zip: ${n}` }), /^Error: x\.zip: encoder\.onnx: missing$/);
});

test('a run as one zip: the same files back, deterministic; damaged zips are refused in one line', () => {
  const zip = runZip(files);
  assert.deepEqual(runZip(files), zip);
  assert.deepEqual(unzipRun(zip, 'r.zip'), files);
  // A zipped run folder (its files inside one folder, other files beside them) opens too.
  const folder = zipSync({ 'run/': {}, ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`run/${k}`, v])), 'run/samples.png': new Uint8Array(3) });
  assert.deepEqual(unzipRun(folder, 'f.zip'), files);
  const refused = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => unzipRun(bytes, 'r.zip'),
      (e) => lines(e) === 1 && pattern.test((e as Error).message),
    );
  refused(zip.subarray(0, zip.length >> 1), /^r\.zip: not a zip file, or a damaged or truncated one/);
  refused(new TextEncoder().encode('hello'), /^r\.zip: not a zip file, or a damaged or truncated one/);
  refused(zipSync({ 'a.txt': new Uint8Array(1) }), /^r\.zip: holds no manifest\.json at its top level or in one folder \(not a vaekit run\)/);
});

test('resolveRunArgument unpacks RUN.zip beside it once, reuses it, refuses another run there, and leaves nothing for a damaged zip', () => {
  const dir = join(root, 'zips');
  mkdirSync(dir);
  const zip = join(dir, 'mine.zip');
  writeFileSync(zip, runZip(files));
  assert.deepEqual(resolveRunArgument(zip), { dir: join(dir, 'mine'), note: `unpacked ${zip} into ${join(dir, 'mine')}/` });
  assert.deepEqual(readdirSync(join(dir, 'mine')).sort(), Object.values(RUN_FILES).sort());
  writeFileSync(join(dir, 'mine', 'samples.png'), 'a picture'); // pictures beside the run do not matter
  assert.deepEqual(resolveRunArgument(zip), { dir: join(dir, 'mine'), note: `using ${join(dir, 'mine')}/ (unpacked from ${zip} before)` });
  writeFileSync(join(dir, 'mine', RUN_FILES.log), '');
  assert.throws(() => resolveRunArgument(zip), /mine\.zip: .*mine\/ exists and holds a different run \(or this one trained or evaluated further\); give .*mine itself/);
  assert.deepEqual(resolveRunArgument(run), { dir: run });

  const bad = (name: string, bytes: Uint8Array, pattern: RegExp) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    assert.throws(
      () => resolveRunArgument(path),
      (e) => lines(e) === 1 && pattern.test((e as Error).message),
    );
    assert.equal(existsSync(path.slice(0, -4)), false, `${name}: nothing unpacked`);
  };
  const good = runZip(files);
  bad('truncated.zip', good.subarray(0, good.length - 100), /truncated\.zip: not a zip file, or a damaged or truncated one/);
  const ck = files[RUN_FILES.checkpoint].slice();
  ck[ck.length - 1] ^= 1;
  bad('damaged.zip', runZip({ ...files, [RUN_FILES.checkpoint]: ck }), /damaged\.zip: checkpoint\.bin: its SHA-256 differs from the manifest's commit record/);
  const { [RUN_FILES.decoder]: _d, ...noDecoder } = files;
  bad('partial.zip', runZip(noDecoder), /partial\.zip: decoder\.onnx: missing \(the manifest's commit record names it\)/);
  assert.throws(() => resolveRunArgument(join(dir, 'absent.zip')), /absent\.zip: no such file/);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.includes('.tmp-')),
    [],
  );
});

test('the CLI takes RUN.zip wherever it takes a run folder', { skip: existsSync(cli) ? false : 'dist/ is not built (npm run build)' }, async () => {
  const dir = join(root, 'cli');
  mkdirSync(dir);
  writeFileSync(join(dir, 'r.zip'), runZip(files));
  const vaekit = vaekitIn(dir);
  const s = vaekit('sample', 'r.zip', '--count', '4');
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, /^unpacked r\.zip into r\/\nwrote r\/samples\.png/);
  assert.equal(
    readFileSync(join(dir, 'r', 'samples.png'))
      .subarray(1, 4)
      .toString(),
    'PNG',
  );
  const again = vaekit('sample', 'r.zip', '--count', '4');
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^using r\/ \(unpacked from r\.zip before\)/);
  // Resuming a zipped run trains on in the folder it unpacked into.
  const t = vaekit('train', '--resume', '--out', 'r.zip', '--epochs', '2');
  assert.equal(t.code, 0, t.err);
  const resumed = loadRun(join(dir, 'r'));
  assert.equal(resumed.epochsDone, 2);
  await resumed.vae.dispose();
  oneLineError(vaekit('report', 'r.zip'), /r\.zip: r\/ exists and holds a different run/);
  writeFileSync(join(dir, 'bad.zip'), 'PK\u0003\u0004 not really');
  oneLineError(vaekit('sample', 'bad.zip'), /^vaekit: bad\.zip: not a zip file, or a damaged or truncated one/);
  assert.equal(existsSync(join(dir, 'bad')), false);
});
