/**
 * A pass over an emitted graph that keeps activations in ONNX Runtime's blocked (NCHWc) layout
 * from one blocked convolution to the next. The op table lowers each convolution on its own, NCHW
 * in and out (ReorderInput, Conv, ReorderOutput: see `blocked` in src/graph/ops.ts), so a layer's
 * output is reordered to NCHW only to be reordered back by the next layer, with its ReLU, the
 * ReLU's gradient mask and the gradient's product in between. Each such copy of a 128×32×28×28
 * activation costs ≈ 0.5–1 ms.
 *
 * The pass gives every NCHW tensor that a ReorderOutput made a blocked twin (the reorder's input),
 * and every elementwise node whose tensor operands have twins (or are a minority of same-shape NCHW
 * floats, reordered in) a blocked copy. Consumers then read the twins where they can: a
 * ReorderInput becomes its twin, a Transpose to NHWC (the kernel gradient's im2col, Keras'
 * Flatten) a ReorderOutput with channels last, a ReorderInput of a Transpose from NHWC (Keras'
 * Reshape to an image) a ReorderInput with channels last, a bias gradient's ReduceSum a sum of
 * the blocked values, an AveragePool (an upsampling's gradient) ORT's blocked AveragePool, and a
 * ReLU right after a blocked Conv becomes the Conv's activation. A kernel gradient's CHWN
 * Transpose of an NHWC tensor becomes two Transposes that ORT runs on its fast path. An NCHW
 * tensor still needed elsewhere is reordered out of its twin (one copy), and what nobody reads
 * any more is dropped. Only tensors whose channels fill whole blocks get
 * twins, so no padding channel ever mixes in. Two more rewrites were slower and are not made: the
 * kernel gradient's (C, N·H·W) Transpose as a 5-D Transpose of the blocked values (7 ms against
 * 0.5 at 128×64×14×14: ORT moves one float at a time), and a bias gradient's ReduceSum over the
 * blocked axes in one node (2 ms against 0.5; in two nodes, first over N, it is faster: below).
 */
import onnxProto from 'onnx-proto';
import type { Shape } from '../graph/shape.js';
import type { OnnxAttr } from '../graph/ops.js';

const { onnx } = onnxProto;
type Node = InstanceType<typeof onnx.NodeProto>;

/** What the pass needs of the graph being written. */
export interface BlockedGraph {
  /** The nodes in topological order, edited in place. */
  nodes: Node[];
  /** The NCHWc block size. */
  block: number;
  /** Shapes of the graph's traced tensors (the op table's outputs), by ONNX name. */
  shapes: ReadonlyMap<string, Shape>;
  /** Names the graph returns: never renamed or dropped. */
  outputs: ReadonlySet<string>;
  /** The values of small int64 and float constants, by name. */
  constant(name: string): readonly number[] | undefined;
  /** Appends a node to `nodes`; returns its output's name. */
  node(opType: string, inputs: readonly string[], attrs?: Record<string, OnnxAttr>, domain?: string): string;
  /** Name of an int64 1-D constant. */
  ints(values: readonly number[]): string;
  /** A new unique name. */
  fresh(hint: string): string;
}

/** ONNX Runtime's domain of blocked-layout CPU kernels (ReorderInput, Conv, ReorderOutput…). */
export const NCHWC = 'com.microsoft.nchwc';
/** Elementwise ONNX ops (no axis, no channel-dependent operand once every tensor input has a twin). */
const ELEMENTWISE = new Set(['Relu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'Neg', 'Exp', 'Greater', 'Less', 'Cast', 'Mul', 'Add', 'Sub', 'Div', 'Where', 'Not', 'LeakyRelu']);
const BOOL_OUT = new Set(['Greater', 'Less', 'Not']);

const attr = (n: Node, name: string) => n.attribute.find((a) => a.name === name);
const ints = (n: Node, name: string) => (attr(n, name)?.ints ?? []).map(Number);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Rewrites `g.nodes` to keep blocked activations blocked (see the module's comment). */
export function keepBlocked(g: BlockedGraph): void {
  const B = g.block;
  /** NCHW name → its blocked twin: name, NCHW shape, whether it holds floats (not a bool mask). */
  const twin = new Map<string, { name: string; shape: Shape; float: boolean }>();
  /** A node's output now read under another name. */
  const alias = new Map<string, string>();
  /** Outputs the pass can make again from a float twin, should an NCHW consumer remain. */
  const lazy = new Map<string, Node>();
  const original = g.nodes.splice(0);
  const scalar = (name: string) => g.constant(name)?.length === 1;
  const channelsOf = (s: Shape) => s[1] as number;
  const key = (s: Shape | undefined) => s?.map((d) => (d === 'N' ? -1 : d)).join(',');
  /** Whether an elementwise node can run on blocked values: its tensor operands have twins (or are a minority of NCHW floats) and one shape. */
  const blockable = (inputs: readonly string[]) => {
    const tensors = inputs.filter((i) => !scalar(i));
    const twinned = tensors.filter((i) => twin.has(i));
    if (twinned.length === 0 || 2 * twinned.length < tensors.length) return false;
    const k = key(twin.get(twinned[0])!.shape);
    return tensors.every((i) => (twin.has(i) ? key(twin.get(i)!.shape) === k : key(g.shapes.get(i)) === k));
  };

  const producer = new Map(original.flatMap((n) => n.output.map((o) => [o, n] as const)));
  /** The NHWC tensor that `x` is the NCHW Transpose of (Keras' order of a dense layer's output reshaped to an image, or its gradient), if so. */
  const fromNhwc = (x: string) => {
    const p = producer.get(x);
    return !p?.domain && p?.opType === 'Transpose' && same(ints(p, 'perm'), [0, 3, 1, 2]) && channelsOf(g.shapes.get(x) ?? [0, 1]) % B === 0 ? p.input[0] : undefined;
  };
  /** x (N, C, H, W) reordered to the blocked layout: straight from NHWC when it is a Transpose of that. */
  const reorderIn = (x: string) => {
    const nhwc = fromNhwc(x);
    return nhwc ? g.node('ReorderInput', [nhwc], { channels_last: { i: 1 } }, NCHWC) : g.node('ReorderInput', [x], {}, NCHWC);
  };

  for (const n of original) {
    n.input = n.input.map((i) => alias.get(i) ?? i);
    const t = (i: number) => twin.get(n.input[i]);
    const out = n.output[0];
    const free = !g.outputs.has(out); // a graph output keeps its name and its producer's kind
    if (n.domain === NCHWC && n.opType === 'ReorderOutput' && !attr(n, 'channels_last')?.i) {
      const shape = g.shapes.get(out);
      if (shape?.length === 4 && Number(attr(n, 'channels')?.i) % B === 0) twin.set(out, { name: n.input[0], shape, float: true });
      g.nodes.push(n);
    } else if (n.domain === NCHWC && n.opType === 'ReorderInput' && t(0) && !attr(n, 'channels_last')?.i && free) {
      alias.set(out, t(0)!.name);
    } else if (n.domain === NCHWC && n.opType === 'ReorderInput' && !attr(n, 'channels_last')?.i && free && fromNhwc(n.input[0])) {
      alias.set(out, reorderIn(n.input[0]));
    } else if (!n.domain && ELEMENTWISE.has(n.opType) && blockable(n.input)) {
      const shapes = n.input.filter((i) => twin.has(i)).map((i) => twin.get(i)!.shape);
      // An NCHW float operand of the same shape (a gradient from Keras' flatten or from the loss)
      // is reordered in, when at least as many operands are blocked already.
      for (const i of n.input.filter((i) => !twin.has(i) && !scalar(i))) twin.set(i, { name: reorderIn(i), shape: shapes[0], float: true });
      const float = n.opType === 'Cast' ? Number(attr(n, 'to')?.i) === onnx.TensorProto.DataType.FLOAT : !BOOL_OUT.has(n.opType) && (n.opType !== 'Where' || t(1)?.float !== false);
      const name = g.fresh(n.opType);
      g.nodes.push(onnx.NodeProto.create({ ...n, input: n.input.map((i) => twin.get(i)?.name ?? i), output: [name], name: g.fresh(`n_${n.opType}`) }));
      twin.set(out, { name, shape: shapes[0], float });
      if (float) lazy.set(out, n);
      else g.nodes.push(n);
    } else if (!n.domain && n.opType === 'AveragePool' && t(0)?.float && !attr(n, 'auto_pad') && ints(n, 'pads').every((p) => p === 0)) {
      // An upsampling's gradient (the block sums) on the blocked values, as ORT's own NCHWc
      // AveragePool: the NCHW node would cost a reorder out and ORT's reorder back in.
      const name = g.fresh('AveragePool');
      g.nodes.push(onnx.NodeProto.create({ opType: 'AveragePool', domain: NCHWC, input: [t(0)!.name], output: [name], name: g.fresh('n_AveragePool'), attribute: n.attribute }));
      twin.set(out, { name, shape: g.shapes.get(out)!, float: true });
      lazy.set(out, n);
    } else if (!n.domain && n.opType === 'Transpose' && free && same(ints(n, 'perm'), [1, 2, 3, 0]) && fromNhwc(n.input[0])) {
      // NCHW → CHWN (the kernel gradient's operands) of a tensor that is a Transpose of NHWC: ORT
      // would fuse the two into one NHWC → CHWN Transpose that moves every float on its own
      // (1.7 ms at 128×7×7×64). Two transposes that each move one axis run on ORT's fast path,
      // (N, H·W·C) → (H·W·C, N), then (H·W, C, N) → (C, H·W, N): 0.33 ms.
      const [, c, h, w] = g.shapes.get(n.input[0]) as number[];
      const hwcn = g.node('Transpose', [g.node('Reshape', [fromNhwc(n.input[0])!, g.ints([0, h * w * c])])], { perm: { ints: [1, 0] } }); // (H·W·C, N)
      const chwn = g.node('Transpose', [g.node('Reshape', [hwcn, g.ints([h * w, c, -1])])], { perm: { ints: [1, 0, 2] } }); // (C, H·W, N)
      alias.set(out, g.node('Reshape', [chwn, g.ints([c, h, w, -1])]));
    } else if (!n.domain && n.opType === 'Transpose' && free && t(0)?.float && same(ints(n, 'perm'), [0, 2, 3, 1])) {
      // NCHW → NHWC straight from the blocked values.
      alias.set(out, g.node('ReorderOutput', [t(0)!.name], { channels: { i: channelsOf(t(0)!.shape) }, channels_last: { i: 1 } }, NCHWC));
    } else if (!n.domain && n.opType === 'ReduceSum' && free && t(0)?.float && same(g.constant(n.input[1]) ?? [], [0, 2, 3]) && attr(n, 'keepdims')?.i === 0) {
      // Per-channel sums (a bias gradient) of (N, C/B, H·W, B): over N first (whole images added
      // up, which ORT does fast), then over H·W. 0.29 ms against 0.44 for the NCHW ReduceSum at
      // 128×32×28×28, and no NCHW copy to make.
      const c = channelsOf(t(0)!.shape);
      const images = g.node('ReduceSum', [g.node('Reshape', [t(0)!.name, g.ints([0, c / B, -1, B])]), g.ints([0])], { keepdims: { i: 0 } }); // (C/B, H·W, B)
      alias.set(out, g.node('Reshape', [g.node('ReduceSum', [images, g.ints([1])], { keepdims: { i: 0 } }), g.ints([c])]));
    } else g.nodes.push(n);
  }

  // NCHW values some consumer still reads: reordered out of their twins (one copy each, instead
  // of the NCHW chain that made them).
  const read = new Set<string>([...g.outputs, ...g.nodes.flatMap((n) => n.input)]);
  for (const [name, n] of lazy) {
    if (!read.has(name)) continue;
    const tw = twin.get(name)!;
    const channels = onnx.AttributeProto.create({ name: 'channels', type: onnx.AttributeProto.AttributeType.INT, i: channelsOf(tw.shape) });
    g.nodes.push(onnx.NodeProto.create({ opType: 'ReorderOutput', domain: NCHWC, input: [tw.name], output: [name], name: g.fresh('n_ReorderOutput'), attribute: [channels] }));
  }
  for (const n of g.nodes) n.input = n.input.map((i) => alias.get(i) ?? i);
  sortAndPrune(g.nodes, g.outputs);
  fuseRelu(g.nodes, g.outputs);
}

/**
 * A ReLU of blocked Convs' outputs is computed by the Convs themselves (their `activation`),
 * saving a pass over the activation: a Conv right before it, or the phase Convs of a transposed
 * convolution whose outputs only a Reshape/Concat interleave reads (ReLU commutes with moving
 * values around). Every tensor on the way must have that one reader. The ReLU's gradient mask
 * reads the ReLU's output, not its input (src/graph/ops.ts), so that this holds.
 */
function fuseRelu(nodes: Node[], outputs: ReadonlySet<string>): void {
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of n.input) readers.set(i, (readers.get(i) ?? 0) + 1);
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.output) producer.set(o, n);
  /** The blocked Convs whose outputs alone make `name`, through Reshapes and Concats read once; undefined if anything else does. */
  const convsBehind = (name: string): Node[] | undefined => {
    const p = producer.get(name);
    if (!p || readers.get(name) !== 1 || outputs.has(name)) return undefined;
    if (p.domain === NCHWC && p.opType === 'Conv') return attr(p, 'activation') ? undefined : [p];
    if (p.domain || (p.opType !== 'Reshape' && p.opType !== 'Concat')) return undefined;
    const parts = (p.opType === 'Reshape' ? [p.input[0]] : p.input).map(convsBehind);
    return parts.every((c) => c !== undefined) ? (parts.flat() as Node[]) : undefined;
  };
  const renamed = new Map<string, string>();
  const dropped = new Set<Node>();
  for (const n of nodes) {
    if (n.opType !== 'Relu' || n.domain || outputs.has(n.output[0])) continue;
    const convs = convsBehind(n.input[0]);
    if (!convs) continue;
    for (const conv of convs)
      conv.attribute.push(onnx.AttributeProto.create({ name: 'activation', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('Relu') }));
    renamed.set(n.output[0], n.input[0]);
    dropped.add(n);
  }
  const kept = nodes.filter((n) => !dropped.has(n));
  for (const n of kept) n.input = n.input.map((i) => renamed.get(i) ?? i);
  nodes.splice(0, nodes.length, ...kept);
}

/** Puts `nodes` back in topological order (the pass appended some late) and drops nodes no one reads. */
function sortAndPrune(nodes: Node[], outputs: ReadonlySet<string>): void {
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.output) producer.set(o, n);
  const needed = new Set<Node>();
  const order: Node[] = [];
  const visit = (n: Node) => {
    if (needed.has(n)) return;
    needed.add(n);
    for (const i of n.input) {
      const p = producer.get(i);
      if (p) visit(p);
    }
    order.push(n);
  };
  for (const n of nodes) if (n.output.some((o) => outputs.has(o))) visit(n);
  nodes.splice(0, nodes.length, ...order);
}
