/**
 * Reverse-mode autodiff over the op table: one walk from the output back to the leaves. The walk
 * is the only place that knows about broadcasting: a gradient arriving in a broadcast shape is
 * summed back to its input's shape here, so the per-op rules stay one-liners.
 */
import { add, reduceSum, reshape, OPS, type OpName } from './ops.js';
import { fmt, sameShape, type Shape } from './shape.js';
import { topoSort, Tensor } from './tensor.js';

/**
 * Gradients of the scalar `loss` with respect to each of `wrt`, as new graph tensors.
 * A tensor the loss does not depend on gets `null`.
 */
export function grad(loss: Tensor, wrt: readonly Tensor[]): (Tensor | null)[] {
  if (loss.rank !== 0) throw new RangeError(`grad: loss must be a scalar, got shape ${fmt(loss.shape)}`);
  const order = topoSort([loss]);
  // Only walk through tensors that lie on a path to a wanted leaf.
  const wanted = new Set(wrt.map((t) => t.id));
  const needed = new Set<number>();
  for (const t of order) if (wanted.has(t.id) || t.inputs.some((i) => needed.has(i.id))) needed.add(t.id);

  const grads = new Map<number, Tensor>([[loss.id, new Tensor('const', [], {}, [], undefined, Float32Array.of(1))]]);
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const dy = grads.get(t.id);
    if (!dy || t.isLeaf || !needed.has(t.id)) continue;
    const rule = OPS[t.op as OpName].grad; // not a leaf, so one of the table's ops
    if (!rule) throw new RangeError(`grad: op '${t.op}' has no gradient`);
    const gs = rule(dy, t);
    t.inputs.forEach((x, i) => {
      const g = gs[i];
      if (!g || !needed.has(x.id)) return;
      const gx = unbroadcast(g, x.shape);
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? add(prev, gx) : gx);
    });
  }
  return wrt.map((t) => grads.get(t.id) ?? null);
}

/** Sums a gradient of broadcast shape `g.shape` back down to `shape`. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    const target = i < lead ? null : shape[i - lead];
    if (target === null || (target === 1 && g.shape[i] !== 1)) axes.push(i);
    else if (target !== g.shape[i]) throw new RangeError(`grad: cannot reduce gradient ${fmt(g.shape)} to ${fmt(shape)}`);
  }
  // Only leading axes to drop (a bias broadcast over the batch): one ReduceSum without keepdims,
  // no Reshape node after it.
  if (axes.length === lead && lead > 0) {
    const summed = reduceSum(g, axes, false);
    if (sameShape(summed.shape, shape)) return summed;
  }
  const summed = axes.length ? reduceSum(g, axes, true) : g;
  return sameShape(summed.shape, shape) ? summed : reshape(summed, shape);
}
