/**
 * The blocked-layout pass (src/onnx/blocked.ts): between two blocked convolutions the activation
 * stays blocked (no ReorderOutput → ReorderInput round trip), a ReLU right after a blocked Conv
 * becomes the Conv's activation, and the graph computes what the standard ONNX graph does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { grad } from '../../src/graph/autodiff.js';
import * as op from '../../src/graph/ops.js';
import { input, param, type Tensor } from '../../src/graph/tensor.js';
import { NCHWC, toOnnx } from '../../src/onnx/emit.js';
import { Rng } from '../../src/rng.js';
import { compile, nodeRuntime } from '../../src/runtime/node.js';

const { onnx } = onnxProto;

/** Two conv layers with ReLUs, a stride-2 transposed conv, an upsampling, Keras' NHWC flatten and reshape, and every gradient: the shapes of the conv presets in small. */
function net(c: number) {
  const x = input('x', ['N', c, 8, 8]);
  const w1 = param('w1', [c, c, 3, 3]);
  const b1 = param('b1', [c]);
  const w2 = param('w2', [2 * c, c, 3, 3]);
  const wt = param('wt', [2 * c, c, 3, 3]);
  const w4 = param('w4', [c, 2 * c, 3, 3]);
  const w5 = param('w5', [c, 2 * c, 3, 3]);
  const h1 = op.relu(op.conv(x, w1, { pads: [1, 1, 1, 1] }, b1)); // (N, c, 8, 8)
  const h2 = op.relu(op.conv(h1, w2, { strides: [2, 2], pads: [0, 0, 1, 1] })); // (N, 2c, 4, 4)
  const h3 = op.relu(op.convTranspose(h2, wt, { strides: [2, 2], pads: [0, 0, 1, 1], outputPadding: [1, 1] })); // (N, c, 8, 8)
  const flat = op.reshape(op.transpose(h2, [0, 2, 3, 1]), ['N', 2 * c * 16]); // Keras' Flatten
  const image = op.transpose(op.reshape(op.mul(flat, 0.5), ['N', 4, 4, 2 * c]), [0, 3, 1, 2]); // Keras' Reshape to an image
  const h4 = op.relu(op.conv(image, w4, { pads: [1, 1, 1, 1] })); // (N, c, 4, 4)
  // (N, c, 6, 6): a 'valid' conv, so the upsampling stays one (a 'same' one would fold it into a
  // stride-2 transposed conv, src/graph/ops.ts), and its gradient's block sums stay blocked.
  const h5 = op.relu(op.conv(op.upsample(h2, 2), w5));
  const sq = (t: Tensor) =>
    op.reduceSum(
      op.mul(t, t),
      t.shape.map((_, i) => i),
    );
  const loss = op.add(op.add(op.add(sq(h3), sq(flat)), sq(h4)), sq(h5));
  const params = [w1, b1, w2, wt, w4, w5];
  const grads = grad(loss, [x, ...params]) as Tensor[];
  return { inputs: [x, ...params], outputs: [{ name: 'loss', tensor: loss }, ...grads.map((g, i) => ({ name: `d${i}`, tensor: g }))] };
}

test('activations between blocked convolutions stay blocked, and a ReLU after a blocked Conv is fused into it', () => {
  const bytes = toOnnx({ ...net(16), nchwcBlock: 8 });
  const nodes = onnx.ModelProto.decode(bytes).graph!.node!;
  const producer = new Map(nodes.flatMap((n) => n.output!.map((o) => [o, n] as const)));
  const roundTrips = nodes.filter((n) => n.opType === 'ReorderInput' && producer.get(n.input![0])?.opType === 'ReorderOutput');
  assert.equal(roundTrips.length, 0, 'a ReorderInput of a ReorderOutput');
  const fused = nodes.filter((n) => n.domain === NCHWC && n.opType === 'Conv' && n.attribute!.some((a) => a.name === 'activation' && new TextDecoder().decode(a.s!) === 'Relu'));
  assert.ok(fused.length >= 2, `${fused.length} Conv nodes with a fused Relu`);
  const channelsLast = (op: string) => nodes.filter((n) => n.opType === op && n.attribute!.some((a) => a.name === 'channels_last' && Number(a.i) === 1));
  assert.ok(channelsLast('ReorderOutput').length >= 1, 'no ReorderOutput straight to NHWC');
  assert.ok(channelsLast('ReorderInput').length >= 1, 'no ReorderInput straight from NHWC');
  const toNhwc = (n: onnxProto.onnx.INodeProto) => n.opType === 'Transpose' && n.attribute!.some((a) => a.name === 'perm' && a.ints!.map(Number).join() === '0,2,3,1');
  assert.ok(!nodes.some((n) => toNhwc(n) && producer.get(n.input![0])?.opType === 'ReorderOutput'), 'a Transpose to NHWC of a ReorderOutput');
  const perm = (n: onnxProto.onnx.INodeProto | undefined, p: string) =>
    n?.opType === 'Transpose' && n.attribute!.some((a) => a.name === 'perm' && a.ints!.map(Number).join() === p);
  // A kernel gradient's NCHW → CHWN of Keras' reshaped image: ORT would fuse it with the
  // NHWC → NCHW Transpose before it into one slow N-D Transpose.
  assert.ok(!nodes.some((n) => perm(n, '1,2,3,0') && perm(producer.get(n.input![0]), '0,3,1,2')), 'a CHWN Transpose of an NHWC Transpose');
  assert.ok(
    nodes.some((n) => perm(n, '1,0,2')),
    'no (H·W, C, N) → (C, H·W, N) Transpose',
  );
  const pools = nodes.filter((n) => n.opType === 'AveragePool');
  assert.ok(
    pools.length === 1 && pools[0].domain === NCHWC,
    `the upsampling's gradient: ${pools.map((n) => `${n.domain}:AveragePool`).join(', ')}, expected one blocked AveragePool`,
  );
});

const block = await nodeRuntime.nchwcBlock!();
test("the blocked graph's loss and gradients match standard ONNX's", { skip: block === undefined && 'this ONNX Runtime has no NCHWc kernels here' }, async () => {
  const c = block!; // one block of channels, then two
  const spec = net(c);
  const rng = new Rng(3);
  const feeds = Object.fromEntries(
    spec.inputs.map((t) => [
      t.name!,
      {
        data: rng.normalArray((t.shape as (number | 'N')[]).reduce<number>((a, d) => a * (d === 'N' ? 2 : d), 1)).map((v) => v * 0.3),
        dims: t.shape.map((d) => (d === 'N' ? 2 : d)),
      },
    ]),
  );
  const [plain, blocked] = await Promise.all([compile(toOnnx(spec)), compile(toOnnx({ ...spec, nchwcBlock: block }))]);
  const [a, b] = await Promise.all([plain.run(feeds), blocked.run(feeds)]);
  for (const { name } of spec.outputs) {
    const scale = Math.max(...a[name].map(Math.abs), 1e-3);
    a[name].forEach((v, i) => assert.ok(Math.abs(v - b[name][i]) <= 1e-4 * scale, `${name}[${i}]: ${b[name][i]} blocked, ${v} standard`));
  }
  await Promise.all([plain.release(), blocked.release()]);
});
