/**
 * Graph → ONNX ModelProto bytes. Leaves become graph inputs (fed each run) or initializers
 * (baked in); every other tensor becomes the nodes its op's lowering emits.
 */
import onnxProto from 'onnx-proto';
import { OPS, type Lowering, type OnnxAttr, type OpName } from '../graph/ops.js';
import type { Shape } from '../graph/shape.js';
import { topoSort, type Tensor } from '../graph/tensor.js';
import { keepBlocked, NCHWC } from './blocked.js';

const { onnx } = onnxProto;

/** The opset every vaekit model is written in (runs in onnxruntime-node and -web alike). */
export const OPSET = 17;
export { NCHWC };
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** What to write: which leaves are fed, which tensors come out, which weights are baked in. */
export interface GraphSpec {
  /** Leaves fed at run time, in order (inputs, and params when training). */
  inputs: readonly Tensor[];
  /** Named outputs. */
  outputs: ReadonlyArray<{ name: string; tensor: Tensor }>;
  /** Values of params that are not fed: written as initializers, by param name. */
  weights?: ReadonlyMap<string, Float32Array>;
  /**
   * Params fed packed, each group in one input (one of `inputs`): a flat 1-D input holds its
   * params in order, each one's values row-major, and the graph splits it with one node, so a step
   * feeds a few tensors, not one per weight; an input of a lone param's own shape is that param.
   */
  packed?: ReadonlyArray<{ from: Tensor; params: readonly Tensor[] }>;
  /**
   * Outputs one Split node may have (default: no limit): the packed params are split by a tree of
   * Splits of at most this many outputs. WebGPU needs it (see {@link Runtime.maxNodeOutputs}).
   */
  maxSplitOutputs?: number;
  /**
   * The CPU's NCHWc block size, when the runtime offers ONNX Runtime's blocked convolutions
   * ({@link Lowering.nchwcBlock}); unset: standard ONNX only (exported models, other runtimes).
   */
  nchwcBlock?: number;
  /** Graph name. */
  name?: string;
  /** Key/value strings stored in the model's metadata_props. */
  metadata?: Readonly<Record<string, string>>;
}

/** Splits the 1-D tensor `from` into parts of `sizes`, as a tree of Splits of at most `max` outputs each. */
function splitTree(L: Lowering, from: string, sizes: readonly number[], max: number): string[] {
  if (sizes.length <= max) return L.node('Split', [from, L.ints(sizes)], { axis: { i: 0 } }, sizes.length);
  const per = Math.ceil(sizes.length / max);
  const groups: number[][] = [];
  for (let i = 0; i < sizes.length; i += per) groups.push(sizes.slice(i, i + per));
  const parts = splitTree(
    L,
    from,
    groups.map((g) => g.reduce((a, b) => a + b, 0)),
    max,
  );
  return groups.flatMap((g, i) => (g.length === 1 ? [parts[i]] : splitTree(L, parts[i], g, max)));
}

/** Serializes a traced graph to ONNX model bytes. */
export function toOnnx(spec: GraphSpec): Uint8Array {
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  const names = new Map<number, string>();
  const intConsts = new Map<string, string>();
  const floatConsts = new Map<number, string>();
  /** Values of the int64 and scalar float constants, by name (for the blocked-layout pass). */
  const constValues = new Map<string, readonly number[]>();
  /** Shapes of the traced tensors, by ONNX name. */
  const shapes = new Map<string, Shape>();
  let counter = 0;
  const fresh = (hint: string) => `${hint}_${counter++}`;

  const fed = new Set<number>([...spec.inputs.map((t) => t.id), ...(spec.packed ?? []).flatMap((g) => g.params.map((t) => t.id))]);
  const constness = new Map<number, boolean>();
  const isConstant = (t: Tensor): boolean => {
    let c = constness.get(t.id);
    if (c === undefined) {
      c = t.op === 'const' || (t.op === 'param' && !fed.has(t.id)) || (!t.isLeaf && t.inputs.every(isConstant));
      constness.set(t.id, c);
    }
    return c;
  };

  let blocked = false;
  const emit = (opType: string, inputs: readonly string[], attrs: Record<string, OnnxAttr>, outputs: number, domain?: string) => {
    const outs = Array.from({ length: outputs }, () => fresh(opType));
    nodes.push(
      onnx.NodeProto.create({ opType, domain, input: [...inputs], output: outs, name: fresh(`n_${opType}`), attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) }),
    );
    return outs;
  };
  const L: Lowering = {
    isConstant,
    nchwcBlock: spec.nchwcBlock,
    node: (opType, inputs, attrs = {}, outputs = 1) => emit(opType, inputs, attrs, outputs),
    nchwc(opType, inputs, attrs = {}) {
      if (!spec.nchwcBlock) throw new Error(`toOnnx: NCHWc node '${opType}' in a graph without nchwcBlock`);
      blocked = true;
      return emit(opType, inputs, attrs, 1, NCHWC)[0];
    },
    ints(values) {
      const key = values.join(',');
      let name = intConsts.get(key);
      if (!name) {
        name = fresh('ints');
        initializers.push(onnx.TensorProto.create({ name, dataType: INT64, dims: [values.length], int64Data: [...values] }));
        intConsts.set(key, name);
        constValues.set(name, [...values]);
      }
      return name;
    },
    floats(values) {
      const name = fresh('floats');
      initializers.push(floatTensor(name, [values.length], Float32Array.from(values)));
      return name;
    },
    float(value) {
      let name = floatConsts.get(value);
      if (!name) {
        name = fresh('f');
        initializers.push(floatTensor(name, [], Float32Array.of(value)));
        floatConsts.set(value, name);
        constValues.set(name, [value]);
      }
      return name;
    },
  };

  const graphInputs = spec.inputs.map((t) => {
    if (t.op !== 'input' && t.op !== 'param') throw new RangeError(`toOnnx: only inputs and params can be fed, got '${t.op}'`);
    names.set(t.id, t.name!);
    return valueInfo(t.name!, t.shape);
  });

  for (const { from, params } of spec.packed ?? []) {
    if (!names.has(from.id)) throw new RangeError(`toOnnx: packed params need a fed input, got '${from.name}'`);
    if (params.length === 1 && from.shape.join(',') === params[0].shape.join(',')) {
      names.set(params[0].id, names.get(from.id)!);
      continue;
    }
    const sizes = params.map((p) => (p.shape as number[]).reduce((a, b) => a * b, 1));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (from.rank !== 1 || from.shape[0] !== total)
      throw new RangeError(`toOnnx: packed params need a fed 1-D input of ${total} values, got '${from.name}' of shape [${from.shape.join(',')}]`);
    const parts = splitTree(L, from.name!, sizes, Math.max(2, spec.maxSplitOutputs ?? Infinity)); // (n_i,) each
    params.forEach((p, i) => names.set(p.id, p.rank === 1 ? parts[i] : L.node('Reshape', [parts[i], L.ints(p.shape as number[])])[0]));
  }

  for (const t of topoSort(spec.outputs.map((o) => o.tensor))) {
    if (names.has(t.id)) continue;
    if (t.op === 'input') throw new RangeError(`toOnnx: input '${t.name}' is used but not fed`);
    if (t.op === 'param') {
      const w = spec.weights?.get(t.name!);
      if (!w) throw new RangeError(`toOnnx: weight '${t.name}' is neither fed nor given`);
      initializers.push(floatTensor(t.name!, t.shape as number[], w));
      names.set(t.id, t.name!);
    } else if (t.op === 'const') {
      const name = t.rank === 0 ? L.float(t.value![0]) : fresh('const');
      if (t.rank !== 0) initializers.push(floatTensor(name, t.shape as number[], t.value!));
      names.set(t.id, name);
    } else {
      const name = OPS[t.op as OpName].onnx(
        L,
        t.inputs.map((i) => names.get(i.id)!),
        t.attrs,
        t,
      );
      names.set(t.id, name);
      shapes.set(name, t.shape);
    }
  }

  const merged = mergeOptionalOutputs(nodes);
  const sources = spec.outputs.map(({ tensor }) => merged.get(names.get(tensor.id)!) ?? names.get(tensor.id)!);
  if (spec.nchwcBlock && blocked)
    keepBlocked({
      nodes,
      block: spec.nchwcBlock,
      shapes,
      outputs: new Set(sources),
      constant: (name) => constValues.get(name),
      node: (opType, inputs, attrs = {}, domain) => emit(opType, inputs, attrs, 1, domain)[0],
      ints: L.ints,
      fresh,
    });

  // An output computed by a node of this graph takes that node's output name (every consumer
  // renamed too); an Identity copy is left only for a graph input, a constant, or a tensor that
  // is already another output. Copies of the new weights and slots were ≈ 5% of a dense step.
  const producers = new Map<string, InstanceType<typeof onnx.NodeProto>>();
  for (const n of nodes) for (const o of n.output) producers.set(o, n);
  const renamed = new Map<string, string>();
  const graphOutputs = spec.outputs.map(({ name, tensor }, k) => {
    const src = sources[k];
    const producer = producers.get(src);
    if (producer && !renamed.has(src)) {
      producer.output = producer.output.map((o) => (o === src ? name : o));
      for (const n of nodes) if (n.input.includes(src)) n.input = n.input.map((i) => (i === src ? name : i));
      renamed.set(src, name);
    } else {
      nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [renamed.get(src) ?? src], output: [name], name: fresh('n_out') }));
    }
    return valueInfo(name, tensor.shape);
  });

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'vaekit',
    opsetImport: [{ domain: '', version: OPSET }, ...(blocked ? [{ domain: NCHWC, version: 1 }] : [])],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: onnx.GraphProto.create({ name: spec.name ?? 'vaekit', node: nodes, initializer: initializers, input: graphInputs, output: graphOutputs }),
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A one-node model, y = ReorderInput(x) for x (1, 4, 1, 1) in ONNX Runtime's NCHWc domain: y's
 * channels are x's padded to a whole block, so y's shape tells the CPU's NCHWc block size.
 */
export function nchwcProbe(): Uint8Array {
  const vi = (name: string, dims: number[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const node = onnx.NodeProto.create({ opType: 'ReorderInput', domain: NCHWC, input: ['x'], output: ['y'], name: 'n_ReorderInput' });
  const graph = onnx.GraphProto.create({
    name: 'nchwc_probe',
    node: [node],
    input: [vi('x', [1, 4, 1, 1])],
    output: [onnx.ValueInfoProto.create({ name: 'y', type: { tensorType: { elemType: FLOAT } } })],
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'vaekit',
      opsetImport: [
        { domain: '', version: OPSET },
        { domain: NCHWC, version: 1 },
      ],
      graph,
    }),
  ).finish();
}

/** ONNX ops whose trailing outputs are optional extras: asking for more leaves the first ones as they are. */
const OPTIONAL_OUTPUTS = new Set(['MaxPool']);

/**
 * Merges nodes of such an op that read the same inputs with the same attributes into one, the
 * one with the most outputs, at the earliest node's place (so the node list stays in
 * topological order); consumers of the dropped node read the kept one. A training step's forward
 * MaxPool and its gradient's MaxPool-with-indices become one node: the values come with the
 * indices at no cost, and the forward pass no longer runs its own MaxPool (with NCHWc reorders
 * around it). Returns the renamed outputs, dropped → kept; `nodes` is edited in place.
 */
function mergeOptionalOutputs(nodes: Array<InstanceType<typeof onnx.NodeProto>>): Map<string, string> {
  const renamed = new Map<string, string>();
  const first = new Map<string, number>();
  const dropped = new Set<number>();
  nodes.forEach((n, i) => {
    if (!OPTIONAL_OUTPUTS.has(n.opType)) return;
    const key = `${n.opType}|${n.input.join(',')}|${JSON.stringify(n.attribute)}`;
    const j = first.get(key);
    if (j === undefined) return void first.set(key, i);
    const [keep, drop] = n.output.length > nodes[j].output.length ? [n, nodes[j]] : [nodes[j], n];
    drop.output.forEach((o, k) => renamed.set(o, keep.output[k]));
    nodes[j] = keep;
    dropped.add(i);
  });
  if (renamed.size === 0) return renamed;
  const kept = nodes.filter((_, i) => !dropped.has(i));
  nodes.splice(0, nodes.length, ...kept);
  for (const n of nodes) n.input = n.input.map((name) => renamed.get(name) ?? name);
  return renamed;
}

function attribute(name: string, v: OnnxAttr): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in v) return onnx.AttributeProto.create({ name, type: T.INT, i: v.i });
  if ('f' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.f });
  if ('ints' in v) return onnx.AttributeProto.create({ name, type: T.INTS, ints: [...v.ints] });
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: [...v.floats] });
  return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v.s) });
}

function floatTensor(name: string, dims: readonly number[], data: Float32Array): InstanceType<typeof onnx.TensorProto> {
  // Copy: the caller may keep mutating its buffer, and raw bytes must be little-endian (they are, on x86/ARM).
  const raw = new Uint8Array(data.byteLength);
  raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return onnx.TensorProto.create({ name, dataType: FLOAT, dims: [...dims], rawData: raw });
}

function valueInfo(name: string, shape: Shape): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: shape.map((d) => (d === 'N' ? { dimParam: 'N' } : { dimValue: d })) },
      },
    },
  });
}

/**
 * A step model looped over K steps in one run: ONNX `Scan` with the step as its body.
 *
 * `carried` pairs an input of the step with the output that holds its next value (a training
 * step's weights and optimizer state): the loop feeds step k's output to step k+1, and the model
 * returns only the last value, under the output's name. Every other input is fed per step,
 * stacked along a new first axis of length K under its own name; every other output comes back
 * stacked the same way. So the looped model has the step's input and output names, and running
 * it on K stacked steps gives exactly what K runs of the step would: the body is the step graph
 * itself. Its names are prefixed with `step/` (a subgraph may not reuse the names of the graph
 * around it).
 *
 * Why: onnxruntime-node copies every output of a run into a new JavaScript buffer, and a run
 * costs a round trip through the binding; a dense training step hands ≈ 3 MB of weights and
 * moments back each time. Looping inside the runtime pays both once per K steps.
 */
export function scanSteps(step: Uint8Array, carried: ReadonlyArray<{ input: string; output: string }>): Uint8Array {
  const model = onnx.ModelProto.decode(step);
  const g = model.graph as InstanceType<typeof onnx.GraphProto>; // decoded: every repeated field is an array
  const nodes = g.node as Array<InstanceType<typeof onnx.NodeProto>>;
  const values = (list: unknown) => list as Array<InstanceType<typeof onnx.ValueInfoProto>>;
  const inputs = values(g.input).map((v) => v.name);
  const outputs = values(g.output).map((v) => v.name);
  for (const c of carried) {
    if (!inputs.includes(c.input)) throw new RangeError(`scanSteps: the step has no input '${c.input}' (inputs: ${inputs.join(', ')})`);
    if (!outputs.includes(c.output)) throw new RangeError(`scanSteps: the step has no output '${c.output}' (outputs: ${outputs.join(', ')})`);
  }
  const scanned = inputs.filter((n) => !carried.some((c) => c.input === n));
  const perStep = outputs.filter((n) => !carried.some((c) => c.output === n));
  const inner = (n: string) => (n === '' ? n : `step/${n}`); // '' marks an omitted optional input
  const info = (name: string, from: InstanceType<typeof onnx.ValueInfoProto>, stacked: boolean) => {
    const dim = from.type?.tensorType?.shape?.dim ?? [];
    return onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: from.type!.tensorType!.elemType, shape: { dim: stacked ? [{ dimParam: 'K' }, ...dim] : dim } } },
    });
  };
  const byName = (list: Array<InstanceType<typeof onnx.ValueInfoProto>>, n: string) => list.find((v) => v.name === n)!;
  const body = onnx.GraphProto.create({
    name: `${g.name}_body`,
    node: nodes.map((n) => onnx.NodeProto.create({ ...n, input: n.input.map(inner), output: n.output.map(inner) })),
    initializer: (g.initializer as Array<InstanceType<typeof onnx.TensorProto>>).map((t) => onnx.TensorProto.create({ ...t, name: inner(t.name) })),
    input: [...carried.map((c) => c.input), ...scanned].map((n) => info(inner(n), byName(values(g.input), n), false)),
    output: [...carried.map((c) => c.output), ...perStep].map((n) => info(inner(n), byName(values(g.output), n), false)),
  });
  const T = onnx.AttributeProto.AttributeType;
  const scan = onnx.NodeProto.create({
    opType: 'Scan',
    name: 'n_Scan',
    input: [...carried.map((c) => c.input), ...scanned],
    output: [...carried.map((c) => c.output), ...perStep],
    attribute: [onnx.AttributeProto.create({ name: 'body', type: T.GRAPH, g: body }), onnx.AttributeProto.create({ name: 'num_scan_inputs', type: T.INT, i: scanned.length })],
  });
  const looped = onnx.GraphProto.create({
    name: `${g.name}_scan`,
    node: [scan],
    input: inputs.map((n) => info(n, byName(values(g.input), n), scanned.includes(n))),
    output: outputs.map((n) => info(n, byName(values(g.output), n), perStep.includes(n))),
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ ...model, graph: looped })).finish();
}
