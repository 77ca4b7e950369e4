/**
 * Crash consistency of run folders: `vaekit train` is killed (SIGKILL, through the
 * VAEKIT_TEST_CRASH_AT hook in util/files.ts) at every file-system step of every epoch commit —
 * halfway through each file's write, before the manifest's rename (the commit point) and before
 * each rename after it. After each kill the folder must describe one epoch in every file, and
 * `--resume` must finish with a full log, no temporary files, and exactly the weights of an
 * uninterrupted run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import ort from 'onnxruntime-node';
import { loadRun, openRunFolder } from '../../src/run/run.js';
import { trainRun } from '../../src/run/train.js';
import { cli } from '../cli/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

const args = ['train', '-p', 'medium-dense', '--limit', '100', '--validation', '20', '--epochs', '2', '-b', '40'];
const STEPS_PER_COMMIT = 10; // 4 file writes, the manifest's write and rename, 4 renames
const COMMITS = 3; // epoch 1, epoch 2, the final evaluation

function train(out: string, crashAt?: number) {
  const env = { ...process.env, VAEKIT_TEST_CRASH_AT: crashAt === undefined ? '' : String(crashAt) };
  return spawnSync(process.execPath, [cli, ...args, '-o', out], { encoding: 'utf8', env });
}

const temps = (dir: string) => readdirSync(dir).filter((n) => /\.tmp-\d+$/.test(n));

/** Every file of a loaded run describes the same epoch; decoder.onnx is the checkpoint's decoder. */
async function assertConsistent(dir: string, what: string): Promise<number> {
  const run = loadRun(dir);
  try {
    const m = run.manifest;
    assert.equal(temps(dir).length, 0, `${what}: temporary files left after opening`);
    assert.equal(m.training.epochsDone, run.epochsDone, `${what}: manifest and checkpoint disagree`);
    assert.equal(m.commit?.epoch, run.epochsDone, `${what}: commit record and checkpoint disagree`);
    const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
    assert.equal(log.length, run.epochsDone, `${what}: log.jsonl has ${log.length} lines for ${run.epochsDone} epochs`);
    assert.deepEqual(
      log.map((l) => JSON.parse(l).epoch),
      run.history.map((h) => h.epoch),
    );
    const z = Float32Array.of(0.5, -1, 1.5, 0.25);
    const dec = await ort.InferenceSession.create(join(dir, 'decoder.onnx'));
    const img = (await dec.run({ z: new ort.Tensor('float32', z, [2, 2]) })).image.data as Float32Array;
    const want = await run.vae.decode(z);
    img.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${what}: decoder.onnx is not the checkpoint's decoder`));
    await dec.release();
    return run.epochsDone;
  } finally {
    await run.vae.dispose();
  }
}

test('a kill at any step of any epoch commit leaves a consistent folder that resumes to the uninterrupted run', async () => {
  const whole = join(root, 'whole');
  const w = train(whole);
  assert.equal(w.status, 0, w.stderr);
  const reference = loadRun(whole);
  const want = reference.vae.getWeights();
  await reference.vae.dispose();

  const seen = new Set<number>();
  for (let n = 1; n <= STEPS_PER_COMMIT * COMMITS; n++) {
    const out = join(root, `kill-${n}`);
    const r = train(out, n);
    assert.equal(r.signal, 'SIGKILL', `step ${n}: expected the hook to kill training (${r.stderr})`);
    if (!existsSync(join(out, 'manifest.json')) && !openRunFolder(out).manifest) {
      // Killed before the first commit point: nothing but temporary files, removed on opening.
      assert.equal(n <= 6, true, `step ${n}: no manifest after the first commit point`);
      assert.deepEqual(readdirSync(out), [], `step ${n}: files other than temporary ones before the first commit`);
      assert.match(spawnSync(process.execPath, [cli, 'train', '--resume', '-o', out], { encoding: 'utf8' }).stderr, /holds no complete epoch to resume from/);
      continue;
    }
    seen.add(await assertConsistent(out, `after a kill at step ${n}`));
    const resumed = await trainRun({ out, resume: true });
    try {
      // Past the final commit point (the manifest's rename, step 26) the run is finished.
      assert.equal(resumed.alreadyFinished ?? false, n > STEPS_PER_COMMIT * 2 + 6, `step ${n}: finished only after the final commit point`);
      assert.deepEqual(resumed.vae.getWeights(), want, `step ${n}: resumed weights differ from the uninterrupted run's`);
    } finally {
      await resumed.vae.dispose();
    }
    assert.equal(await assertConsistent(out, `after resuming from step ${n}`), 2);
    assert.deepEqual(temps(out), []);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.ok(m.metrics.test && m.diagnostics, `step ${n}: the resumed run ends evaluated`);
  }
  assert.deepEqual([...seen].sort(), [1, 2], 'kills left both epoch 1 and epoch 2 behind');
});

test('a kill after a commit point is completed on opening; a finished run says so, and --epochs extends it', async () => {
  const out = join(root, 'late');
  const vaekit = (...more: string[]) => spawnSync(process.execPath, [cli, 'train', '--resume', '-o', out, ...more], { encoding: 'utf8' });
  // Epoch 2's commit: 4 writes, the manifest's write and rename (step 16), then the renames.
  assert.equal(train(out, STEPS_PER_COMMIT + 7).signal, 'SIGKILL');
  assert.equal(temps(out).length, 4);
  const r = vaekit();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^vaekit: note: .*late: completed the interrupted commit of epoch 2 \(checkpoint\.bin, encoder\.onnx, decoder\.onnx, log\.jsonl\)\n$/);
  assert.doesNotMatch(r.stdout, /Epoch \d/); // nothing left to train, only the final evaluation
  assert.match(r.stdout, /test \(1000 images\)/);
  assert.deepEqual(temps(out), []);
  const again = vaekit();
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /is finished \(2 of 2 epochs, evaluated\); nothing to do \(--epochs N with N > 2 trains it further\)/);
  const more = vaekit('--epochs', '3');
  assert.equal(more.status, 0, more.stderr);
  assert.match(more.stdout, /Epoch 3\/3/);
  assert.equal(await assertConsistent(out, 'extended'), 3);
  const fewer = vaekit('--epochs', '1');
  assert.notEqual(fewer.status, 0);
  assert.match(fewer.stderr, /already holds 3 epochs; --epochs 1 cannot undo them/);
});
