/** Checkpoints round-trip weights, optimizer state and RNG state; damaged files are refused. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadMnist, VAE } from '../../src/index.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const x = loadMnist('train', { limit: 64 }).images;

test('weights, Nadam state, step and RNG come back exactly', async () => {
  const a = VAE.fromPreset('geron-dense', { seed: 1 });
  for (let i = 0; i < 3; i++) await a.trainStep(x);
  const path = join(dir, 'c.bin');
  saveCheckpoint(path, a, { epoch: 7, extra: { note: 'hi' } });
  const b = VAE.fromPreset('geron-dense', { seed: 99 });
  const meta = restoreCheckpoint(path, b);
  assert.deepEqual(meta, { epoch: 7, extra: { note: 'hi' } });
  assert.deepEqual(b.getWeights(), a.getWeights());
  assert.deepEqual(b.getTrainingState(), a.getTrainingState());
  // The next step (noise drawn from the restored generator, Nadam's u_product) is identical.
  assert.deepEqual(await b.trainStep(x), await a.trainStep(x));
  assert.deepEqual(b.getWeights(), a.getWeights());
  await a.dispose();
  await b.dispose();
});

test('damaged or foreign checkpoints get one line naming the file', () => {
  const vae = VAE.fromPreset('medium-dense');
  const path = join(dir, 'd.bin');
  saveCheckpoint(path, vae, { epoch: 1 });
  truncateSync(path, 2000);
  assert.throws(() => readCheckpoint(path), /d.bin: truncated checkpoint \(header of \d+ bytes, file of 2000\)/);
  saveCheckpoint(path, vae, { epoch: 1 });
  truncateSync(path, 100_000);
  assert.throws(() => readCheckpoint(path), /d.bin: checkpoint should be \d+ bytes, found 100000/);
  writeFileSync(path, 'hello world, not a checkpoint');
  assert.throws(() => readCheckpoint(path), /d.bin: not a vaekit checkpoint \(bad magic\)/);
  assert.throws(() => readCheckpoint(join(dir, 'missing.bin')), /missing.bin: cannot read checkpoint \(ENOENT\)/);
  saveCheckpoint(path, vae, { epoch: 1 });
  const other = VAE.fromPreset('geron-dense');
  assert.throws(() => restoreCheckpoint(path, other), /d.bin: does not match this model: setWeights: expected 14 weights, got 10/);
});
