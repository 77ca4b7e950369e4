/**
 * Resume and overwrite: resuming refuses any change to the data (source, limit, split,
 * binarization, labels, the images themselves) as it refuses a changed seed; training into a
 * folder holding another run needs `overwrite`, which clears the old run's pictures; damaged or
 * out-of-step files are refused against the commit record; folders written before commit records
 * still load.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadMnist } from '../../src/data/index.js';
import { loadDataSource } from '../../src/data/source.js';
import { loadRun } from '../../src/run/run.js';
import { trainRun } from '../../src/run/train.js';
import { npyBytes } from '../data/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-resume-'));
after(() => rmSync(root, { recursive: true, force: true }));
const base = { preset: 'medium-dense' as const, seed: 3, batchSize: 50, validation: 50 };
const run = join(root, 'run');

before(async () => {
  await trainRun({ ...base, out: run, data: 'mnist', dataOptions: { limit: 200 }, epochs: 1 }).then((r) => r.vae.dispose());
});

test('resume refuses a changed data source, limit, split, binarization, labels or images', async () => {
  const refused = async (o: Parameters<typeof trainRun>[0], pattern: RegExp) => assert.rejects(trainRun({ resume: true, epochs: 2, ...o }), pattern);
  await refused({ out: run, data: 'fashion-mnist' }, /`resume`: .*run was trained with `data` mnist, not fashion-mnist/);
  await refused({ out: run, dataOptions: { limit: 300 } }, /`resume`: .*run was trained with `dataOptions.limit` 200, not 300/);
  await refused({ out: run, validation: 20 }, /`resume`: .*run was trained with `validation` 50, not 20/);
  await refused({ out: run, validation: null }, /`resume`: .*run was trained with `validation` 50, not none/);
  await refused({ out: run, binarize: true }, /`resume`: .*run was trained without `binarize`/);
  await refused({ out: run, trainOnTest: true }, /`resume`: .*run was trained without `trainOnTest`/);
  await refused({ out: run, dataOptions: { labels: 'y.npy' } }, /`resume`: .*run was trained with `dataOptions.labels` none, not y\.npy/);
  await refused({ out: run, seed: 4 }, /`resume`: .*run was trained with `seed` 3, not 4/);
  // The same source name giving other images: the recorded fingerprint catches it.
  const other = loadMnist('train', { limit: 200 });
  other.images.reverse();
  await refused({ out: run, data: { train: other, test: null } }, /`resume`: .*run was trained on other data: mnist now gives different images or labels/);
  // What the run recorded, given again, is accepted.
  const ok = await trainRun({ out: run, resume: true, epochs: 2, data: 'mnist', dataOptions: { limit: 200 }, validation: 50, seed: 3, binarize: false });
  assert.equal(ok.history.length, 2);
  await ok.vae.dispose();
});

test('training into a folder that holds a run needs overwrite, which clears its pictures', async () => {
  const out = join(root, 'over');
  cpSync(run, out, { recursive: true });
  writeFileSync(join(out, 'samples.png'), 'old picture');
  writeFileSync(join(out, 'morph-1-7.png'), 'old picture');
  writeFileSync(join(out, 'notes.txt'), "the user's own file");
  await assert.rejects(
    trainRun({ preset: 'ae-2d', out, data: 'mnist', dataOptions: { limit: 100 }, epochs: 1 }),
    /over holds another run \(medium-dense, 2 epochs\); give `overwrite` to replace it and its pictures, or `resume` to continue it/,
  );
  assert.equal(loadRun(out).manifest.preset, 'medium-dense');
  await assert.rejects(trainRun({ preset: 'ae-2d', out, resume: true, overwrite: true }), /`resume` and `overwrite`: give one or the other/);
  const r = await trainRun({ preset: 'ae-2d', out, data: 'mnist', dataOptions: { limit: 100 }, validation: null, epochs: 1, overwrite: true });
  await r.vae.dispose();
  assert.deepEqual(readdirSync(out).sort(), ['checkpoint.bin', 'decoder.onnx', 'encoder.onnx', 'log.jsonl', 'manifest.json', 'notes.txt']);
  const loaded = loadRun(out);
  assert.equal(loaded.manifest.preset, 'ae-2d');
  assert.equal(loaded.history.length, 1);
  await loaded.vae.dispose();
});

test('files out of step with the commit record are refused; stale temporary files are removed; folders without a record load', async () => {
  const copy = (name: string) => {
    const dir = join(root, name);
    cpSync(run, dir, { recursive: true });
    return dir;
  };
  const swapped = copy('swapped');
  writeFileSync(join(swapped, 'log.jsonl'), readFileSync(join(swapped, 'log.jsonl'), 'utf8').split('\n')[0] + '\n');
  assert.throws(() => loadRun(swapped), /swapped\/log\.jsonl: \d+ bytes, the manifest's commit record says \d+ \(damaged, or left from another epoch\)/);

  // A first epoch killed before its commit leaves only temporary files; training afresh clears them.
  const fresh = join(root, 'fresh');
  mkdirSync(fresh);
  writeFileSync(join(fresh, 'checkpoint.bin.tmp-999999999'), 'half a checkpoint');
  const f = await trainRun({ ...base, out: fresh, data: 'mnist', dataOptions: { limit: 100 }, validation: null, epochs: 1 });
  await f.vae.dispose();
  assert.deepEqual(readdirSync(fresh).sort(), ['checkpoint.bin', 'decoder.onnx', 'encoder.onnx', 'log.jsonl', 'manifest.json']);

  const stale = copy('stale');
  writeFileSync(join(stale, 'checkpoint.bin.tmp-999999999'), 'half a checkpoint');
  const s = loadRun(stale);
  assert.match(s.repaired ?? '', /stale: removed 1 temporary file of an interrupted write/);
  assert.ok(!existsSync(join(stale, 'checkpoint.bin.tmp-999999999')));
  await s.vae.dispose();

  // A folder written before commit records (no `commit` in the manifest) loads and resumes.
  const legacy = copy('legacy');
  const m = JSON.parse(readFileSync(join(legacy, 'manifest.json'), 'utf8'));
  delete m.commit;
  delete m.dataset.sha256;
  writeFileSync(join(legacy, 'manifest.json'), JSON.stringify(m));
  const l = loadRun(legacy);
  assert.equal(l.epochsDone, 2);
  await l.vae.dispose();
  const more = await trainRun({ out: legacy, resume: true, epochs: 3 });
  assert.equal(more.history.length, 3);
  await more.vae.dispose();
  assert.equal(readFileSync(join(legacy, 'log.jsonl'), 'utf8').trim().split('\n').length, 3);
  assert.ok(JSON.parse(readFileSync(join(legacy, 'manifest.json'), 'utf8')).commit);
});

test('a labels file is refused for a source with its own labels; `validation` is named when it leaves nothing to train on', async () => {
  const d = join(root, 'npy');
  mkdirSync(d);
  writeFileSync(join(d, 'y.npy'), npyBytes('|u1', [200], new Uint8Array(200)));
  assert.throws(
    () => loadDataSource('mnist', { limit: 100, labels: join(d, 'y.npy') }),
    /`labels`: only a .npy data source takes a labels file; `data` mnist is a built-in data set with its own labels/,
  );
  assert.throws(() => loadDataSource('mnist', { limit: 100, size: [14, 14] }), /`size`: only a folder of images is resized or converted; `data` mnist is a built-in/);
  await assert.rejects(
    trainRun({ preset: 'geron-dense', out: join(root, 'geron'), data: 'mnist', dataOptions: { limit: 2000 }, epochs: 1 }),
    /`validation`: 5000 of 2000 images leaves none to train on \(geron-dense holds out the last 5000 by default; give a smaller `validation`, or 0 for none\)/,
  );
});
