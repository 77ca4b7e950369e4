/**
 * WebGPU correctness without a GPU: one training step of each seed preset, recorded from the
 * engine (graph + real MNIST feeds + onnxruntime-node's CPU outputs), runs in Debian's headless
 * Chromium on onnxruntime-web 1.30's native WebGPU EP (ort.webgpu.min.mjs) over SwiftShader, and
 * its outputs — loss, metrics, new weights, optimizer state — match the CPU's within float
 * tolerance. The graphs go through `lowerForWebgpu` first (bit-identical on the CPU): SwiftShader
 * allows 10 storage buffers per shader and the engine's 14-way parameter Split needs 15 (ORT:
 * "Too many storage buffers in shader"), and ORT's WebGPU MaxPool has no Indices output, which
 * the engine's max-pool gradient reads. The engine's graphs as they are run as `todo` tests: they
 * report ORT's error until the engine lowers those ops itself.
 *
 * Chromium needs `--enable-unsafe-webgpu` for an adapter here (WEBGPU_FLAGS); without a GPU it
 * offers SwiftShader. Skipped, with a message, only where /usr/bin/chromium is absent. Slow:
 * SwiftShader runs the convolutions' shaders on the CPU (batch 32 keeps a step under a minute).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { lowerForWebgpu } from '../../bench/page/graph.js';
import { CHROMIUM, launchChromium, runInPage, startStepServer, webgpuAdapter, type StepServer } from '../../bench/page/server.js';
import { recordStep, STEP_PRESETS, type StepCase } from '../../bench/page/steps.js';

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: install Debian's chromium (apt-get install chromium) to run the WebGPU tests`;
if (skip) console.log(`skipping the WebGPU tests: ${skip}`);

/** Why the engine's own graphs do not run on the WebGPU EP yet (every preset has the first reason). */
const TODO =
  'the parameter Split has more outputs than WebGPU binds storage buffers (ORT: "Too many storage buffers in shader. Current: 11, Max is 10"); lecture-conv also reads MaxPool Indices (ORT: "The Indices output is not supported yet")';

let browser: Browser | undefined;
let server: StepServer | undefined;
const cases = new Map<string, StepCase>();

before(async () => {
  if (skip) return;
  for (const p of STEP_PRESETS) cases.set(p, await recordStep(p, 3, 32));
  const all = [...cases.values()];
  server = await startStepServer([...all, ...all.map((c) => ({ ...c, id: `${c.preset}~lowered`, graph: lowerForWebgpu(c.graph) }))]);
  browser = await launchChromium({ webgpu: true });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('Chromium offers a WebGPU adapter (SwiftShader where there is no GPU)', { skip }, async () => {
  const a = await webgpuAdapter(browser!, server!.url);
  assert.ok(a, `navigator.gpu.requestAdapter() gave null with ${CHROMIUM} and --enable-unsafe-webgpu`);
  console.log(`WebGPU adapter: ${JSON.stringify(a)}`);
});

/** One step of `id` on the native WebGPU EP; its outputs must match the CPU's. */
async function check(preset: string, id: string): Promise<void> {
  const c = cases.get(preset)!;
  const r = await runInPage(browser!, server!.url, { build: 'ort.webgpu.min.mjs', ep: 'webgpu', preset: id, warmup: 0, timed: 1, outputs: true }, 540_000);
  assert.deepEqual(r.outputNames, c.outputNames);
  for (const name of c.outputNames) {
    const got = r.outputs![name];
    const want = c.reference[name];
    assert.equal(got.length, want.length, `${name}: length`);
    // float32 sums in another order: within 1e-5 absolute plus 1e-4 relative.
    for (let i = 0; i < got.length; i++)
      if (!(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]))) assert.fail(`${id}: ${name}[${i}]: WebGPU ${got[i]}, CPU ${want[i]}`);
  }
  console.log(`${id}: WebGPU step ${r.ms[0].toFixed(0)} ms on SwiftShader, session ${r.createMs.toFixed(0)} ms, outputs match the CPU`);
}

for (const preset of STEP_PRESETS) {
  test(`${preset}: one training step on WebGPU (graph lowered for WebGPU) matches onnxruntime-node's CPU step`, { skip, timeout: 600_000 }, () =>
    check(preset, `${preset}~lowered`),
  );
  test(`${preset}: the engine's own step graph runs on WebGPU`, { skip, todo: TODO, timeout: 600_000 }, () => check(preset, preset));
}
