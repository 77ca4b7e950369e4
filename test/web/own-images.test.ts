/**
 * The user's own folder of images in the page, end to end in Debian's Chromium (playwright-core):
 * 40 PNGs (32×32, in two class folders) are picked with the Train panel's folder input, the
 * browser decodes them and the library resizes them to 28×28 — the data set equals Node's
 * `loadImageFolder(dir, { size: [28, 28] })` pixel for pixel — and the studio trains one epoch on
 * them, recording them as source 'images'.
 * Skipped, with a message, where /usr/bin/chromium is absent (apt-get install chromium).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadImageFolder } from '../../src/data/images.js';
import { RUN_FILES } from '../../src/run/files.js';
import { startStudio, type Explorer } from '../../src/serve/server.js';
import type {} from '../../web/src/hook.js'; // window.__vaekit
import { writePng } from '../data/helpers.js';
import { chromiumSkip, launchChromium, openPage, STUDIO_404 } from './browser.js';

const skip = chromiumSkip("the page's own-images test");

const dir = mkdtempSync(join(tmpdir(), 'vaekit-own-images-'));
let browser: Browser | undefined;
let studio: Explorer | undefined;

before(async () => {
  if (skip) return;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the studio (started once) with no other origin reachable, and waits for `ready`. */
async function open(): Promise<{ page: Page; problems: string[] }> {
  studio ??= await startStudio({ port: 0 });
  const { page, problems } = await openPage(browser!, studio.url, { ignoreConsole: STUDIO_404 });
  await page.evaluate(() => window.__vaekit.ready);
  return { page, problems };
}

test('a folder of images picked in the page: the data set Node loads from it, and one epoch trained on it', { skip, timeout: 300_000 }, async () => {
  // Two classes of 20 gray 32×32 images: rings and bars, with varying intensity.
  const folder = join(dir, 'shapes');
  for (const cls of ['rings', 'bars']) mkdirSync(join(folder, cls), { recursive: true });
  for (let k = 0; k < 20; k++) {
    const v = 120 + 6 * k;
    writePng(join(folder, 'rings', `r${k}.png`), 32, 32, (y, x) => {
      const d = Math.hypot(y - 15.5, x - 15.5);
      const g = d > 6 + (k % 5) && d < 10 + (k % 5) ? v : 0;
      return [g, g, g];
    });
    writePng(join(folder, 'bars', `b${k}.png`), 32, 32, (y, x) => {
      const g = Math.abs(x - 8 - k) < 3 || y === k + 5 ? v : 0;
      return [g, g, g];
    });
  }
  const node = loadImageFolder(folder, { size: [28, 28] });

  const { page, problems } = await open();
  assert.equal(await page.evaluate(() => window.__vaekit.ownImages?.()), null);

  await page.setInputFiles('[data-testid=train-files]', folder);
  await page.selectOption('[data-testid=train-data]', 'own-images');
  const made = await page.evaluate(() => window.__vaekit.ownImages!());
  assert.ok(made);
  assert.equal(made.name, 'shapes');
  assert.equal(made.count, 40);
  assert.deepEqual(made.shape, [28, 28, 1]);
  assert.deepEqual(made.labelNames, ['bars', 'rings']);
  assert.deepEqual(made.labels, Array.from(node.labels!));
  assert.deepEqual(made.shape, node.shape);
  assert.deepEqual(Float32Array.from(made.images), node.images);
  await page.waitForFunction(() => document.querySelector('[data-testid=train-own-info]')?.textContent?.includes('40 images'));
  assert.match((await page.textContent('[data-testid=train-own-info]')) ?? '', /^shapes: 40 images, 28×28×1, 2 classes \(bars, rings\)$/);

  const history = await page.evaluate(() => window.__vaekit.train({ preset: 'medium-dense', data: 'own-images', epochs: 1, batchSize: 20, seed: 1, redraw: false }));
  assert.equal(history.length, 1);
  assert.ok(Number.isFinite(history[0].loss) && history[0].loss > 0, `loss ${history[0].loss}`);
  const files = await page.evaluate(async () => Object.fromEntries(Object.entries(await window.__vaekit.exportRun()).map(([k, v]) => [k, Array.from(v)])));
  const manifest = JSON.parse(Buffer.from(files[RUN_FILES.manifest]).toString('utf8')) as {
    dataset: { name: string; source: string; train: number };
    labelNames: string[];
    inputShape: number[];
  };
  assert.equal(manifest.dataset.source, 'images');
  assert.equal(manifest.dataset.name, 'shapes');
  assert.equal(manifest.dataset.train, 40);
  assert.deepEqual(manifest.labelNames, ['bars', 'rings']);
  assert.deepEqual(manifest.inputShape, [28, 28, 1]);
  assert.deepEqual(problems, []);
  assert.deepEqual(await page.evaluate(() => window.__vaekit.errors), []);
});

test('loose images dropped on the Train panel are one unlabelled data set; a bad folder is a one-line error', { skip, timeout: 120_000 }, async () => {
  const flat = join(dir, 'flat');
  mkdirSync(flat);
  const names = ['b.png', 'a.png', 'c.png'];
  names.forEach((n, k) => writePng(join(flat, n), 20 + 4 * k, 28, (y, x) => [(y * 9 + k * 40) % 256, (x * 9) % 256, 30 * k]));
  const node = loadImageFolder(flat, { size: [28, 28] });
  const { page, problems } = await open();
  // A scripted drop: its items have no file-system entries, so the page takes them as loose files.
  const files = names.map((n) => ({ name: n, bytes: Array.from(readFileSync(join(flat, n))) }));
  await page.evaluate((fs) => {
    const data = new DataTransfer();
    for (const f of fs) data.items.add(new File([Uint8Array.from(f.bytes)], f.name, { type: 'image/png' }));
    document.querySelector('[data-testid=train-section]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, files);
  await page.waitForFunction(() => document.querySelector('[data-testid=train-own-info]')?.textContent?.includes('3 images'));
  const made = (await page.evaluate(() => window.__vaekit.ownImages!()))!;
  assert.equal(made.name, 'images');
  assert.equal(made.labels, null);
  assert.equal(made.labelNames, null);
  assert.deepEqual(made.shape, [28, 28, 3]);
  assert.deepEqual(made.shape, node.shape);
  assert.deepEqual(Float32Array.from(made.images), node.images);
  assert.equal(await page.inputValue('[data-testid=train-data]'), 'own-images');
  assert.equal(await page.isVisible('[data-testid=train-own]'), true);
  assert.deepEqual(problems, []);

  // Images beside a class folder: refused, in one line, as Node refuses the folder.
  const mixed = join(dir, 'mixed');
  mkdirSync(join(mixed, 'cls'), { recursive: true });
  writePng(join(mixed, 'top.png'), 4, 4, () => [0, 0, 0]);
  writePng(join(mixed, 'cls', 'x.png'), 4, 4, () => [0, 0, 0]);
  assert.throws(() => loadImageFolder(mixed), /mixes images \(top\.png\) and sub-folders \(cls\/\)/);
  await page.setInputFiles('[data-testid=train-files]', mixed);
  await page.waitForFunction(() => window.__vaekit.errors.length > 0);
  assert.deepEqual(await page.evaluate(() => window.__vaekit.errors), ['mixed: mixes images (top.png) and sub-folders (cls/); put all images in class sub-folders or none']);
  await assert.rejects(
    page.evaluate(() => window.__vaekit.train({ preset: 'medium-dense', data: 'own-images', epochs: 1 })),
    /mixes images/,
  );
});
