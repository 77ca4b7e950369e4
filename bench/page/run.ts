/**
 * The page bench: ms per training step of the seed presets in headless Chromium (Debian's,
 * driven by playwright-core) on onnxruntime-web — wasm with 1 and 2 threads (the page is
 * cross-origin isolated, so threads work), and WebGPU on SwiftShader through both of
 * onnxruntime-web 1.30's WebGPU builds (ort.webgpu.min.mjs: the native C++ WebGPU EP;
 * ort.min.mjs: the JSEP one) — beside onnxruntime-node on the CPU running the same graph. Every
 * configuration's first step is also checked against onnxruntime-node's outputs (loss, new
 * weights, optimizer state), and the WebGPU runs report which nodes ORT left on the CPU.
 *
 *   node --import tsx bench/page/run.ts [--presets a,b] [--warmup 3] [--steps 5]
 *        [--gpu-warmup 1] [--gpu-steps 1] [--configs wasm1,wasm2,webgpu,webgpuLowered,jsep]
 *        [--out bench/results/page.json]
 *
 * Configurations: wasm1/wasm2 (ort.wasm.min.mjs, 1 or 2 threads), webgpu (native WebGPU EP on the
 * graph as recorded on the CPU runtime: it fails on the wide packed Split — the engine builds its
 * WebGPU graphs with Split/Concat trees itself, see test/web/webgpu.test.ts), webgpuLowered (the
 * same on `lowerForWebgpu`'s graph: no Concat or Split wider than 8, no MaxPool Indices, no Sum), jsep (the JSEP WebGPU EP of ort.min.mjs; not by default: it computes
 * wrong outputs here, see the JSON's diffs).
 *
 * SwiftShader is a CPU Vulkan: its WebGPU timings say nothing of a real GPU (correctness only).
 * A configuration that fails records ORT's error verbatim and the bench goes on.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import type { PresetName } from '../../src/index.js';
import { launchChromium, PageRunError, parsePlacements, runInPage, startStepServer, webgpuAdapter, type PageRunOptions, type Placement } from './server.js';
import { lowerForWebgpu } from './graph.js';
import { maxDiff, recordStep, STEP_PRESETS, type StepCase } from './steps.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: argv } = parseArgs({
  options: {
    presets: { type: 'string', default: STEP_PRESETS.join(',') },
    warmup: { type: 'string', default: '3' },
    steps: { type: 'string', default: '5' },
    'gpu-warmup': { type: 'string', default: '1' },
    'gpu-steps': { type: 'string', default: '1' },
    configs: { type: 'string', default: 'wasm1,wasm2,webgpu,webgpuLowered' },
    out: { type: 'string' },
  },
  strict: true,
});
const count = (flag: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${flag}: expected an integer ≥ ${min}, got '${v}'`);
  return n;
};
const presets = argv.presets!.split(',').map((p) => {
  if (!STEP_PRESETS.includes(p as PresetName)) throw new RangeError(`--presets: expected some of ${STEP_PRESETS.join(', ')}, got '${p}'`);
  return p as PresetName;
});
const warmup = count('--warmup', argv.warmup!, 0);
const steps = count('--steps', argv.steps!, 1);
const gpuWarmup = count('--gpu-warmup', argv['gpu-warmup']!, 0);
const gpuSteps = count('--gpu-steps', argv['gpu-steps']!, 1);
const outPath = argv.out ? resolve(argv.out) : resolve(REPO, 'bench/results/page.json');

/** One configuration's result on one preset. */
interface Cell {
  ms?: number[];
  median?: number;
  createMs?: number;
  /** Largest |Δ| and relative Δ against onnxruntime-node's outputs, per output. */
  diff?: Record<string, { abs: number; rel: number }>;
  placement?: Placement;
  error?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The recorded graph in onnxruntime-node (CPU EP), same feeds, outputs read as the page does. */
async function nodeCell(c: StepCase, threads: number): Promise<Cell> {
  const session = await ort.InferenceSession.create(c.graph, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const feeds = Object.fromEntries(Object.entries(c.feeds).map(([k, f]) => [k, new ort.Tensor('float32', f.data, [...f.dims])]));
  const ms: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t = performance.now();
    await session.run(feeds);
    if (i >= warmup) ms.push(performance.now() - t);
  }
  await session.release();
  return { ms, median: median(ms) };
}

const ALL_CONFIGS: { key: string; label: string; opts: Omit<PageRunOptions, 'preset'>; lowered?: boolean }[] = [
  { key: 'wasm1', label: 'page wasm 1t', opts: { build: 'ort.wasm.min.mjs', ep: 'wasm', threads: 1 } },
  { key: 'wasm2', label: 'page wasm 2t', opts: { build: 'ort.wasm.min.mjs', ep: 'wasm', threads: 2 } },
  { key: 'webgpu', label: 'page webgpu (native EP)', opts: { build: 'ort.webgpu.min.mjs', ep: 'webgpu', threads: 1 } },
  { key: 'webgpuLowered', label: 'page webgpu (native EP, lowered)', opts: { build: 'ort.webgpu.min.mjs', ep: 'webgpu', threads: 1 }, lowered: true },
  { key: 'jsep', label: 'page webgpu (JSEP)', opts: { build: 'ort.min.mjs', ep: 'webgpu', threads: 1 } },
];
const CONFIGS = argv.configs!.split(',').map((k) => {
  const c = ALL_CONFIGS.find((x) => x.key === k);
  if (!c) throw new RangeError(`--configs: expected some of ${ALL_CONFIGS.map((x) => x.key).join(', ')}, got '${k}'`);
  return c;
});

console.log(`recording step graphs of ${presets.join(', ')} (3 MNIST batches of 128 through onnxruntime-node)…`);
const cases: StepCase[] = [];
for (const p of presets) cases.push(await recordStep(p));
// The same graphs lowered for WebGPU: no Concat or Split wider than 8 (the storage-buffer limit),
// no MaxPool Indices (no WebGPU kernel). Both rewrites leave the CPU's outputs bit-identical.
const server = await startStepServer([...cases, ...cases.map((c) => ({ ...c, id: `${c.preset}~lowered`, graph: lowerForWebgpu(c.graph) }))]);
const browser = await launchChromium({ webgpu: true });
const chromiumVersion = browser.version();
const adapter = await webgpuAdapter(browser, server.url);
console.log(`chromium ${chromiumVersion}, WebGPU adapter: ${adapter ? JSON.stringify(adapter) : 'none'}`);

const table: Record<string, Record<string, Cell>> = {};
try {
  for (const c of cases) {
    const row: Record<string, Cell> = (table[c.preset] = {});
    row.node1 = await nodeCell(c, 1);
    row.node2 = await nodeCell(c, 2);
    for (const cfg of CONFIGS) {
      const gpu = cfg.opts.ep === 'webgpu';
      const cell: Cell = (row[cfg.key] = {});
      const id = cfg.lowered ? `${c.preset}~lowered` : c.preset;
      try {
        if (gpu) {
          // Placements need ORT's verbose log, which slows a run down: a separate one-step run.
          const v = await runInPage(browser, server.url, { ...cfg.opts, preset: id, warmup: 0, timed: 1, verbose: true }).catch((e: unknown) => {
            if (e instanceof PageRunError) return e; // a failed run still logged its placements
            throw e;
          });
          cell.placement = parsePlacements(v.console);
        }
        const r = await runInPage(browser, server.url, { ...cfg.opts, preset: id, warmup: gpu ? gpuWarmup : warmup, timed: gpu ? gpuSteps : steps, outputs: true });
        if (!r.crossOriginIsolated) throw new Error('the page is not crossOriginIsolated');
        cell.ms = r.ms;
        cell.median = median(r.ms);
        cell.createMs = r.createMs;
        cell.diff = Object.fromEntries(r.outputNames.map((k) => [k, maxDiff(r.outputs![k], c.reference[k])]));
      } catch (e) {
        cell.error = e instanceof Error ? e.message : String(e);
      }
      const worst = cell.diff ? Math.max(...Object.values(cell.diff).map((d) => d.abs)) : NaN;
      console.log(
        `  ${c.preset} ${cfg.label}: ${cell.error ? `FAILED: ${cell.error.split('\n')[0]}` : `${cell.median!.toFixed(1)} ms/step, max |Δ| vs node ${worst.toExponential(2)}`}`,
      );
    }
  }
} finally {
  await browser.close();
  await server.close();
}

const columns = [{ key: 'node1', label: 'node cpu 1t' }, { key: 'node2', label: 'node cpu 2t' }, ...CONFIGS.map((c) => ({ key: c.key, label: c.label }))];
const cellText = (c: Cell | undefined) => (!c ? '' : c.error ? 'error' : c.median!.toFixed(1));
console.log(`\nms/step (median; batch 128; wasm/node ${warmup}+${steps} steps, webgpu ${gpuWarmup}+${gpuSteps}; WebGPU = SwiftShader on the CPU):`);
console.log(['preset'.padEnd(14), ...columns.map((c) => c.label.padStart(Math.max(12, c.label.length)))].join(' '));
for (const [preset, row] of Object.entries(table)) console.log([preset.padEnd(14), ...columns.map((c) => cellText(row[c.key]).padStart(Math.max(12, c.label.length)))].join(' '));
console.log('\nmax |Δ| of any output vs onnxruntime-node (loss, weights, optimizer state):');
for (const [preset, row] of Object.entries(table))
  console.log(
    `  ${preset.padEnd(14)} ${CONFIGS.map((c) => {
      const d = row[c.key]?.diff;
      return `${c.key} ${d ? Math.max(...Object.values(d).map((x) => x.abs)).toExponential(1) : '—'}`;
    }).join('  ')}`,
  );
console.log('\nnodes per EP on WebGPU, and the ops without a WebGPU kernel (run on the CPU EP):');
for (const [preset, row] of Object.entries(table))
  for (const key of ['webgpu', 'webgpuLowered', 'jsep'])
    if (row[key]?.placement) console.log(`  ${preset} ${key}: ${JSON.stringify(row[key].placement!.counts)} no kernel: ${row[key].placement!.noKernel.join(', ') || 'none'}`);

const report = {
  date: new Date().toISOString(),
  chromium: chromiumVersion,
  onnxruntimeWeb: '1.30.0',
  adapter,
  settings: { warmup, steps, gpuWarmup, gpuSteps, batch: 128 },
  columns,
  table,
};
mkdirSync(dirname(outPath), { recursive: true });
const tmp = `${outPath}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n');
renameSync(tmp, outPath);
console.log(`\nwrote ${outPath}`);
