/**
 * The explorer end to end in Debian's Chromium (driven by playwright-core): `startExplorer` on
 * small trained runs, the page decoding with onnxruntime-web's wasm backend. Checks that the
 * sample grid draws non-blank images, that sliders, the map, the morph slider and the label
 * picker change the decoded pixels, that reconstruction works; prints the decoder's latency per
 * 28×28 image for lecture-conv, and saves a screenshot (VAEKIT_SCREENSHOT=docs/explorer.png
 * refreshes the README's).
 * Skipped, with a message, where /usr/bin/chromium is absent (apt-get install chromium).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Dataset } from '../../src/data/index.js';
import type { PresetName } from '../../src/models/presets.js';
import type { VAEConfig } from '../../src/models/vae.js';
import { Dense, Flatten, Reshape } from '../../src/nn/layers.js';
import { Rng } from '../../src/rng.js';
import { trainRun } from '../../src/run/train.js';
import { startExplorer, type Explorer } from '../../src/serve/server.js';
import type {} from '../../web/src/hook.js'; // window.__vaekit
import { chromiumSkip, launchChromium, openPage } from '../web/browser.js';
import { root, testImages, tinyRun } from './helpers.js';

const skip = chromiumSkip("the explorer's browser tests");

const dir = mkdtempSync(join(tmpdir(), 'vaekit-explorer-'));
const explorers: Explorer[] = [];
let browser: Browser | undefined;
/** Requests the page made to any other origin (there must be none: the page works offline). */
const foreign: string[] = [];

async function serve(preset: PresetName, limit: number, epochs: number, batchSize?: number): Promise<Explorer> {
  const run = await tinyRun(join(dir, preset), preset, limit, epochs, batchSize);
  const ex = await startExplorer(run, { port: 0, data: testImages() });
  explorers.push(ex);
  return ex;
}

before(async () => {
  if (skip) return;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  for (const ex of explorers) await ex.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the explorer at `url` and waits until every section has drawn. */
async function open(url: string, viewport = { width: 1400, height: 1000 }): Promise<Page> {
  // Anything not from the vaekit server is refused (and recorded): no CDN, no network.
  const { page, problems } = await openPage(browser!, `${url}?seed=7`, { viewport, foreign });
  await page.evaluate(() => window.__vaekit.ready);
  await settle(page);
  assert.deepEqual(problems, []);
  assert.deepEqual(await page.evaluate(() => window.__vaekit.errors), []);
  return page;
}

const settle = (page: Page) => page.evaluate(() => window.__vaekit.idle());

/** A canvas's pixels (red channel, 0–255) and size. */
async function pixels(page: Page, testid: string): Promise<{ w: number; h: number; v: number[] }> {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const v: number[] = [];
    for (let i = 0; i < d.length; i += 4) v.push(d[i]);
    return { w: c.width, h: c.height, v };
  }, testid);
}

/** Mean absolute difference of two pixel arrays, 0–255. */
function diff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** The cells of a grid of 28×28 images with 1-pixel gaps, as arrays of 784 values. */
function cells(p: { w: number; v: number[] }, n: number, columns: number): number[][] {
  return Array.from({ length: n }, (_, k) => {
    const x0 = (k % columns) * 29;
    const y0 = Math.floor(k / columns) * 29;
    const out: number[] = [];
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) out.push(p.v[(y0 + y) * p.w + x0 + x]);
    return out;
  });
}

function std(a: number[]): number {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
}

function correlation(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test('lecture-conv (latent 100): sample grid, PCA sliders, morph strip, reconstruction, and the decode latency', { skip }, async () => {
  const ex = await serve('lecture-conv', 600, 1);
  const page = await open(ex.url);
  const info = await page.evaluate(() => window.__vaekit.ready);
  assert.deepEqual(info, { mode: 'explorer', latentDim: 100, numClasses: null, sliders: 16, preset: 'lecture-conv' });
  assert.equal(await page.locator('#label-box').isVisible(), false, 'no label picker for an unconditional model');
  assert.match(await page.locator('#steer-hint').innerText(), /top 16 principal directions/);

  // Generate: 64 images, 8 × 8, each with some structure (not a flat colour), not all alike.
  const grid = await pixels(page, 'sample-grid');
  assert.deepEqual([grid.w, grid.h], [8 * 28 + 7, 8 * 28 + 7]);
  const samples = cells(grid, 64, 8);
  for (const [k, c] of samples.entries()) assert.ok(std(c) > 1, `sample ${k} is blank (std ${std(c).toFixed(2)})`);
  assert.ok(diff(samples[0], samples[1]) > 0.5, 'samples differ');
  await page.getByTestId('regenerate').click();
  await settle(page);
  assert.ok(diff(grid.v, (await pixels(page, 'sample-grid')).v) > 0.5, 'Regenerate draws new samples');

  // Steer: moving a slider changes the decoded image.
  const before = await pixels(page, 'steer-image');
  assert.ok(std(before.v) > 1, 'the steered image is not blank');
  await page.getByTestId('slider-0').fill('2.5');
  await settle(page);
  const moved = await pixels(page, 'steer-image');
  assert.ok(diff(before.v, moved.v) > 1, `slider 0 changes the image (mean |Δ| ${diff(before.v, moved.v).toFixed(2)})`);
  await page.getByTestId('slider-1').fill('-3');
  await settle(page);
  const moved2 = await pixels(page, 'steer-image');
  assert.ok(diff(moved.v, moved2.v) > 0.2, `slider 1 changes the image (mean |Δ| ${diff(moved.v, moved2.v).toFixed(2)})`);

  // Morph: a strip of 10 decoded images between two class means; the slider walks the path.
  const strip = await pixels(page, 'morph-strip');
  assert.deepEqual([strip.w, strip.h], [10 * 28 + 9, 28]);
  for (const [k, c] of cells(strip, 10, 10).entries()) assert.ok(std(c) > 1, `strip image ${k} is blank`);
  const mid = await pixels(page, 'morph-image');
  await page.getByTestId('morph-slider').fill('0');
  await settle(page);
  const start = await pixels(page, 'morph-image');
  assert.ok(diff(mid.v, start.v) > 0.5, 'the morph slider changes the image');
  // The walk at t = 0 is the strip's first image.
  assert.ok(diff(start.v, cells(strip, 1, 10)[0]) < 1);

  // Reconstruct: the chosen test image beside its reconstruction (encoder in the browser).
  await page.getByTestId('recon-gallery').click({ position: { x: 29 * 5 + 14, y: 14 } });
  await settle(page);
  assert.match(await page.locator('#recon-caption').innerText(), /test image #\d+/);
  const original = await pixels(page, 'recon-original');
  const recon = await pixels(page, 'recon-output');
  assert.ok(std(original.v) > 20 && std(recon.v) > 1, 'both images drawn');

  // Decoder latency in this page: batches of 64 (as the sample grid) and single images (as a slider).
  const batch = await page.evaluate(() => window.__vaekit.decodeLatencyMs(64, 10));
  const single = await page.evaluate(() => window.__vaekit.decodeLatencyMs(1, 30));
  console.log(
    `lecture-conv decode latency in Chromium (onnxruntime-web wasm, 1 thread): ${batch.perImageMs.toFixed(3)} ms per 28×28 image ` +
      `(batches of 64, median of 10 calls: ${batch.medianCallMs.toFixed(1)} ms); one image per call: ${single.medianCallMs.toFixed(2)} ms`,
  );
  assert.ok(batch.perImageMs < 5, `decode latency ${batch.perImageMs} ms per image, target < 5 ms`);
  await page.context().close();
});

test('medium-dense (latent 2): manifold backdrop, decoding under the pointer, reconstruction; the README screenshot', { skip }, async () => {
  // Trained a little longer than the others, so that the screenshot shows recognizable digits.
  const ex = await serve('medium-dense', 20000, 3, 64);
  const page = await open(ex.url);
  assert.deepEqual(await page.evaluate(() => window.__vaekit.ready), { mode: 'explorer', latentDim: 2, numClasses: null, sliders: 2, preset: 'medium-dense' });
  assert.equal(await page.locator('#map-backdrop-box').isVisible(), true);

  // The manifold backdrop: the map is not a flat background (points + decoded digits).
  const withBackdrop = await pixels(page, 'map-canvas');
  await page.locator('#map-backdrop').uncheck();
  const without = await pixels(page, 'map-canvas');
  assert.ok(diff(withBackdrop.v, without.v) > 5, 'the decoded manifold is drawn behind the points');
  await page.locator('#map-backdrop').check();

  // Hovering decodes the point under the pointer.
  await page.getByTestId('map').scrollIntoViewIfNeeded();
  const box = (await page.getByTestId('map').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
  await settle(page);
  const a = await pixels(page, 'map-image');
  const coordsA = await page.getByTestId('map-coords').innerText();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.75);
  await settle(page);
  const b = await pixels(page, 'map-image');
  assert.notEqual(await page.getByTestId('map-coords').innerText(), coordsA);
  assert.ok(diff(a.v, b.v) > 2, 'two points of the map decode to different images');
  // Dragging too.
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 4 });
  await page.mouse.up();
  await settle(page);
  assert.ok(diff(b.v, (await pixels(page, 'map-image')).v) > 1, 'dragging decodes along the way');

  // Reconstruction resembles the original.
  await page.getByTestId('recon-gallery').click({ position: { x: 29 * 2 + 14, y: 14 } });
  await settle(page);
  const r = correlation((await pixels(page, 'recon-original')).v, (await pixels(page, 'recon-output')).v);
  assert.ok(r > 0.5, `reconstruction correlates with the original (r = ${r.toFixed(2)})`);

  // Morph between test images encodes them in the page.
  await page.getByTestId('morph-mode').selectOption('images');
  await settle(page);
  for (const [k, c] of cells(await pixels(page, 'morph-strip'), 10, 10).entries()) assert.ok(std(c) > 1, `strip image ${k} is blank`);

  // The screenshot for the README: back to the class-mean morph, a point on the map.
  await page.getByTestId('morph-mode').selectOption('classes');
  await page.getByTestId('recon-gallery').click({ position: { x: 29 * 3 + 14, y: 14 } });
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.62);
  await settle(page);
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  mkdirSync(join(root, 'docs'), { recursive: true });
  // Written to the temp folder; VAEKIT_SCREENSHOT=docs/explorer.png refreshes the README's picture.
  const shot = process.env.VAEKIT_SCREENSHOT ? join(root, process.env.VAEKIT_SCREENSHOT) : join(tmpdir(), 'vaekit-explorer.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
  await page.context().close();
});

test('cvae: the label picker changes what the decoder draws', { skip }, async () => {
  const ex = await serve('cvae', 600, 1);
  const page = await open(ex.url);
  assert.equal((await page.evaluate(() => window.__vaekit.ready)).numClasses, 10);
  const picker = page.getByTestId('label-picker');
  assert.equal(await picker.isVisible(), true);
  assert.equal(await picker.locator('option').count(), 10);
  const grid = await pixels(page, 'sample-grid');
  const steer = await pixels(page, 'steer-image');
  const map = await pixels(page, 'map-canvas');
  await picker.selectOption('7');
  await settle(page);
  assert.ok(diff(grid.v, (await pixels(page, 'sample-grid')).v) > 0.05, 'the samples follow the label');
  assert.ok(diff(steer.v, (await pixels(page, 'steer-image')).v) > 0.05, 'the steered image follows the label');
  assert.ok(diff(map.v, (await pixels(page, 'map-canvas')).v) > 0.05, 'the manifold backdrop follows the label');
  await page.context().close();
});

test('every other kind of model opens too: geron-dense (10-D, linear decoder), ae-2d (plain autoencoder), keras-conv2d, an unlabelled RGB model', { skip }, async () => {
  const rgb = join(dir, 'rgb');
  const images = new Float32Array(400 * 12 * 12 * 3);
  const rng = new Rng(5);
  for (let i = 0; i < 400; i++) {
    // Soft colour gradients: one random colour per corner.
    const corners = Array.from({ length: 4 * 3 }, () => rng.uniform());
    for (let y = 0; y < 12; y++)
      for (let x = 0; x < 12; x++)
        for (let c = 0; c < 3; c++) {
          const u = x / 11,
            v = y / 11;
          images[((i * 12 + y) * 12 + x) * 3 + c] = (1 - u) * (1 - v) * corners[c] + u * (1 - v) * corners[3 + c] + (1 - u) * v * corners[6 + c] + u * v * corners[9 + c];
        }
  }
  const ds: Dataset = { images, labels: null, shape: [12, 12, 3], count: 400, labelNames: null, name: 'gradients' };
  const config: VAEConfig = {
    inputShape: [12, 12, 3],
    latentDim: 3,
    encoder: [new Flatten(), new Dense(32, { activation: 'relu' })],
    decoder: [new Dense(32, { activation: 'relu' }), new Dense(12 * 12 * 3, { activation: 'sigmoid' }), new Reshape([12, 12, 3])],
    loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 2,
    batchSize: 32,
  };
  const trained = await trainRun({ out: rgb, config, data: { train: ds, test: null }, seed: 1, validation: null });
  await trained.vae.dispose();
  const rgbExplorer = await startExplorer(rgb, { port: 0, data: ds });
  explorers.push(rgbExplorer);

  const cases: [Explorer, number, number][] = [
    [await serve('geron-dense', 600, 1), 10, 28],
    [await serve('ae-2d', 600, 1), 2, 28],
    [await serve('keras-conv2d', 600, 1), 2, 28],
    [rgbExplorer, 3, 12],
  ];
  for (const [ex, latentDim, size] of cases) {
    const page = await open(ex.url);
    const info = await page.evaluate(() => window.__vaekit.ready);
    assert.equal(info.latentDim, latentDim);
    assert.equal(info.sliders, latentDim);
    const grid = await pixels(page, 'sample-grid');
    assert.deepEqual([grid.w, grid.h], [8 * size + 7, 8 * size + 7]);
    assert.ok(std(grid.v) > 1, `${info.preset}: the sample grid is not blank`);
    const before = await pixels(page, 'steer-image');
    await page.getByTestId('slider-0').fill('3');
    await settle(page);
    assert.ok(diff(before.v, (await pixels(page, 'steer-image')).v) > 0, `${info.preset}: the slider changes the image`);
    for (const [k, c] of cells(await pixels(page, 'morph-strip'), 10, 10).entries()) assert.ok(c.length > 0, `strip image ${k}`);
    if (size === 12) {
      // No labels: no class means, so Morph walks between test images; colours are drawn as colours.
      assert.equal(await page.getByTestId('morph-mode').inputValue(), 'images');
      const colour = await page.evaluate(() => {
        const c = document.querySelector('[data-testid="recon-original"]') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let spread = 0;
        for (let i = 0; i < d.length; i += 4) spread += Math.abs(d[i] - d[i + 1]) + Math.abs(d[i + 1] - d[i + 2]);
        return spread / (d.length / 4);
      });
      assert.ok(colour > 5, `RGB images are drawn in colour (mean channel spread ${colour.toFixed(1)})`);
    }
    await page.context().close();
  }
});

test('the page asked no other origin for anything (it works offline)', { skip }, () => {
  assert.deepEqual(foreign, []);
});
