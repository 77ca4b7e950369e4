import type { Shape } from './shape.js';

/** Attribute values an op can carry (they become ONNX attributes or shape constants). */
export type AttrValue = number | string | readonly number[] | Float32Array;
export type Attrs = Readonly<Record<string, AttrValue>>;

/** What a leaf is: fed at run time (`input`), a trainable weight (`param`) or a constant. */
export type LeafKind = 'input' | 'param' | 'const';

let nextId = 0;

/**
 * A symbolic tensor: the single output of one op applied to other tensors, or a leaf.
 * Graphs are immutable DAGs of these; tracing a model builds one, autodiff extends it.
 */
export class Tensor {
  /** Unique, increasing: a topological order for free, since inputs are always created first. */
  readonly id = nextId++;

  constructor(
    readonly op: string,
    readonly inputs: readonly Tensor[],
    readonly attrs: Attrs,
    readonly shape: Shape,
    /** Leaf name (graph input / initializer name), or a debugging hint for op outputs. */
    readonly name?: string,
    /** Values of a constant leaf. */
    readonly value?: Float32Array,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get isLeaf(): boolean {
    return this.op === 'input' || this.op === 'param' || this.op === 'const';
  }
}

/** A graph input fed at run time, e.g. the images `x` of shape `['N', 28, 28, 1]`. */
export function input(name: string, shape: Shape): Tensor {
  return new Tensor('input', [], {}, shape, name);
}

/** A trainable weight. In training graphs it is fed as an input; in exports it is baked in. */
export function param(name: string, shape: readonly number[]): Tensor {
  return new Tensor('param', [], {}, shape, name);
}

/** A constant; a number gives a scalar. */
export function constant(value: number | Float32Array, shape?: readonly number[]): Tensor {
  const data = typeof value === 'number' ? Float32Array.of(value) : value;
  const s = shape ?? (typeof value === 'number' ? [] : [data.length]);
  const size = s.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new RangeError(`constant: ${data.length} values for shape [${s.join(',')}]`);
  return new Tensor('const', [], {}, s, undefined, data);
}

/** All tensors reachable from `outputs`, inputs before users (sorted by id). */
export function topoSort(outputs: readonly Tensor[]): Tensor[] {
  const seen = new Map<number, Tensor>();
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t.id)) continue;
    seen.set(t.id, t);
    for (const i of t.inputs) if (!seen.has(i.id)) stack.push(i);
  }
  return [...seen.values()].sort((a, b) => a.id - b.id);
}
