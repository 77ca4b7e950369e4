/**
 * The step-bench pieces that need no browser: recorded step cases replay in onnxruntime-node to
 * the recorded outputs; `splitWide` leaves no Concat/Split wider than its limit and
 * `lowerMaxUnpool` no MaxPool Indices, and neither changes an output; the feeds blob the page decodes has the layout it expects; ORT's verbose placement
 * lines parse into counts and the ops without a kernel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { lowerForWebgpu, lowerMaxUnpool, lowerSum, opCensus, splitWide } from '../../bench/page/graph.js';
import { parsePlacements } from '../../bench/page/server.js';
import { encodeFeeds, maxDiff, recordStep, type StepCase } from '../../bench/page/steps.js';

async function runNode(c: StepCase, graph: Uint8Array): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(graph, { intraOpNumThreads: 1 });
  const out = await s.run(Object.fromEntries(Object.entries(c.feeds).map(([k, f]) => [k, new ort.Tensor('float32', f.data, [...f.dims])])));
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

test('a recorded step replays to its outputs; splitWide changes none of them', async () => {
  const c = await recordStep('geron-dense', 2, 16);
  assert.ok(c.outputNames.includes('new:params/0') && c.outputNames.includes('loss'));
  assert.equal(c.feeds['params/0'].dims.length, 1);
  const before = opCensus(c.graph);
  assert.ok(before.widestConcat > 8, `geron-dense's parameter concat has ${before.widestConcat} inputs`);
  const split = splitWide(c.graph, 4);
  const after = opCensus(split);
  assert.ok(after.widestConcat <= 4);
  assert.ok(after.ops.Split > before.ops.Split);
  const [plain, wide] = [await runNode(c, c.graph), await runNode(c, split)];
  for (const k of c.outputNames) {
    // The engine ran with 2 threads: sums may associate differently, hence a float32 hair.
    assert.ok(maxDiff(plain[k], c.reference[k]).abs < 1e-6, `${k}: replay`);
    // Splitting only moves data: bit-identical on the same settings.
    assert.equal(maxDiff(wide[k], plain[k]).abs, 0, `${k}: split`);
  }
});

test('lowerForWebgpu: lecture-conv without MaxPool Indices, MaxUnpool or Sum, outputs bit-identical', async () => {
  const c = await recordStep('lecture-conv', 2, 16);
  const low = opCensus(lowerForWebgpu(c.graph));
  assert.ok(opCensus(c.graph).ops.MaxUnpool > 0);
  assert.equal(low.ops.MaxUnpool, undefined);
  assert.equal(low.ops.Sum, undefined);
  assert.equal(low.ops.SpaceToDepth, undefined);
  // keras-conv2d's last layer (one output channel) adds up its taps' shifted planes with a Sum.
  const k = await recordStep('keras-conv2d', 2, 16);
  assert.ok(opCensus(k.graph).ops.Sum > 0 && opCensus(lowerSum(k.graph)).ops.Sum === undefined);
  assert.ok(low.widestConcat <= 8);
  const onnx = (await import('onnx-proto')).default.onnx;
  for (const n of onnx.ModelProto.decode(lowerMaxUnpool(c.graph)).graph!.node!) if (n.opType === 'MaxPool') assert.equal(n.output!.length, 1, `${n.name}: Indices left`);
  const [plain, lowered] = [await runNode(c, c.graph), await runNode(c, lowerForWebgpu(c.graph))];
  // Ties included: the masks keep each window's first maximum, as ORT's indices do.
  for (const k of c.outputNames) assert.equal(maxDiff(lowered[k], plain[k]).abs, 0, k);
});

test('encodeFeeds: u32 header length, JSON header, 4-byte-aligned float32 body', () => {
  const blob = encodeFeeds({ a: { data: Float32Array.of(1, 2, 3), dims: [3] }, t: { data: Float32Array.of(7), dims: [] } });
  const n = new DataView(blob.buffer).getUint32(0, true);
  assert.equal((4 + n) % 4, 0);
  const header = JSON.parse(new TextDecoder().decode(blob.subarray(4, 4 + n))) as { feeds: { name: string; dims: number[]; offset: number; length: number }[] };
  assert.deepEqual(header.feeds, [
    { name: 'a', dims: [3], offset: 0, length: 3 },
    { name: 't', dims: [], offset: 3, length: 1 },
  ]);
  assert.deepEqual([...new Float32Array(blob.buffer, 4 + n)], [1, 2, 3, 7]);
});

test('maxDiff reports the largest difference, NaN included', () => {
  assert.deepEqual(maxDiff(Float32Array.of(1, 2.5, 3), Float32Array.of(1, 2, 3)), { abs: 0.5, rel: 0.25, at: 1 });
  assert.ok(Number.isNaN(maxDiff(Float32Array.of(NaN), Float32Array.of(0)).abs));
  assert.throws(() => maxDiff(new Float32Array(2), new Float32Array(3)), /expected 3 values, got 2/);
});

test('parsePlacements: node counts per EP and the ops without a WebGPU kernel', () => {
  const log = [
    '2026-11-23 [I:onnxruntime:, webgpu_execution_provider.cc:665 GetCapability] webgpu kernel not found in registries for Op type: Gather node name: n_Gather_167',
    '2026-11-23 [I:onnxruntime:, webgpu_execution_provider.cc:665 GetCapability] webgpu kernel not found in registries for Op type: Cast node name: n_Cast_171',
    '2026-11-23 [I:onnxruntime:, webgpu_execution_provider.cc:665 GetCapability] webgpu kernel not found in registries for Op type: Gather node name: n_Gather_167',
    '2026-11-23 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2',
    '2026-11-23 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 177',
  ];
  assert.deepEqual(parsePlacements(log), { counts: { CPUExecutionProvider: 2, WebGpuExecutionProvider: 177 }, noKernel: ['Gather n_Gather_167', 'Cast n_Cast_171'] });
  assert.deepEqual(parsePlacements(['… All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 12']), { counts: { WebGpuExecutionProvider: 12 }, noKernel: [] });
});
