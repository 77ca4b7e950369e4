/**
 * Small rewrites of a step graph (ONNX bytes) so that onnxruntime-web's native WebGPU EP runs
 * all of it, each leaving the CPU's outputs bit-identical: split wide Concats/Splits, lower the
 * max-pool gradient's MaxPool Indices → MaxUnpool. The engine should emit these forms itself
 * for WebGPU; until then the bench and the WebGPU test apply them to the recorded graphs.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Op types and counts of a model's nodes, and the widest Concat (its input count). */
export function opCensus(bytes: Uint8Array): { ops: Record<string, number>; widestConcat: number } {
  const g = onnx.ModelProto.decode(bytes).graph!;
  const ops: Record<string, number> = {};
  let widestConcat = 0;
  for (const n of g.node!) {
    ops[n.opType!] = (ops[n.opType!] ?? 0) + 1;
    if (n.opType === 'Concat') widestConcat = Math.max(widestConcat, n.input!.length);
  }
  return { ops, widestConcat };
}

/**
 * The model with every Concat of more than `max` inputs and every Split of more than `max`
 * outputs replaced by a tree of Concats / Splits of at most `max` each (same axis, same
 * results). WebGPU binds each input and output of a shader as a storage buffer, and a device
 * offers only so many per shader stage (SwiftShader: 10; WebGPU's default limit is 8), so ORT's
 * native WebGPU EP refuses a 14-way Split ("Too many storage buffers in shader").
 */
export function splitWide(bytes: Uint8Array, max = 8): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const nodes: onnxProto.onnx.INodeProto[] = [];
  let k = 0;
  const fresh = (base: string) => `${base}/wide${k++}`;
  const int64s = (values: number[]) => {
    const name = fresh('sizes');
    g.initializer!.push(onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], int64Data: values }));
    return name;
  };
  /** Groups of at most `max` consecutive items, as few groups as the limit allows. */
  const groups = <T>(xs: T[]): T[][] => {
    const out: T[][] = [];
    for (let i = 0; i < xs.length; i += max) out.push(xs.slice(i, i + max));
    return out;
  };
  for (const n of g.node!) {
    if (n.opType === 'Concat' && n.input!.length > max) {
      let inputs = [...n.input!];
      while (inputs.length > max)
        inputs = groups(inputs).map((chunk) => {
          if (chunk.length === 1) return chunk[0];
          const out = fresh(n.output![0]);
          nodes.push(onnx.NodeProto.create({ opType: 'Concat', name: fresh(n.name!), input: chunk, output: [out], attribute: n.attribute }));
          return out;
        });
      nodes.push(onnx.NodeProto.create({ ...n, input: inputs }));
    } else if (n.opType === 'Split' && n.output!.length > max && n.input!.length === 2) {
      const init = g.initializer!.find((t) => t.name === n.input![1]);
      if (!init) throw new RangeError(`splitWide: Split ${n.name}: expected its sizes as an initializer`);
      const sizes = init.int64Data!.map(Number);
      // Split the input into groups, then each group into its parts (one level: max² parts).
      if (sizes.length > max * max) throw new RangeError(`splitWide: Split ${n.name}: ${sizes.length} outputs need more than one level`);
      const idx = groups(sizes.map((_, i) => i));
      const mids = idx.map((ix) => (ix.length === 1 ? n.output![ix[0]] : fresh(n.name!)));
      nodes.push(
        onnx.NodeProto.create({
          opType: 'Split',
          name: fresh(n.name!),
          input: [n.input![0], int64s(idx.map((ix) => ix.reduce((a, i) => a + sizes[i], 0)))],
          output: mids,
          attribute: n.attribute,
        }),
      );
      idx.forEach((ix, j) => {
        if (ix.length > 1)
          nodes.push(
            onnx.NodeProto.create({
              opType: 'Split',
              name: fresh(n.name!),
              input: [mids[j], int64s(ix.map((i) => sizes[i]))],
              output: ix.map((i) => n.output![i]),
              attribute: n.attribute,
            }),
          );
      });
    } else nodes.push(n);
  }
  g.node = nodes;
  // The wide Splits' size tensors are now unused (ORT warns about unused initializers).
  const used = new Set(nodes.flatMap((n) => n.input!));
  g.initializer = g.initializer!.filter((t) => used.has(t.name!) || g.input!.some((i) => i.name === t.name));
  return onnx.ModelProto.encode(m).finish();
}

/**
 * The model with each MaxPool-with-Indices → MaxUnpool pair (the engine's max-pool gradient for
 * non-overlapping windows) replaced by index-free ops: ORT's WebGPU MaxPool has no Indices
 * output ("The Indices output is not supported yet"). For a k×k pool with stride k and no
 * padding: k² strided Slices of x give each window position (scan order); each position's mask is "equals the window's max and no earlier position did" (the first maximum, as
 * ORT's indices pick); the masked dy goes back through DepthToSpace (window positions as its
 * channel groups, DCR order). Exact (ties included)
 * where the pooled size divides the input (no dropped border rows/columns).
 */
export function lowerMaxUnpool(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  let k = 0;
  const fresh = (base: string) => `${base}/lowered${k++}`;
  const ints = (a: onnxProto.onnx.IAttributeProto[], name: string) => a.find((x) => x.name === name)?.ints?.map(Number) ?? [];
  const pools = new Map<string, onnxProto.onnx.INodeProto>(); // indices output → its MaxPool
  for (const n of g.node!) if (n.opType === 'MaxPool' && n.output!.length === 2 && n.output![1]) pools.set(n.output![1], n);
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const node = (opType: string, input: string[], attribute: onnxProto.onnx.IAttributeProto[] = []) => {
    const out = fresh(opType);
    nodes.push(onnx.NodeProto.create({ opType, name: fresh(`n_${opType}`), input, output: [out], attribute }));
    return out;
  };
  const intAttr = (name: string, i: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
  const stringAttr = (name: string, s: string) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) });
  const int64s = (values: number[]) => {
    const name = fresh('ints');
    g.initializer!.push(onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], int64Data: values }));
    return name;
  };
  const BIG = 2 ** 31 - 1; // Slice's "to the end"
  const one = fresh('one');
  g.initializer!.push(onnx.TensorProto.create({ name: one, dataType: onnx.TensorProto.DataType.FLOAT, dims: [], floatData: [1] }));
  for (const n of g.node!) {
    const pool = n.opType === 'MaxUnpool' ? pools.get(n.input![1]) : undefined;
    if (n.opType === 'MaxPool' && pools.has(n.output![1] ?? '')) {
      nodes.push(onnx.NodeProto.create({ ...n, output: [n.output![0]] }));
      continue;
    }
    if (!pool) {
      nodes.push(n);
      continue;
    }
    const [kh, kw] = ints(pool.attribute!, 'kernel_shape');
    const [sh, sw] = ints(pool.attribute!, 'strides');
    if (kh !== kw || sh !== kh || sw !== kw || ints(pool.attribute!, 'pads').some((p) => p !== 0))
      throw new RangeError(`lowerMaxUnpool: ${pool.name}: expected a square pool with stride = kernel and no padding`);
    const [x, y] = [pool.input![0], pool.output![0]];
    const dy = n.input![0];
    // The window's position (i, j) of every output pixel: a strided Slice (Slice runs on WebGPU;
    // SpaceToDepth has no WebGPU kernel), in scan order.
    const parts: string[] = [];
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) parts.push(node('Slice', [x, int64s([i, j]), int64s([BIG, BIG]), int64s([2, 3]), int64s([kh, kw])]));
    let free: string | undefined; // 1 where no earlier position of the window held the max
    const grads: string[] = [];
    for (const part of parts) {
      const hit = node('Cast', [node('Equal', [part, y])], [intAttr('to', onnx.TensorProto.DataType.FLOAT)]);
      const first = free ? node('Mul', [hit, free]) : hit;
      grads.push(node('Mul', [first, dy]));
      free = free ? node('Sub', [free, first]) : node('Sub', [one, hit]);
    }
    nodes.push(
      onnx.NodeProto.create({
        opType: 'DepthToSpace',
        name: fresh('n_DepthToSpace'),
        input: [node('Concat', grads, [intAttr('axis', 1)])],
        output: [n.output![0]],
        attribute: [intAttr('blocksize', kh), stringAttr('mode', 'DCR')],
      }),
    );
  }
  g.node = nodes;
  return onnx.ModelProto.encode(m).finish();
}

/**
 * What the native WebGPU EP needs of a vaekit step graph (onnxruntime-web 1.30, SwiftShader or a
 * GPU with the default limits): {@link lowerMaxUnpool}, {@link lowerSum}, then {@link splitWide}
 * to 8. What stays on the CPU EP afterwards is the int64 shape arithmetic of the batch size
 * (Shape → Gather → ReduceProd → Cast, from the `sizeOf` op).
 */
export function lowerForWebgpu(bytes: Uint8Array): Uint8Array {
  return splitWide(lowerSum(lowerMaxUnpool(bytes)), 8);
}

/** The model with every Sum (no WebGPU kernel: ORT runs it on the CPU) as a chain of Adds. */
export function lowerSum(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const nodes: onnxProto.onnx.INodeProto[] = [];
  let k = 0;
  for (const n of g.node!) {
    if (n.opType !== 'Sum' || n.input!.length < 2) {
      nodes.push(n);
      continue;
    }
    let acc = n.input![0];
    n.input!.slice(1).forEach((x, i, rest) => {
      const out = i === rest.length - 1 ? n.output![0] : `${n.output![0]}/add${k++}`;
      nodes.push(onnx.NodeProto.create({ opType: 'Add', name: `${n.name}/add${k++}`, input: [acc, x], output: [out] }));
      acc = out;
    });
  }
  g.node = nodes;
  return onnx.ModelProto.encode(m).finish();
}
