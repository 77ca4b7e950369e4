/**
 * What `toOnnx` does to the nodes the lowerings emit: a MaxPool whose values and indices are both
 * needed (a training step's forward pass and its gradient) becomes one node, and the merged model
 * computes what the separate nodes did.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { grad } from '../../src/graph/autodiff.js';
import * as op from '../../src/graph/ops.js';
import { input, param } from '../../src/graph/tensor.js';
import { scanSteps, toOnnx } from '../../src/onnx/emit.js';
import { Rng } from '../../src/rng.js';
import { compile } from '../../src/runtime/node.js';

const { onnx } = onnxProto;
const nodesOf = (bytes: Uint8Array, opType: string) => (onnx.ModelProto.decode(bytes).graph?.node ?? []).filter((n) => n.opType === opType);

test('a forward MaxPool and its gradient share one MaxPool node, with the same values as apart', async () => {
  const x = input('x', ['N', 2, 4, 6]);
  const y = op.maxPool(x, [2, 2], [2, 2]);
  const w = input('w', [1, 2, 2, 3]);
  const [dx] = grad(op.reduceSum(op.mul(y, w), [0, 1, 2, 3]), [x]);
  const both = toOnnx({
    inputs: [x, w],
    outputs: [
      { name: 'y', tensor: y },
      { name: 'dx', tensor: dx! },
    ],
  });
  const pools = nodesOf(both, 'MaxPool');
  assert.equal(pools.length, 1, 'one MaxPool left');
  assert.equal(pools[0].output?.length, 2, 'the one with the indices');

  const data = new Rng(3).normalArray(2 * 2 * 4 * 6);
  const wData = new Rng(4).normalArray(2 * 3 * 2);
  const feeds = { x: { data, dims: [2, 2, 4, 6] }, w: { data: wData, dims: [1, 2, 2, 3] } };
  const merged = await compile(both);
  const apart = {
    y: await compile(toOnnx({ inputs: [x], outputs: [{ name: 'y', tensor: y }] })),
    dx: await compile(toOnnx({ inputs: [x, w], outputs: [{ name: 'dx', tensor: dx! }] })),
  };
  const r = await merged.run(feeds);
  assert.deepEqual([...r.y], [...(await apart.y.run({ x: feeds.x })).y]);
  assert.deepEqual([...r.dx], [...(await apart.dx.run(feeds)).dx]);
  for (const s of [merged, apart.y, apart.dx]) await s.release();
});

test('MaxPools of other inputs or attributes stay apart', () => {
  const x = input('x', ['N', 1, 6, 6]);
  const outputs = [
    { name: 'a', tensor: op.maxPool(x, [2, 2], [2, 2]) },
    { name: 'b', tensor: op.maxPool(x, [3, 3], [3, 3]) },
    { name: 'c', tensor: op.maxPool(op.relu(x), [2, 2], [2, 2]) },
  ];
  assert.equal(nodesOf(toOnnx({ inputs: [x], outputs }), 'MaxPool').length, 3);
});

test('scanSteps loops a step K times in one run: the carried value comes out last, the others stacked', async () => {
  // A step of a running sum: s' = s + Σ_rows x, and y = Σ x·s (of the step's own s).
  const x = input('x', ['N', 3]);
  const s = input('s', [3]);
  const step = toOnnx({
    inputs: [x, s],
    outputs: [
      { name: 'y', tensor: op.reduceSum(op.mul(x, s), [0, 1]) },
      { name: 'next', tensor: op.add(s, op.reduceSum(x, [0])) },
    ],
  });
  const looped = scanSteps(step, [{ input: 's', output: 'next' }]);
  assert.equal(nodesOf(looped, 'Scan').length, 1);
  const xs = new Rng(5).normalArray(4 * 2 * 3); // K = 4 steps of 2 rows
  const one = await compile(step);
  const all = await compile(looped);
  assert.deepEqual(all.inputNames, one.inputNames);
  assert.deepEqual(all.outputNames, one.outputNames);
  let carried: Float32Array = Float32Array.of(1, 2, 3);
  const ys: number[] = [];
  for (let k = 0; k < 4; k++) {
    const r = await one.run({ x: { data: xs.subarray(k * 6, (k + 1) * 6), dims: [2, 3] }, s: { data: carried, dims: [3] } });
    ys.push(r.y[0]);
    carried = r.next;
  }
  const r = await all.run({ x: { data: xs, dims: [4, 2, 3] }, s: { data: Float32Array.of(1, 2, 3), dims: [3] } });
  assert.deepEqual([...r.y], ys);
  assert.deepEqual([...r.next], [...carried]);
  await Promise.all([one.release(), all.release()]);
  assert.throws(() => scanSteps(step, [{ input: 'state', output: 'next' }]), /scanSteps: the step has no input 'state' \(inputs: x, s\)/);
  assert.throws(() => scanSteps(step, [{ input: 's', output: 'new' }]), /scanSteps: the step has no output 'new' \(outputs: y, next\)/);
});

test('with nchwcBlock, convolutions of fed weights lower onto NCHWc nodes; without it, or with constant weights, standard ONNX only', () => {
  const x = input('x', ['N', 16, 6, 6]);
  const w = input('w', [16, 16, 3, 3]);
  const wt = input('wt', [16, 8, 3, 3]);
  const y = op.convTranspose(op.relu(op.conv(x, w, { strides: [2, 2], pads: [0, 0, 1, 1] })), wt, { strides: [2, 2], pads: [0, 0, 1, 1] });
  const domains = (bytes: Uint8Array) => new Set((onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => `${n.domain || 'ai.onnx'}:${n.opType}`));
  const blocked = domains(toOnnx({ inputs: [x, w, wt], outputs: [{ name: 'y', tensor: y }], nchwcBlock: 8 }));
  for (const n of ['com.microsoft.nchwc:ReorderInput', 'com.microsoft.nchwc:Conv', 'com.microsoft.nchwc:ReorderOutput'])
    assert.ok(blocked.has(n), `${n} among ${[...blocked].join(', ')}`);
  assert.ok(!blocked.has('ai.onnx:Conv') && !blocked.has('ai.onnx:ConvTranspose'), [...blocked].join(', '));
  const plain = domains(toOnnx({ inputs: [x, w, wt], outputs: [{ name: 'y', tensor: y }] }));
  assert.ok(plain.has('ai.onnx:Conv') && plain.has('ai.onnx:ConvTranspose') && ![...plain].some((n) => n.startsWith('com.microsoft')), [...plain].join(', '));
  // An exported model (weights baked in) stays portable: ORT blocks constant weights itself.
  const weights = new Map([
    ['w', new Float32Array(16 * 16 * 9)],
    ['wt', new Float32Array(16 * 8 * 9)],
  ]);
  const pw = param('w', [16, 16, 3, 3]);
  const pwt = param('wt', [16, 8, 3, 3]);
  const baked = op.convTranspose(op.conv(x, pw, { strides: [2, 2], pads: [0, 0, 1, 1] }), pwt, { strides: [2, 2], pads: [0, 0, 1, 1] });
  const exported = domains(toOnnx({ inputs: [x], outputs: [{ name: 'y', tensor: baked }], weights, nchwcBlock: 8 }));
  assert.ok(![...exported].some((n) => n.startsWith('com.microsoft')), [...exported].join(', '));
});
