/**
 * WebGPU correctness without a GPU: in Debian's headless Chromium, the studio page trains one
 * step of each seed preset on onnxruntime-web's WebGPU backend (`?backend=webgpu`, SwiftShader's
 * adapter: Chromium offers it with `--enable-unsafe-webgpu`) and, in a second page, on its wasm
 * backend, through the same code path as the Train button (`window.__vaekit.train`); the losses
 * and the weights after the step match within float tolerance. SwiftShader is a CPU
 * implementation: this checks correctness, never speed.
 *
 * What makes the engine's graphs run on WebGPU, checked here: the packed parameters are split
 * (and the gradients joined) by trees of nodes of at most 7 outputs (`Runtime.maxNodeOutputs`:
 * WebGPU binds every tensor of a shader as a storage buffer, 8 guaranteed, 10 on SwiftShader),
 * and MaxPool nodes whose indices the max-pool gradient reads stay on the CPU (ORT 1.30's WebGPU
 * MaxPool has no Indices output).
 * Skipped, with a message, only where /usr/bin/chromium is absent.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startStudio, type Explorer } from '../../src/serve/server.js';
import { parseCheckpoint } from '../../src/train/checkpoint-format.js';
import type {} from '../../web/src/hook.js'; // window.__vaekit
import { chromiumSkip, launchChromium } from './browser.js';

const skip = chromiumSkip('the WebGPU tests');

let browser: Browser | undefined;
let studio: Explorer | undefined;

before(async () => {
  if (skip) return;
  studio = await startStudio({ port: 0 });
  browser = await launchChromium({ webgpu: true }); // no --disable-gpu: WebGPU needs the GPU process (SwiftShader here)
});
after(async () => {
  await browser?.close();
  await studio?.close();
});

/** One step of `preset` (16 images, batch 16) in a page on `backend`: the page's backend name, the loss and the checkpoint. */
async function oneStep(preset: string, backend: 'wasm' | 'webgpu') {
  const page = await browser!.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await page.goto(`${studio!.url}?backend=${backend}`);
    await page.evaluate(() => window.__vaekit.ready);
    const name = await page.evaluate(() => window.__vaekit.backend);
    const history = await page.evaluate((p) => window.__vaekit.train({ preset: p, data: 'mnist', epochs: 1, limit: 16, batchSize: 16, seed: 2, redraw: false }), preset);
    const ck = await page.evaluate(async () => Array.from((await window.__vaekit.exportRun())['checkpoint.bin']));
    assert.deepEqual(problems, []);
    assert.deepEqual(await page.evaluate(() => window.__vaekit.errors), []);
    return { name, loss: history[0].loss, ck: parseCheckpoint(Uint8Array.from(ck), `${preset} on ${backend}`) };
  } finally {
    await page.close();
  }
}

for (const preset of ['medium-dense', 'geron-dense', 'keras-conv2d', 'lecture-conv']) {
  test(`one training step of ${preset} on WebGPU (SwiftShader) matches the wasm step`, { skip, timeout: 300_000 }, async () => {
    const gpu = await oneStep(preset, 'webgpu');
    // The page chose WebGPU (it falls back to wasm, and says so, without an adapter).
    assert.equal(gpu.name, 'onnxruntime-web (webgpu)');
    const cpu = await oneStep(preset, 'wasm');
    assert.match(cpu.name, /^onnxruntime-web \(wasm/);
    assert.equal(gpu.ck.state.step, 1);
    assert.ok(Math.abs(gpu.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `${preset}: loss ${gpu.loss} on WebGPU, ${cpu.loss} on wasm`);
    assert.equal(gpu.ck.weights.length, cpu.ck.weights.length);
    gpu.ck.weights.forEach((w, i) => {
      const c = cpu.ck.weights[i].data;
      let worst = 0;
      for (let j = 0; j < c.length; j++) worst = Math.max(worst, Math.abs(w.data[j] - c[j]) / (1e-3 + Math.abs(c[j])));
      assert.ok(worst < 1e-2, `${preset}: ${w.name} differs by ${worst} (relative) after one step`);
    });
  });
}
