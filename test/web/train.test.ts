/**
 * Training in the page, end to end in Debian's Chromium (playwright-core), through the same
 * code path the Train panel's button takes (`window.__vaekit.train`):
 * - the studio (`startStudio`: no run) trains medium-dense on an MNIST subset with onnxruntime-web's
 *   wasm backend; the loss falls from epoch to epoch;
 * - cross-runtime consistency: the same seed, batches and noise give, after 20 steps, the weights
 *   Node's onnxruntime (CPU) gives through the same `TrainingSession`;
 * - the exported run loads in Node, its decoder gives the page's images for the same z, its
 *   download (.zip) makes a report with `vaekit report`, and `vaekit train --resume` continues it;
 * - a run trained in Node opens in the page (`startExplorer`) and continues training there.
 * Skipped, with a message, where /usr/bin/chromium is absent (apt-get install chromium).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadMnist } from '../../src/data/index.js';
import { RUN_FILES, runZip } from '../../src/run/files.js';
import { loadRun } from '../../src/run/run.js';
import { trainRun } from '../../src/run/train.js';
import { nodeRuntime } from '../../src/runtime/node.js';
import { startExplorer, startStudio, type Explorer } from '../../src/serve/server.js';
import { parseCheckpoint } from '../../src/train/checkpoint-format.js';
import { TrainingSession } from '../../src/train/session.js';
import type {} from '../../web/src/hook.js'; // window.__vaekit
import { root, testImages, tinyRun } from '../serve/helpers.js';
import { chromiumSkip, launchChromium, openPage, STUDIO_404 } from './browser.js';

const skip = chromiumSkip("the page's training tests");

const dir = mkdtempSync(join(tmpdir(), 'vaekit-page-train-'));
const servers: Explorer[] = [];
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the page at `url` (no other origin reachable) and waits for `ready`. */
async function open(url: string): Promise<{ page: Page; problems: string[] }> {
  const { page, problems } = await openPage(browser!, `${url}?seed=3`, { ignoreConsole: STUDIO_404 });
  await page.evaluate(() => window.__vaekit.ready);
  return { page, problems };
}

async function exported(page: Page): Promise<Record<string, Uint8Array>> {
  const files = await page.evaluate(async () => Object.fromEntries(Object.entries(await window.__vaekit.exportRun()).map(([k, v]) => [k, Array.from(v)])));
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Uint8Array.from(v)]));
}

function writeRun(files: Record<string, Uint8Array>, out: string): string {
  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(out, name), bytes);
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('the studio trains medium-dense in the page: the same weights as Node after 20 steps, a run Node opens and continues', { skip, timeout: 600_000 }, async () => {
  const studio = await startStudio({ port: 0 });
  servers.push(studio);
  const { page, problems } = await open(studio.url);
  assert.equal(await page.evaluate(() => window.__vaekit.ready.then((r) => r.mode)), 'studio');
  const backend = await page.evaluate(() => window.__vaekit.backend);
  assert.match(backend, /^onnxruntime-web \(wasm, \d threads?\)$/);
  // The server's COOP/COEP headers make the page cross-origin isolated: wasm threads are allowed.
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);

  // 1000 images in batches of 50: 20 steps an epoch.
  const req = { preset: 'medium-dense', data: 'mnist', epochs: 1, limit: 1000, batchSize: 50, seed: 4 };
  const first = await page.evaluate((r) => window.__vaekit.train(r), req);
  assert.equal(first.length, 1);
  const files = await exported(page);
  assert.deepEqual(Object.keys(files).sort(), Object.values(RUN_FILES).sort());

  // Node, same session code on onnxruntime-node's CPU: same data, seed, batches and noise.
  const node = await TrainingSession.create({
    runtime: nodeRuntime,
    preset: 'medium-dense',
    train: loadMnist('train', { limit: 1000 }),
    source: 'mnist',
    limit: 1000,
    epochs: 1,
    batchSize: 50,
    seed: 4,
  });
  const nodeRun = await node.run();
  const pageCk = parseCheckpoint(files[RUN_FILES.checkpoint], 'page');
  const nodeCk = parseCheckpoint(node.files()![RUN_FILES.checkpoint], 'node');
  assert.equal(pageCk.state.step, 20);
  assert.equal(nodeCk.state.step, 20);
  for (let i = 0; i < nodeCk.weights.length; i++) {
    const d = maxDiff(pageCk.weights[i].data, nodeCk.weights[i].data);
    assert.ok(d < 1e-3, `${nodeCk.weights[i].name}: page and Node differ by ${d} after 20 steps`);
  }
  assert.ok(Math.abs(first[0].loss - nodeRun.history[0].loss) < 1e-3 * nodeRun.history[0].loss, `epoch loss: page ${first[0].loss}, Node ${nodeRun.history[0].loss}`);
  await node.vae.dispose();

  // Continue in the page: the loss falls.
  const both = await page.evaluate(() => window.__vaekit.train({ preset: 'continue', epochs: 3 }));
  assert.deepEqual(
    both.map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.ok(both[2].loss < both[0].loss, `the loss should fall: ${both.map((e) => e.loss.toFixed(2)).join(' → ')}`);

  // The exported run opens in Node; its decoder gives the page's images for the same z.
  const out = writeRun(await exported(page), join(dir, 'from-page'));
  const run = loadRun(out);
  assert.equal(run.epochsDone, 3);
  const z = [0, 0, 1.5, -0.5, -1, 2];
  const inNode = await run.vae.decode(Float32Array.from(z));
  const inPage = await page.evaluate((zz) => window.__vaekit.decode(zz), z);
  assert.ok(maxDiff(inNode, inPage) < 1e-4, `decoded pixels differ by ${maxDiff(inNode, inPage)}`);
  await run.vae.dispose();

  // The download (one .zip) is what `vaekit report` takes: unpacked beside it, then the report.
  const zip = join(dir, 'download.zip');
  writeFileSync(zip, runZip(await exported(page)));
  const report = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'report', zip], { encoding: 'utf8' });
  assert.equal(report.status, 0, report.stderr);
  assert.ok(existsSync(join(dir, 'download', 'report.html')), report.stdout);

  // … and `vaekit train --resume` continues it in Node.
  const resumed = await trainRun({ out, resume: true, epochs: 4, data: { train: loadMnist('train', { limit: 1000 }), test: loadMnist('test', { limit: 200 }) } });
  assert.equal(resumed.history.length, 4);
  assert.equal(resumed.manifest.training.epochsDone, 4);
  await resumed.vae.dispose();
  assert.deepEqual(problems, []);
  assert.deepEqual(await page.evaluate(() => window.__vaekit.errors), []);
});

test('a run trained in Node opens in the page and continues training there', { skip, timeout: 600_000 }, async () => {
  const runDir = await tinyRun(join(dir, 'node-run'), 'medium-dense', 600, 1, 100);
  const ex = await startExplorer(runDir, { port: 0, data: testImages() });
  servers.push(ex);
  const { page, problems } = await open(ex.url);
  assert.equal(await page.evaluate(() => window.__vaekit.ready.then((r) => r.mode)), 'explorer');
  const history = await page.evaluate(() => window.__vaekit.train({ preset: 'continue', data: 'mnist', epochs: 2, limit: 600 }));
  assert.deepEqual(
    history.map((e) => e.epoch),
    [1, 2],
  );
  const files = await exported(page);
  const ck = parseCheckpoint(files[RUN_FILES.checkpoint], 'page');
  assert.equal(ck.meta.epoch, 2);
  assert.equal(ck.state.step, 12); // 6 steps of 100 an epoch, the first epoch's from Node
  const back = loadRun(writeRun(files, join(dir, 'back')));
  assert.equal(back.epochsDone, 2);
  await back.vae.dispose();
  assert.deepEqual(problems, []);
});
