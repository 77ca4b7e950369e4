/**
 * What handing a model's outputs to JavaScript costs in onnxruntime-node, outside ORT's own
 * `model_run`: for a graph y_i = x · (i + 2) with k outputs of n floats, the median wall time of
 * `session.run` against the median `model_run` of ORT's profiler, and the minor page faults per
 * run, with the outputs left to ORT and with pre-allocated fetch buffers. Each configuration runs
 * in a process of its own: glibc's malloc raises its mmap threshold the first time a large block
 * is freed, so what ran before changes how often fresh pages fault in.
 *
 *   node --import tsx bench/handover.ts      (after `npm run build`)
 *
 * Why it matters: a training step returns the new weights and optimizer slots, three P-float
 * outputs for Adam (P = 404,244 for medium-dense). onnxruntime-node 1.30 copies every output
 * into a new ArrayBuffer, and a pre-allocated one through a further fresh allocation
 * (docs/PERFORMANCE.md, "Second pass").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { input } from '../dist/graph/tensor.js';
import { mul } from '../dist/graph/ops.js';
import { toOnnx } from '../dist/onnx/emit.js';

const RUNS = 300;
const median = (a: number[]) => [...a].sort((u, v) => u - v)[a.length >> 1];

async function measure(k: number, n: number, preallocated: boolean): Promise<string> {
  const x = input('x', [n]);
  const outputs = Array.from({ length: k }, (_, i) => ({ name: `y${i}`, tensor: mul(x, i + 2) }));
  const dir = mkdtempSync(join(tmpdir(), 'vaekit-handover-'));
  const session = await ort.InferenceSession.create(toOnnx({ inputs: [x], outputs }), { intraOpNumThreads: 2, enableProfiling: true, profileFilePrefix: join(dir, 'p') });
  const feeds = { x: new ort.Tensor('float32', new Float32Array(n).fill(1), [n]) };
  const fetches: Record<string, ort.Tensor> = {};
  for (const o of outputs) fetches[o.name] = new ort.Tensor('float32', new Float32Array(n), [n]);
  const wall: number[] = [];
  const before = process.resourceUsage().minorPageFault;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await (preallocated ? session.run(feeds, fetches) : session.run(feeds));
    wall.push(performance.now() - t);
  }
  const faults = (process.resourceUsage().minorPageFault - before) / RUNS;
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) throw new Error('no profile written');
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Array<{ name: string; dur: number }>;
  rmSync(dir, { recursive: true, force: true });
  const run = median(events.filter((e) => e.name === 'model_run').map((e) => e.dur / 1000));
  const w = median(wall);
  const mb = (k * n * 4) / 2 ** 20;
  return `${String(k).padStart(2)} × ${String(n).padStart(7)} floats ${preallocated ? 'pre-allocated' : 'ORT-allocated'}  wall ${w.toFixed(3)} ms, model_run ${run.toFixed(3)} ms, outside ${(w - run).toFixed(3)} ms (${((w - run) / mb).toFixed(2)} ms/MB), ${faults.toFixed(0)} faults/run`;
}

const [k, n, mode] = process.argv.slice(2);
if (k) console.log(await measure(Number(k), Number(n), mode === 'pre'));
else
  for (const [k, n] of [
    [1, 16],
    [1, 404244],
    [3, 404244],
  ])
    for (const mode of ['ort', 'pre'])
      process.stdout.write(execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(k), String(n), mode], { encoding: 'utf8' }));
