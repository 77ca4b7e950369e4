/**
 * What the CLI needed from the library, as public functions: a run's own test data, its classes
 * by number or name, and updating a manifest's metrics as a commit that leaves the ONNX files,
 * checkpoint and log byte for byte as they are (and survives a kill at any step).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { loadRun, readManifest, runClass, runTestData, trainRun, updateRunMetrics, type Manifest } from '../../src/index.js';
import { root as repo } from '../cli/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-rundata-'));
after(() => rmSync(root, { recursive: true, force: true }));
const run = join(root, 'run');

before(async () => {
  await trainRun({ preset: 'medium-dense', out: run, data: 'mnist', dataOptions: { limit: 200 }, validation: 40, epochs: 1 }).then((r) => r.vae.dispose());
});

const fileBytes = (dir: string) => Object.fromEntries(['encoder.onnx', 'decoder.onnx', 'checkpoint.bin', 'log.jsonl'].map((n) => [n, readFileSync(join(dir, n))]));

test("runTestData reads the run's own test split, limited, and refuses images of another shape", () => {
  const { manifest } = { manifest: readManifest(run) };
  const all = runTestData({ manifest });
  assert.equal(all.name, 'mnist/test');
  assert.ok(all.count >= 1000, `${all.count}`); // the loader reads at least 1,000 test images
  assert.deepEqual(all.shape, manifest.inputShape);
  const few = runTestData({ manifest }, { limit: 7 });
  assert.equal(few.count, 7);
  assert.equal(few.images.length, 7 * 784);
  assert.deepEqual([...few.labels!], [...all.labels!.subarray(0, 7)]);
  assert.deepEqual(few.images, all.images.subarray(0, 7 * 784));
  assert.throws(() => runTestData({ manifest }, { limit: 0 }), { name: 'RangeError', message: 'limit expects an integer ≥ 1, got 0' });
  const other: Manifest = { ...manifest, inputShape: [14, 14, 1] };
  assert.throws(() => runTestData({ manifest: other }), { name: 'RangeError', message: '`data` mnist: images are 28×28×1, the run expects 14×14×1' });
  assert.throws(() => runTestData({ manifest }, { data: join(root, 'nowhere') }), /^Error: `data` .*nowhere: no such file or folder/);
});

test('runClass takes a class by number or by name, and names the value it refuses', () => {
  const manifest = readManifest(run);
  assert.equal(runClass({ manifest }, '7'), 7);
  assert.equal(runClass({ manifest }, 3), 3);
  const fashion: Manifest = { ...manifest, labelNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] };
  assert.equal(runClass({ manifest: fashion }, 'sneaker'), 7);
  assert.throws(() => runClass({ manifest }, 'eleven', '--to'), { name: 'RangeError', message: /^--to: expected a class number or one of 0, 1, .*got 'eleven'$/ });
  assert.throws(() => runClass({ manifest }, '10', 'label'), /label: expected a class number/);
  const unlabelled: Manifest = { ...manifest, labelNames: null, numClasses: null };
  assert.throws(() => runClass({ manifest: unlabelled }, '0'), /class: expected a class number or one of \(the data has no labels\), got '0'/);
  assert.equal(runClass({ manifest: unlabelled }, 'b', 'class', ['a', 'b']), 1);
});

test('updateRunMetrics rewrites only the manifest: the other files stay byte for byte, the run still loads', async () => {
  const dir = join(root, 'update');
  cpSync(run, dir, { recursive: true });
  const before = fileBytes(dir);
  const old = readManifest(dir);
  const ll = { nats: 99.5, stderr: 0.25, k: 4, count: 10, binarized: false };
  const m = updateRunMetrics(dir, { logLikelihood: ll });
  assert.deepEqual(m.metrics.logLikelihood, ll);
  assert.deepEqual(m.metrics.test, old.metrics.test); // merged, not replaced
  assert.deepEqual(fileBytes(dir), before);
  const now = readManifest(dir);
  assert.deepEqual(now.metrics.logLikelihood, ll);
  // Same epoch, same files, same sizes and hashes (kept files have no pending rename: no temporary name).
  const sums = (c: Manifest['commit']) => Object.fromEntries(Object.entries(c!.files).map(([n, f]) => [n, [f.bytes, f.sha256]]));
  assert.equal(now.commit?.epoch, old.commit?.epoch);
  assert.deepEqual(sums(now.commit), sums(old.commit));
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.includes('.tmp')),
    [],
  );
  const loaded = loadRun(dir);
  assert.deepEqual(loaded.manifest.metrics.logLikelihood, ll);
  await loaded.vae.dispose();
});

test('updateRunMetrics refuses a folder whose files do not match the commit record', () => {
  const dir = join(root, 'damaged');
  cpSync(run, dir, { recursive: true });
  const dec = readFileSync(join(dir, 'decoder.onnx'));
  dec[dec.length - 1] ^= 0xff;
  writeFileSync(join(dir, 'decoder.onnx'), dec);
  const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8');
  assert.throws(() => updateRunMetrics(dir, { logLikelihood: { nats: 1, stderr: 0, k: 1, count: 1 } }), /decoder\.onnx: its SHA-256 differs from the manifest's commit record/);
  assert.equal(readFileSync(join(dir, 'manifest.json'), 'utf8'), manifest);
});

test('a kill at either step of a metrics update leaves the old manifest, and the run loads', async () => {
  const script = `import { updateRunMetrics } from ${JSON.stringify(pathToFileURL(join(repo, 'src/index.ts')).href)};
updateRunMetrics(process.argv[1], { logLikelihood: { nats: 1, stderr: 0, k: 1, count: 1 } });`;
  for (const step of [1, 2]) {
    const dir = join(root, `kill-${step}`);
    cpSync(run, dir, { recursive: true });
    const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], {
      encoding: 'utf8',
      cwd: repo,
      env: { ...process.env, VAEKIT_TEST_CRASH_AT: String(step) },
    });
    assert.equal(r.signal, 'SIGKILL', `step ${step}: ${r.stderr}`);
    assert.equal(readFileSync(join(dir, 'manifest.json'), 'utf8'), manifest, `step ${step}`);
    const loaded = loadRun(dir);
    assert.equal(loaded.manifest.metrics.logLikelihood, undefined);
    await loaded.vae.dispose();
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('.tmp')),
      [],
      `step ${step}: temporary files left after opening`,
    );
  }
});
