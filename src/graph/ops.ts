/**
 * The op table: every primitive declares, in one record, its shape rule, its ONNX lowering and
 * its gradient (a rule built from other primitives). Broadcasting is undone once, in the
 * autodiff walk, so gradient rules may return gradients of the output's shape.
 */
import { broadcastShapes, fmt, sameShape, type Dim, type Shape } from './shape.js';
import { constant, Tensor, type Attrs, type AttrValue } from './tensor.js';

/** An ONNX attribute, typed the way NodeProto wants it. */
export type OnnxAttr = { i: number } | { f: number } | { ints: readonly number[] } | { floats: readonly number[] } | { s: string };

/** What a lowering may emit: ONNX nodes and int64/float constants. */
export interface Lowering {
  /** Emits one ONNX node; returns the names of its `outputs` outputs. */
  node(opType: string, inputs: readonly string[], attrs?: Record<string, OnnxAttr>, outputs?: number): string[];
  /** Name of an int64 constant holding `values` (1-D). */
  ints(values: readonly number[]): string;
  /** Name of a float32 scalar constant. */
  float(value: number): string;
  /** Name of a float32 1-D constant. */
  floats(values: readonly number[]): string;
  /**
   * Whether a tensor is fixed when the model is built: it depends only on constants and on
   * weights baked in as initializers (an exported model), not on anything fed (training). ORT
   * folds such tensors and gives a Conv with constant weights its fast NCHWc path.
   */
  isConstant(t: Tensor): boolean;
  /**
   * The CPU's NCHWc block (8 floats with AVX2, 16 with AVX-512) when the runtime offers ONNX
   * Runtime's blocked convolution kernels (domain com.microsoft.nchwc) for graphs whose weights
   * are fed; unset: standard ONNX only.
   */
  readonly nchwcBlock?: number;
  /** Emits one node of ONNX Runtime's NCHWc domain (only when `nchwcBlock` is set). */
  nchwc(opType: string, inputs: readonly string[], attrs?: Record<string, OnnxAttr>): string;
}

/** One primitive. */
export interface OpDef {
  /** Output shape from input shapes; throws a RangeError naming the op and the shapes. */
  shape(ins: readonly Shape[], a: Attrs): Shape;
  /** Emit the ONNX nodes computing this op; returns the output's name. */
  onnx(L: Lowering, ins: readonly string[], a: Attrs, out: Tensor): string;
  /** Gradients w.r.t. each input (null: none, or not differentiable), given dL/d(out). */
  grad?(dy: Tensor, out: Tensor): (Tensor | null)[];
}

const nums = (a: Attrs, k: string): number[] => [...(a[k] as readonly number[])];
const num = (a: Attrs, k: string): number => a[k] as number;
const one = (L: Lowering, op: string, ins: readonly string[], attrs?: Record<string, OnnxAttr>) => L.node(op, ins, attrs)[0];

/** Creates the tensor of `op` applied to `inputs`, checking shapes on the way. */
export function apply(op: OpName, inputs: readonly Tensor[], attrs: Attrs = {}): Tensor {
  return make(op, inputs, attrs);
}

/** `apply` for the table's own rules, whose types must not depend on the table's type. */
function make(op: string, inputs: readonly Tensor[], attrs: Attrs = {}): Tensor {
  const d: OpDef | undefined = (OPS as Record<string, OpDef>)[op];
  if (!d) throw new RangeError(`unknown op '${op}'`); // callers from plain JavaScript
  return new Tensor(
    op,
    inputs,
    attrs,
    d.shape(
      inputs.map((t) => t.shape),
      attrs,
    ),
  );
}

// ---- helpers used by shape rules -------------------------------------------------------------

function elementwise(name: string) {
  return (ins: readonly Shape[]): Shape => ins.slice(1).reduce<Shape>((s, t) => broadcastShapes(s, t, name), ins[0]);
}
const same = (ins: readonly Shape[]): Shape => ins[0];

function spatialOut(size: Dim, k: number, s: number, p0: number, p1: number, d: number, what: string): number {
  if (size === 'N') throw new RangeError(`${what}: spatial dimension cannot be the batch`);
  const o = Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;
  if (o < 1) throw new RangeError(`${what}: input of size ${size} is too small for kernel ${k}`);
  return o;
}

function expect4d(what: string, s: Shape, role: string): void {
  if (s.length !== 4) throw new RangeError(`${what}: expected 4-D ${role} (N, C, H, W), got shape ${fmt(s)}`);
}

/** Reshape/Expand targets: the batch symbol becomes 0 (copy) or -1 (infer) in ONNX. */
function targetInts(target: Shape, input: Shape, mode: 'reshape' | 'expand'): number[] {
  return target.map((d, i) => (d === 'N' ? (mode === 'expand' ? 1 : input[i] === 'N' ? 0 : -1) : d));
}

// ---- the table ------------------------------------------------------------------------------

/** Types a table entry as an OpDef, so the table's type never depends on its rules' bodies. */
const def = (d: OpDef): OpDef => d;

const unary = (onnxOp: string, grad?: OpDef['grad']): OpDef => ({
  shape: same,
  onnx: (L, [x]) => one(L, onnxOp, [x]),
  grad,
});

export const OPS = {
  add: def({
    shape: elementwise('add'),
    onnx: (L, [a, b]) => one(L, 'Add', [a, b]),
    grad: (dy) => [dy, dy],
  }),
  sub: def({
    shape: elementwise('sub'),
    onnx: (L, [a, b]) => one(L, 'Sub', [a, b]),
    grad: (dy) => [dy, neg(dy)],
  }),
  mul: def({
    shape: elementwise('mul'),
    onnx: (L, [a, b]) => one(L, 'Mul', [a, b]),
    // x·x: 2·(dy·x) in two passes, not dy·x + dy·x in three (the same value: doubling is exact).
    grad: (dy, y) => (y.inputs[0] === y.inputs[1] ? [mul(mul(dy, y.inputs[0]), 2), null] : [mul(dy, y.inputs[1]), mul(dy, y.inputs[0])]),
  }),
  div: def({
    shape: elementwise('div'),
    onnx: (L, [a, b]) => one(L, 'Div', [a, b]),
    // d(a/b)/db = -a/b² = -y/b
    grad: (dy, y) => [div(dy, y.inputs[1]), neg(div(mul(dy, y), y.inputs[1]))],
  }),
  pow: def({
    shape: elementwise('pow'),
    onnx: (L, [a, b]) => one(L, 'Pow', [a, b]),
    grad: (dy, y) => {
      const [a, b] = y.inputs;
      return [mul(dy, mul(b, pow(a, sub(b, constant(1))))), mul(dy, mul(y, log(a)))];
    },
  }),
  neg: unary('Neg', (dy) => [neg(dy)]),
  exp: unary('Exp', (dy, y) => [mul(dy, y)]),
  log: unary('Log', (dy, y) => [div(dy, y.inputs[0])]),
  sqrt: unary('Sqrt', (dy, y) => [div(mul(dy, constant(0.5)), y)]),
  // The mask reads the ReLU's output (y > 0 exactly where x > 0), so that the layer before has
  // one consumer and ORT can fuse the ReLU into it (Gemm, or the blocked Conv: src/onnx/blocked.ts).
  relu: unary('Relu', (dy, y) => [mul(dy, positive(y))]),
  sigmoid: unary('Sigmoid', (dy, y) => [mul(dy, mul(y, sub(constant(1), y)))]),
  tanh: unary('Tanh', (dy, y) => [mul(dy, sub(constant(1), mul(y, y)))]),
  leakyRelu: def({
    shape: same,
    onnx: (L, [x], a) => one(L, 'LeakyRelu', [x], { alpha: { f: num(a, 'alpha') } }),
    grad: (dy, y) => [where(greater(y.inputs[0], 0), dy, mul(dy, num(y.attrs, 'alpha')))],
  }),
  /**
   * 1 where x > 0, else 0: a mask, so it passes no gradient. One ONNX node where `greater(x, 0)`
   * is two (Greater, then a Cast of its booleans): HardSigmoid, min(1, max(0, α·x)) with α the
   * largest float, is 1 for every x ≥ the smallest normal float (α·x ≥ 4, or +∞) and 0 for
   * x ≤ 0. 0.54 ms against 0.44 + 0.51 at 128×16×28×28 (ORT's profile), and ReLU's gradient
   * reads one mask per activation. A subnormal x (which ORT's worker threads read as 0 anyway,
   * src/runtime/node.ts) could give a fraction.
   */
  positive: def({
    shape: same,
    onnx: (L, [x]) => one(L, 'HardSigmoid', [x], { alpha: { f: 3.4028234663852886e38 }, beta: { f: 0 } }),
    grad: () => [null],
  }),
  /** 1 where a > b, else 0 (broadcasting): a mask, so it passes no gradient. */
  greater: def({
    shape: elementwise('greater'),
    onnx: (L, [a, b]) => one(L, 'Cast', [one(L, 'Greater', [a, b])], { to: { i: 1 } }),
    grad: () => [null, null],
  }),
  /** cond ? a : b elementwise (broadcasting), cond a 0/1 mask such as `greater` makes. */
  where: def({
    shape: elementwise('where'),
    onnx: (L, [c, a, b]) => one(L, 'Where', [one(L, 'Cast', [c], { to: { i: 9 } }), a, b]),
    grad: (dy, y) => [null, where(y.inputs[0], dy, 0), where(y.inputs[0], 0, dy)],
  }),
  clip: def({
    shape: same,
    onnx: (L, [x], a) => one(L, 'Clip', [x, L.float(num(a, 'min')), L.float(num(a, 'max'))]),
    // Keras clips predictions before the log, so no gradient flows where they were clipped.
    grad: (dy, y) => {
      const x = y.inputs[0];
      return [mul(dy, mul(greater(x, num(y.attrs, 'min')), greater(num(y.attrs, 'max'), x)))];
    },
  }),
  matmul: def({
    shape: ([a, b]) => {
      if (a.length !== 2 || b.length !== 2 || a[1] !== b[0]) throw new RangeError(`matmul: expected [m,k]·[k,n], got ${fmt(a)}·${fmt(b)}`);
      return [a[0], b[1]];
    },
    onnx: (L, [a, b]) => one(L, 'MatMul', [a, b]),
    grad: (dy, y) => {
      const [a, b] = y.inputs;
      return [matmul(dy, transpose(b, [1, 0])), matmul(transpose(a, [1, 0]), dy)];
    },
  }),
  transpose: def({
    shape: ([x], a) => {
      const perm = nums(a, 'perm');
      if (perm.length !== x.length) throw new RangeError(`transpose: perm ${fmt(perm)} for shape ${fmt(x)}`);
      return perm.map((p) => x[p]);
    },
    onnx: (L, [x], a) => one(L, 'Transpose', [x], { perm: { ints: nums(a, 'perm') } }),
    grad: (dy, y) => {
      const perm = nums(y.attrs, 'perm');
      const inv = perm.map((_, i) => perm.indexOf(i));
      return [transpose(dy, inv)];
    },
  }),
  reshape: def({
    shape: ([x], a) => {
      const t = a.shape as readonly Dim[];
      const batchIn = x.filter((d) => d === 'N').length;
      const batchOut = t.filter((d) => d === 'N').length;
      const size = (s: readonly Dim[]) => s.reduce<number>((p, d) => (d === 'N' ? p : p * d), 1);
      // batchScale k: the batch of the output is k times the input's (k samples per image folded
      // into the batch), or 1/k of it (unfolded again); the other dimensions make up the rest.
      const k = (a.batchScale as number | undefined) ?? 1;
      if (batchIn !== batchOut || Math.abs(size(x) - size(t) * k) > 1e-9 * size(x)) throw new RangeError(`reshape: cannot reshape ${fmt(x)} to ${fmt(t)}`);
      return t;
    },
    onnx: (L, [x], a, out) => {
      const ints = targetInts(a.shape as readonly Dim[], out.inputs[0].shape, 'reshape');
      // A batch that grows or shrinks is inferred, never copied from the input.
      const scaled = (a.batchScale as number | undefined) !== undefined;
      return one(L, 'Reshape', [x, L.ints(scaled ? ints.map((d, i) => ((a.shape as readonly Dim[])[i] === 'N' ? -1 : d)) : ints)]);
    },
    grad: (dy, y) => [reshape(dy, y.inputs[0].shape, 1 / ((y.attrs.batchScale as number | undefined) ?? 1))],
  }),
  /**
   * Broadcast x to a shape (NumPy rules), or to the shape of a second input `like` — needed when
   * the target's batch size is only known at run time. Its gradient is the broadcast undone by
   * the autodiff walk.
   */
  expand: def({
    shape: ([x, like], a) => {
      const target = like ?? (a.shape as readonly Dim[]);
      const out = broadcastShapes(x, target, 'expand');
      if (!like && out.some((d, i) => d === 'N' && x[i - (out.length - x.length)] !== 'N'))
        throw new RangeError(`expand: broadcasting ${fmt(x)} to the batch needs a tensor to take its size from`);
      return out;
    },
    onnx: (L, [x, like], a, out) => one(L, 'Expand', [x, like ? one(L, 'Shape', [like]) : L.ints(targetInts(a.shape as readonly Dim[], out.inputs[0].shape, 'expand'))]),
    grad: (dy) => [dy, null],
  }),
  reduceSum: def({
    shape: ([x], a) => reducedShape(x, nums(a, 'axes'), num(a, 'keepdims') === 1),
    onnx: (L, [x], a) => one(L, 'ReduceSum', [x, L.ints(nums(a, 'axes'))], { keepdims: { i: num(a, 'keepdims') } }),
    grad: (dy, y) => {
      const x = y.inputs[0];
      return [expandAs(reshape(dy, reducedShape(x.shape, nums(y.attrs, 'axes'), true)), x)];
    },
  }),
  reduceMean: def({
    shape: ([x], a) => reducedShape(x, nums(a, 'axes'), num(a, 'keepdims') === 1),
    onnx: (L, [x], a) => one(L, 'ReduceMean', [x], { axes: { ints: nums(a, 'axes') }, keepdims: { i: num(a, 'keepdims') } }),
    grad: (dy, y) => {
      const x = y.inputs[0];
      const axes = nums(y.attrs, 'axes');
      // Divided before it is broadcast: the same values, on the reduced tensor.
      return [expandAs(div(reshape(dy, reducedShape(x.shape, axes, true)), sizeOf(x, axes)), x)];
    },
  }),
  reduceMax: def({
    shape: ([x], a) => reducedShape(x, nums(a, 'axes'), num(a, 'keepdims') === 1),
    onnx: (L, [x], a) => one(L, 'ReduceMax', [x], { axes: { ints: nums(a, 'axes') }, keepdims: { i: num(a, 'keepdims') } }),
    // The gradient goes to the maxima (to each of tied ones, as TensorFlow does): y ≥ x
    // everywhere, so x is a maximum exactly where not y > x.
    grad: (dy, y) => {
      const x = y.inputs[0];
      const kept = reducedShape(x.shape, nums(y.attrs, 'axes'), true);
      return [where(greater(reshape(y, kept), x), 0, reshape(dy, kept))];
    },
  }),
  /** Number of elements along `axes` of x, as a float scalar (dynamic when the batch is among them). */
  sizeOf: def({
    shape: () => [],
    onnx: (L, [x], a, out) => {
      const axes = nums(a, 'axes');
      const dims = axes.map((ax) => out.inputs[0].shape[ax]);
      const fixed = dims.reduce<number>((p, d) => (d === 'N' ? p : p * d), 1);
      const k = L.float(fixed);
      const batch = axes.filter((ax) => out.inputs[0].shape[ax] === 'N');
      if (batch.length === 0) return k;
      // One batch axis (the usual case): Shape reads just that dimension, and a factor of 1 needs
      // no Mul: 3 nodes instead of 5 (a dense step computes this a few times; small nodes cost ≈ 10 µs each).
      const dimsOf = batch.length === 1 ? one(L, 'Shape', [x], { start: { i: batch[0] }, end: { i: batch[0] + 1 } }) : one(L, 'Gather', [one(L, 'Shape', [x]), L.ints(batch)]);
      const n = one(L, 'Cast', [one(L, 'ReduceProd', [dimsOf], { keepdims: { i: 0 } })], { to: { i: 1 } });
      return fixed === 1 ? n : one(L, 'Mul', [n, k]);
    },
    grad: () => [null],
  }),
  /**
   * 2-D convolution, NCHW. Inputs x [N,Ci,H,W], w [Co,Ci,kh,kw], optional bias [Co].
   * attrs: strides [sh,sw], pads [top,left,bottom,right] (asymmetric allowed), dilations.
   */
  conv: def({
    shape: ([x, w, b], a) => {
      expect4d('conv', x, 'input');
      expect4d('conv', w, 'kernel');
      if (x[1] !== w[1]) throw new RangeError(`conv: input has ${x[1]} channels, kernel expects ${w[1]} (kernel ${fmt(w)})`);
      if (b && (b.length !== 1 || b[0] !== w[0])) throw new RangeError(`conv: bias ${fmt(b)} for ${w[0]} filters`);
      const [s, p, d] = [nums(a, 'strides'), nums(a, 'pads'), nums(a, 'dilations')];
      return [x[0], w[0], spatialOut(x[2], w[2] as number, s[0], p[0], p[2], d[0], 'conv'), spatialOut(x[3], w[3] as number, s[1], p[1], p[3], d[1], 'conv')];
    },
    onnx: (L, ins, a, out) => {
      const [, ci, h, w] = out.inputs[0].shape as number[];
      const [co, , kh, kw] = out.inputs[1].shape as number[];
      const [s, p, d] = [nums(a, 'strides'), nums(a, 'pads'), nums(a, 'dilations')];
      if (co === 1 && kh * kw > 1 && [...s, ...d].every((v) => v === 1) && !L.isConstant(out.inputs[1])) {
        // One output channel (a decoder's last layer): ORT's Conv runs a one-row GEMM per image.
        // Contract the channels first for every tap at once, z = w_t · x at each padded pixel
        // (N, kh·kw, Hp, Wp), then add up each tap's shifted window of its own plane: 1.44× (32
        // input channels) and 1.94× (16) faster at 28×28 with the sigmoid after it (single-thread
        // CPU, min of 30). The same trick for one *input* channel ran 0.5–0.6× ORT's fused
        // Conv+ReLU, so that stays ORT's, and so do exported models, whose constant weights get
        // ORT's NCHWc Conv.
        const [ho, wo] = out.shape.slice(2) as number[];
        const padding = p.some((v) => v !== 0);
        const pad = (t: string) => (padding ? one(L, 'Pad', [t, L.ints([0, 0, p[0], p[1], 0, 0, p[2], p[3]])]) : t);
        const [hp, wp] = [h + p[0] + p[2], w + p[1] + p[3]];
        const wt = one(L, 'Transpose', [one(L, 'Reshape', [ins[1], L.ints([ci, kh * kw])])], { perm: { ints: [1, 0] } }); // (kh·kw, Ci)
        // Pad whichever of x and z has fewer planes (zero pixels contract to zero either way, so the
        // values are the same): ORT's Pad of 28-float rows ran at ≈ 2 GB/s, so padding the 9 tap
        // planes instead of 16 input channels saves ≈ 40% of it.
        const z =
          ci <= kh * kw
            ? one(L, 'Reshape', [one(L, 'MatMul', [wt, one(L, 'Reshape', [pad(ins[0]), L.ints([0, ci, hp * wp])])]), L.ints([0, kh * kw, hp, wp])])
            : pad(one(L, 'Reshape', [one(L, 'MatMul', [wt, one(L, 'Reshape', [ins[0], L.ints([0, ci, h * w])])]), L.ints([0, kh * kw, h, w])])); // (N, kh·kw, Hp, Wp)
        const taps: string[] = [];
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++) {
            const t = u * kw + v;
            taps.push(one(L, 'Slice', [z, L.ints([t, u, v]), L.ints([t + 1, u + ho, v + wo]), L.ints([1, 2, 3])])); // (N, 1, Ho, Wo)
          }
        const sum = one(L, 'Sum', taps);
        return ins[2] ? one(L, 'Add', [sum, ins[2]]) : sum;
      }
      const attrs = { strides: { ints: s }, pads: { ints: p }, dilations: { ints: d }, kernel_shape: { ints: [kh, kw] } };
      if (blocked.fits(L, ci) && !L.isConstant(out.inputs[1])) return blockedConv(L, ins, ci, co, kh, kw, attrs);
      return one(L, 'Conv', ins, attrs);
    },
    grad: (dy, y) => {
      const [x, w, b] = y.inputs;
      const s = nums(y.attrs, 'strides');
      const p = nums(y.attrs, 'pads');
      if (nums(y.attrs, 'dilations').some((d) => d !== 1)) throw new RangeError('conv: gradient of dilated convolution is not supported');
      const [kh, kw] = w.shape.slice(2) as number[];
      let dx: Tensor;
      if (s[0] === 1 && s[1] === 1 && p[0] < kh && p[2] < kh && p[1] < kw && p[3] < kw) {
        // Stride 1: the input gradient is a full correlation with the flipped kernel, and
        // ORT's Conv is much faster than its ConvTranspose (DESIGN.md).
        const wf = flip(transpose(w, [1, 0, 2, 3]), [2, 3]); // [Ci, Co, kh, kw]
        dx = conv(dy, wf, { pads: [kh - 1 - p[0], kw - 1 - p[1], kh - 1 - p[2], kw - 1 - p[3]] });
      } else {
        const [H, W] = x.shape.slice(2) as number[];
        const [Ho, Wo] = y.shape.slice(2) as number[];
        const outputPadding = [H - ((Ho - 1) * s[0] + kh - p[0] - p[2]), W - ((Wo - 1) * s[1] + kw - p[1] - p[3])];
        dx = convTranspose(dy, w, { strides: s, pads: p, outputPadding });
      }
      const dw = correlate(x, dy, s, p, kh, kw); // [Co, Ci, kh, kw]
      return b ? [dx, dw, reduceSum(dy, [0, 2, 3])] : [dx, dw];
    },
  }),
  /**
   * Transposed 2-D convolution, NCHW: the adjoint of conv. x [N,Ci,H,W], w [Ci,Co,kh,kw]
   * (ONNX layout), optional bias [Co]; attrs strides, pads, outputPadding.
   */
  convTranspose: def({
    shape: ([x, w, b], a) => {
      expect4d('convTranspose', x, 'input');
      expect4d('convTranspose', w, 'kernel');
      if (x[1] !== w[0]) throw new RangeError(`convTranspose: input has ${x[1]} channels, kernel expects ${w[0]} (kernel ${fmt(w)})`);
      if (b && (b.length !== 1 || b[0] !== w[1])) throw new RangeError(`convTranspose: bias ${fmt(b)} for ${w[1]} filters`);
      const [s, p, op] = [nums(a, 'strides'), nums(a, 'pads'), nums(a, 'outputPadding')];
      const size = (i: number, k: number, j: number) => {
        const d = x[i];
        if (d === 'N') throw new RangeError('convTranspose: spatial dimension cannot be the batch');
        return s[j] * (d - 1) + op[j] + k - p[j] - p[j + 2];
      };
      return [x[0], w[1], size(2, w[2] as number, 0), size(3, w[3] as number, 1)];
    },
    onnx: (L, ins, a, out) => {
      const fast =
        L.nchwcBlock && !L.isConstant(out.inputs[1])
          ? blockedConvTranspose(L, ins, out.inputs[0].shape as number[], out.inputs[1].shape as number[], out.shape as number[], nums(a, 'strides'), nums(a, 'pads'))
          : undefined;
      return (
        fast ??
        one(L, 'ConvTranspose', ins, {
          strides: { ints: nums(a, 'strides') },
          pads: { ints: nums(a, 'pads') },
          output_padding: { ints: nums(a, 'outputPadding') },
          kernel_shape: { ints: out.inputs[1].shape.slice(2) as number[] },
        })
      );
    },
    grad: (dy, y) => {
      const [x, w, b] = y.inputs;
      const s = nums(y.attrs, 'strides');
      const p = nums(y.attrs, 'pads');
      const [kh, kw] = w.shape.slice(2) as number[];
      const dx = conv(dy, w, { strides: s, pads: p }); // conv is convTranspose's adjoint
      const dw = correlate(dy, x, s, p, kh, kw); // [Ci, Co, kh, kw]
      return b ? [dx, dw, reduceSum(dy, [0, 2, 3])] : [dx, dw];
    },
  }),
  /**
   * The kernel gradient of a convolution (TensorFlow's Conv2DBackpropFilter):
   * out[cb, ca, u, v] = Σ_{n,i,j} b[n,cb,i,j] · a[n,ca, i·s+u−pt, j·s+v−pl], shape [Cb,Ca,kh,kw].
   * Lowered as im2col of `a` (one Gather of its taps) and a GEMM over batch × positions: ORT's
   * Conv with batch and channels swapped ran this contraction 5–10× slower, its kernel being the
   * whole image and its output only kh×kw.
   */
  kernelGrad: def({
    shape: ([a, b], at) => {
      expect4d('kernelGrad', a, 'input');
      expect4d('kernelGrad', b, 'output gradient');
      const k = nums(at, 'kernel');
      return [b[1], a[1], k[0], k[1]];
    },
    onnx: (L, [a, b], at, out) => {
      const [, ca, ha, wa] = out.inputs[0].shape as number[];
      const [, cb, hb, wb] = out.inputs[1].shape as number[];
      const [kh, kw] = nums(at, 'kernel');
      const s = nums(at, 'strides');
      const p = nums(at, 'pads');
      // Multi-channel operands: im2col as the GEMM's left operand, (C·taps, H'·W'·N), gathered from
      // the operand in CHWN order (channels, pixels, images innermost), and the other operand in
      // the same order, (C', H'·W'·N), read transposed. MLAS streams the left operand and packs
      // the right one, so the big im2col goes left: 1.3–2.4× the GEMM rate of the earlier
      // (C', N·H'·W')·(N·H'·W', taps·C) arrangement on these layers' shapes (165 → 242 GFLOP/s at
      // 64×25088×288), and the Gather copies whole N-float rows instead of C-float pixels. The
      // price is NCHW → CHWN for both operands, one Transpose each (≈ 0.55 ns a float): at
      // keras-conv2d's layer above 9.6 against 10.5 ms for the whole kernel gradient, and
      // 1.04–1.07× the step (bench/step-ab.ts).
      // A Transpose from NHWC (a dense layer's output as an image) is split by the blocked pass
      // (src/onnx/blocked.ts) into two that each move one axis.
      const chwn = (x: string) => one(L, 'Transpose', [x], { perm: { ints: [1, 2, 3, 0] } }); // (C, H, W, N)
      const im2colT = (x: string, [c, h, w]: number[], pads: number[], starts: (u: number, v: number) => number[], size: number[], step = [1, 1]) => {
        const pixels = one(L, 'Reshape', [chwn(x), L.ints([c, h * w, -1])]); // (C, H·W, N)
        // Taps that fall in the padding read pixel H·W, a zero row appended to each channel.
        const table: number[] = [];
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++)
            for (let i = 0; i < size[0]; i++)
              for (let j = 0; j < size[1]; j++) {
                const [y0, x0] = starts(u, v);
                const [yy, xx] = [y0 + step[0] * i - pads[0], x0 + step[1] * j - pads[1]];
                table.push(yy >= 0 && yy < h && xx >= 0 && xx < w ? yy * w + xx : h * w);
              }
        const zeros = () => {
          const shape = one(L, 'Concat', [L.ints([c, 1]), one(L, 'Shape', [x], { start: { i: 0 }, end: { i: 1 } })], { axis: { i: 0 } }); // [C, 1, N]
          return one(L, 'Expand', [L.floats([0]), shape]);
        };
        const padded = table.includes(h * w) ? one(L, 'Concat', [pixels, zeros()], { axis: { i: 1 } }) : pixels; // (C, H·W + 1, N)
        const patches = one(L, 'Gather', [padded, one(L, 'Reshape', [L.ints(table), L.ints([kh * kw, size[0] * size[1]])])], { axis: { i: 1 } }); // (C, taps, H'·W', N)
        return one(L, 'Reshape', [patches, L.ints([c * kh * kw, -1])]); // (C·taps, H'·W'·N)
      };
      /** Σ over images and positions: (C·taps, K)·(C', K)ᵀ as (C, kh, kw, C'). */
      const contract = (patches: string, c: number, other: string, co: number) =>
        one(L, 'Reshape', [one(L, 'Gemm', [patches, one(L, 'Reshape', [chwn(other), L.ints([co, -1])])], { transB: { i: 1 } }), L.ints([c, kh, kw, co])]);
      // One channel (the image, or the last layer's output gradient): its taps are whole planes.
      // The patches stay NCHW, (N, kh·kw, H'·W'), joined along axis 1 in whole (H', W') blocks,
      // and the contraction runs per image, (N, C', H'·W')·(N, H'·W', kh·kw), summed over N: with
      // only kh·kw patch rows the CHWN GEMM above ran slower (0.68 against 0.48 ms at 128×28×28,
      // 16 filters).
      const im2colNchw = (x: string, pads: number[], starts: (u: number, v: number) => number[], size: number[], step = [1, 1]) => {
        const padded = pads.some((v) => v !== 0) ? one(L, 'Pad', [x, L.ints([0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]])]) : x;
        const cols: string[] = [];
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++) {
            const [y0, x0] = starts(u, v);
            const ends = [y0 + step[0] * (size[0] - 1) + 1, x0 + step[1] * (size[1] - 1) + 1];
            cols.push(one(L, 'Slice', [padded, L.ints([y0, x0]), L.ints(ends), L.ints([2, 3]), L.ints(step)])); // (N, 1, H', W')
          }
        const joined = cols.length > 1 ? one(L, 'Concat', cols, { axis: { i: 1 } }) : cols[0]; // (N, kh·kw, H', W')
        return one(L, 'Transpose', [one(L, 'Reshape', [joined, L.ints([0, kh * kw, -1])])], { perm: { ints: [0, 2, 1] } }); // (N, H'·W', kh·kw), fused into the MatMul
      };
      /** Σ_n (N, C', H'·W')·(N, H'·W', kh·kw) as (C', kh, kw, 1). */
      const perImage = (other: string, co: number, patches: string) =>
        one(L, 'Reshape', [
          one(L, 'ReduceSum', [one(L, 'MatMul', [one(L, 'Reshape', [other, L.ints([0, co, -1])]), patches]), L.ints([0])], { keepdims: { i: 0 } }),
          L.ints([co, kh, kw, 1]),
        ]);
      if (s[0] === 1 && s[1] === 1 && cb < ca) {
        // Stride 1 is symmetric in a and b: shift the smaller one (b here) the opposite way,
        // out[cb,ca,u,v] = Σ a[n,ca,i,j] · b[n,cb,i−u+pt, j−v+pl], so im2col copies less.
        const pads = [kh - 1 - p[0], kw - 1 - p[1], ha + p[0] - hb, wa + p[1] - wb];
        const starts = (u: number, v: number) => [kh - 1 - u, kw - 1 - v];
        if (cb === 1) return one(L, 'Transpose', [perImage(a, ca, im2colNchw(b, pads, starts, [ha, wa]))], { perm: { ints: [3, 0, 1, 2] } }); // (Ca, kh, kw, 1) → (1, Ca, kh, kw)
        return one(L, 'Transpose', [contract(im2colT(b, [cb, hb, wb], pads, starts, [ha, wa]), cb, a, ca)], { perm: { ints: [0, 3, 1, 2] } }); // (Cb, kh, kw, Ca) → (Cb, Ca, kh, kw)
      }
      // Rows/columns the windows reach: (Hb−1)·s + kh from the top of the padded input.
      const pb = Math.max(0, (hb - 1) * s[0] + kh - ha - p[0]);
      const pr = Math.max(0, (wb - 1) * s[1] + kw - wa - p[1]);
      const pads = [p[0], p[1], pb, pr];
      const starts = (u: number, v: number) => [u, v];
      if (ca === 1) return one(L, 'Transpose', [perImage(b, cb, im2colNchw(a, pads, starts, [hb, wb], s))], { perm: { ints: [0, 3, 1, 2] } }); // (Cb, kh, kw, 1) → (Cb, 1, kh, kw)
      return one(L, 'Transpose', [contract(im2colT(a, [ca, ha, wa], pads, starts, [hb, wb], s), ca, b, cb)], { perm: { ints: [3, 0, 1, 2] } }); // (Ca, kh, kw, Cb) → (Cb, Ca, kh, kw)
    },
  }),
  /**
   * Nearest-neighbour upsampling of NCHW by an integer factor (Keras UpSampling2D). ORT's Resize
   * ran ≈ 3× faster than the equivalent Reshape→Expand→Reshape.
   */
  upsample: def({
    shape: ([x], a) => {
      expect4d('upsample', x, 'input');
      const f = num(a, 'factor');
      return [x[0], x[1], (x[2] as number) * f, (x[3] as number) * f];
    },
    onnx: (L, [x], a) => {
      const f = num(a, 'factor');
      const scales = L.floats([1, 1, f, f]);
      return one(L, 'Resize', [x, '', scales], { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } });
    },
    // Each input pixel fed an f×f block: its gradient is the block's sum = f² · block mean.
    grad: (dy, y) => {
      const f = num(y.attrs, 'factor');
      return [mul(avgPool(dy, [f, f], [f, f]), f * f)];
    },
  }),
  /** Average pooling, NCHW, no padding. */
  avgPool: def({
    shape: ([x], a) => {
      expect4d('avgPool', x, 'input');
      const [k, s] = [nums(a, 'kernel'), nums(a, 'strides')];
      return [x[0], x[1], spatialOut(x[2], k[0], s[0], 0, 0, 1, 'avgPool'), spatialOut(x[3], k[1], s[1], 0, 0, 1, 'avgPool')];
    },
    onnx: (L, [x], a) => one(L, 'AveragePool', [x], { kernel_shape: { ints: nums(a, 'kernel') }, strides: { ints: nums(a, 'strides') } }),
    grad: (dy, y) => {
      const k = nums(y.attrs, 'kernel');
      const s = nums(y.attrs, 'strides');
      const x = y.inputs[0];
      if (k[0] !== s[0] || k[1] !== s[1] || (x.shape[2] as number) % k[0] !== 0 || (x.shape[3] as number) % k[1] !== 0 || k[0] !== k[1])
        throw new RangeError('avgPool: gradient needs square, non-overlapping windows that tile the input');
      return [div(make('upsample', [dy], { factor: k[0] }), k[0] * k[1])];
    },
  }),
  /** Max pooling, NCHW; attrs kernel [kh,kw], strides, pads. */
  maxPool: def({
    shape: ([x], a) => {
      expect4d('maxPool', x, 'input');
      const [k, s, p] = [nums(a, 'kernel'), nums(a, 'strides'), nums(a, 'pads')];
      return [x[0], x[1], spatialOut(x[2], k[0], s[0], p[0], p[2], 1, 'maxPool'), spatialOut(x[3], k[1], s[1], p[1], p[3], 1, 'maxPool')];
    },
    onnx: (L, [x], a) => one(L, 'MaxPool', [x], poolAttrs(a)),
    grad: (dy, y): Tensor[] => [make('maxPoolGrad', [y.inputs[0], dy, y], y.attrs)],
  }),
  /**
   * dL/dx of y = maxPool(x), inputs (x, dy, y): dy routed to the first maximum of each window,
   * as ORT, PyTorch and TensorFlow do. Ties are common (a flat background after a ReLU with a
   * positive bias), so an equality mask alone would over-count them. ORT's MaxPool with indices
   * keeps the first maximum (strictly greater replaces), and its indices are offsets into the
   * whole flattened input (batch and channel included).
   */
  maxPoolGrad: def({
    shape: ([x]) => x,
    onnx: (L, [x, dy], a) => {
      const [k, s] = [nums(a, 'kernel'), nums(a, 'strides')];
      const [, idx] = L.node('MaxPool', [x], poolAttrs(a), 2); // (N, C, Ho, Wo) int64
      const shapeOf = one(L, 'Shape', [x]);
      if (k[0] <= s[0] && k[1] <= s[1]) {
        // Windows do not overlap, so no two gradients share an index: MaxUnpool writes each dy at
        // its index into zeros, one pass. (The earlier lowering, k² strided slices → first-max
        // masks → Where → Concat → DepthToSpace, ran 3-6× slower per layer; scratch A/B.)
        return one(L, 'MaxUnpool', [dy, idx, shapeOf], { kernel_shape: { ints: k }, strides: { ints: s }, pads: { ints: nums(a, 'pads') } });
      }
      // Overlapping windows may share a maximum: scatter with addition.
      const flat = L.ints([-1]);
      const zeros = one(L, 'Reshape', [one(L, 'ConstantOfShape', [shapeOf]), flat]);
      const scattered = one(L, 'ScatterElements', [zeros, one(L, 'Reshape', [idx, flat]), one(L, 'Reshape', [dy, flat])], { axis: { i: 0 }, reduction: { s: 'add' } });
      return one(L, 'Reshape', [scattered, shapeOf]);
    },
    grad: () => [null, null, null],
  }),
  /** Reverse the order along `axes`. */
  flip: def({
    shape: same,
    onnx: (L, [x], a) => {
      const axes = nums(a, 'axes');
      const big = 2 ** 62; // "to the start", when stepping backwards
      return one(L, 'Slice', [x, L.ints(axes.map(() => -1)), L.ints(axes.map(() => -big)), L.ints(axes), L.ints(axes.map(() => -1))]);
    },
    grad: (dy, y) => [flip(dy, nums(y.attrs, 'axes'))],
  }),
  /** Static slice: attrs axes, starts, ends (non-negative, ends exclusive). */
  slice: def({
    shape: ([x], a) => {
      const out = [...x];
      nums(a, 'axes').forEach((ax, i) => {
        const d = x[ax];
        if (d === 'N') throw new RangeError('slice: cannot slice the batch dimension');
        out[ax] = Math.min(nums(a, 'ends')[i], d) - nums(a, 'starts')[i];
      });
      return out;
    },
    onnx: (L, [x], a) => one(L, 'Slice', [x, L.ints(nums(a, 'starts')), L.ints(nums(a, 'ends')), L.ints(nums(a, 'axes'))]),
    grad: (dy, y) => {
      const x = y.inputs[0];
      const before = x.shape.map(() => 0);
      const after = x.shape.map(() => 0);
      nums(y.attrs, 'axes').forEach((ax, i) => {
        before[ax] = nums(y.attrs, 'starts')[i];
        after[ax] = (x.shape[ax] as number) - nums(y.attrs, 'ends')[i];
      });
      return [pad(dy, [...before, ...after])];
    },
  }),
  /** Zero padding; attrs pads [b0,b1,...,a0,a1,...] like ONNX Pad. */
  pad: def({
    shape: ([x], a) => {
      const p = nums(a, 'pads');
      return x.map((d, i) => {
        if (p[i] === 0 && p[i + x.length] === 0) return d;
        if (d === 'N') throw new RangeError('pad: cannot pad the batch dimension');
        return d + p[i] + p[i + x.length];
      });
    },
    onnx: (L, [x], a) => one(L, 'Pad', [x, L.ints(nums(a, 'pads'))]),
    grad: (dy, y) => {
      const x = y.inputs[0];
      const p = nums(y.attrs, 'pads');
      const axes = x.shape.map((_, i) => i).filter((i) => p[i] !== 0 || p[i + x.rank] !== 0);
      return [
        slice(
          dy,
          axes,
          axes.map((i) => p[i]),
          axes.map((i) => p[i] + (x.shape[i] as number)),
        ),
      ];
    },
  }),
  /** Join along an axis. */
  concat: def({
    shape: (ins, a) => {
      const ax = num(a, 'axis');
      const out = [...ins[0]];
      let total = 0;
      for (const s of ins) {
        if (s.length !== out.length || s.some((d, i) => i !== ax && d !== out[i])) throw new RangeError(`concat: shapes ${ins.map(fmt).join(', ')} differ outside axis ${ax}`);
        const d = s[ax];
        if (d === 'N') throw new RangeError('concat: cannot concatenate along the batch');
        total += d;
      }
      out[ax] = total;
      return out;
    },
    onnx: (L, ins, a) => one(L, 'Concat', ins, { axis: { i: num(a, 'axis') } }),
    grad: (dy, y) => {
      const ax = num(y.attrs, 'axis');
      let start = 0;
      return y.inputs.map((t) => {
        const end = start + (t.shape[ax] as number);
        const g = slice(dy, [ax], [start], [end]);
        start = end;
        return g;
      });
    },
  }),
};

/** The name of a primitive: a key of the op table (so `apply('nope', …)` does not compile). */
export type OpName = keyof typeof OPS;

function poolAttrs(a: Attrs): Record<string, OnnxAttr> {
  return { kernel_shape: { ints: nums(a, 'kernel') }, strides: { ints: nums(a, 'strides') }, pads: { ints: nums(a, 'pads') } };
}

function reducedShape(x: Shape, axes: readonly number[], keep: boolean): Shape {
  for (const ax of axes) if (ax < 0 || ax >= x.length) throw new RangeError(`reduce: axis ${ax} out of range for ${fmt(x)}`);
  return keep ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i));
}

/**
 * Convolutions on ONNX Runtime's blocked kernels (L.nchwcBlock = B): the activations in NCHWc,
 * channels in blocks of B innermost, (N, C/B, H, W, B) in memory under the shape (N, C, H, W).
 * The weights, fed each step, are put in the blocked filter layout in the graph by a Reshape and
 * a Transpose of a few thousand floats. ORT gives only constant weights this path by itself;
 * with weights fed, its Conv ran 1.3–5× slower on the conv presets' layers, and its stride-2
 * ConvTranspose runs one small GEMM and a col2im per image (docs/PERFORMANCE.md, "Fourth pass").
 * Each op is lowered NCHW in and out; src/onnx/blocked.ts then keeps activations blocked between
 * layers.
 */
const blocked = {
  /** Whether a tensor of `c` channels can be a blocked conv's input: whole blocks, or fewer channels than one block (read as NCHW). */
  fits: (L: Lowering, c: number) => !!L.nchwcBlock && (c % L.nchwcBlock === 0 || c < L.nchwcBlock),
  /** x (N, C, H, W) as a blocked conv reads it: reordered to NCHWc, or as it is when C < B. */
  input(L: Lowering, x: string, c: number): string {
    return c % L.nchwcBlock! === 0 ? L.nchwc('ReorderInput', [x]) : x;
  },
  /** Filters (Co, Ci, kh, kw) in the blocked layout, output channels padded with zero filters to Cb, a whole number of blocks. */
  filter(L: Lowering, w: string, ci: number, co: number, kh: number, kw: number): string {
    const B = L.nchwcBlock!;
    const cb = Math.ceil(co / B) * B;
    const wp = cb > co ? one(L, 'Pad', [w, L.ints([0, 0, 0, 0, cb - co, 0, 0, 0])]) : w; // (Cb, Ci, kh, kw)
    const t =
      ci % B === 0
        ? one(L, 'Transpose', [one(L, 'Reshape', [wp, L.ints([cb / B, B, ci / B, B, kh, kw])])], { perm: { ints: [0, 2, 4, 5, 3, 1] } }) // (Cb/B, Ci/B, kh, kw, Bi, Bo)
        : one(L, 'Transpose', [one(L, 'Reshape', [wp, L.ints([cb / B, B, ci, kh, kw])])], { perm: { ints: [0, 2, 3, 4, 1] } }); // (Cb/B, Ci, kh, kw, Bo)
    return one(L, 'Reshape', [t, L.ints([cb, ci, kh, kw])]);
  },
  /** Bias (Co) padded to Cb. */
  bias(L: Lowering, b: string, co: number): string {
    const cb = Math.ceil(co / L.nchwcBlock!) * L.nchwcBlock!;
    return cb > co ? one(L, 'Pad', [b, L.ints([0, cb - co])]) : b;
  },
  /** The blocked conv of a blocked input and filter: (N, Cb, Ho, Wo) blocked. */
  conv(L: Lowering, xr: string, wr: string, b: string | undefined, attrs: Record<string, OnnxAttr>): string {
    return L.nchwc('Conv', b ? [xr, wr, b] : [xr, wr], attrs);
  },
  /** Back to NCHW, the first `co` channels. */
  output: (L: Lowering, y: string, co: number) => L.nchwc('ReorderOutput', [y], { channels: { i: co } }),
};

/** conv on the blocked kernels: NCHW in and out. */
function blockedConv(L: Lowering, [x, w, b]: readonly string[], ci: number, co: number, kh: number, kw: number, attrs: Record<string, OnnxAttr>): string {
  const y = blocked.conv(L, blocked.input(L, x, ci), blocked.filter(L, w, ci, co, kh, kw), b && blocked.bias(L, b, co), attrs);
  return blocked.output(L, y, co);
}

/**
 * convTranspose at stride s as s² stride-1 convs on the blocked kernels, one per output phase
 * (r, c), y[s·m + r, s·l + c], interleaved in the blocked layout. Along one axis, output
 * o = s·m + r gathers the taps u ≡ r + pt (mod s): u = u0 + s·t for t < T, reading x[m + q − t]
 * with q = (r + pt − u0)/s, which is a correlation with those taps reversed and padding
 * (T − 1 − q, M − H + q) around x's H rows (M = Ho/s outputs per phase). Every tap is used once,
 * so the arithmetic is ConvTranspose's. Undefined where this does not apply (a phase with no
 * tap or a negative padding, an output not a multiple of s): ORT's ConvTranspose then.
 */
function blockedConvTranspose(
  L: Lowering,
  [x, w, b]: readonly string[],
  xs: readonly number[],
  ws: readonly number[],
  ys: readonly number[],
  s: readonly number[],
  p: readonly number[],
): string | undefined {
  const [, ci, h, wd] = xs;
  const [, co, kh, kw] = ws;
  const [ho, wo] = ys.slice(2);
  if (!blocked.fits(L, ci) || ho % s[0] !== 0 || wo % s[1] !== 0) return undefined;
  // Per axis and phase: the taps (kernel indices, in correlation order) and the padding.
  const phases = (k: number, st: number, pt: number, n: number, m: number) =>
    Array.from({ length: st }, (_, r) => {
      const u0 = (((r + pt) % st) + st) % st;
      const T = Math.ceil((k - u0) / st);
      const q = (r + pt - u0) / st;
      return { taps: Array.from({ length: T }, (_, j) => u0 + st * (T - 1 - j)), before: T - 1 - q, after: m - n + q };
    });
  const rows = phases(kh, s[0], p[0], h, ho / s[0]);
  const cols = phases(kw, s[1], p[1], wd, wo / s[1]);
  if ([...rows, ...cols].some((a) => a.taps.length === 0 || a.before < 0 || a.after < 0)) return undefined;
  const B = L.nchwcBlock!;
  const cb = Math.ceil(co / B) * B;
  const xr = blocked.input(L, x, ci);
  const wt = one(L, 'Reshape', [one(L, 'Transpose', [w], { perm: { ints: [1, 0, 2, 3] } }), L.ints([co, ci, kh * kw])]); // (Co, Ci, kh·kw)
  /** The phase's kernel, (Co, Ci, Tr, Tc). */
  const kernel = (r: (typeof rows)[number], c: (typeof cols)[number]) => {
    const taps = r.taps.flatMap((u) => c.taps.map((v) => u * kw + v));
    return one(L, 'Reshape', [one(L, 'Gather', [wt, L.ints(taps)], { axis: { i: 2 } }), L.ints([co, ci, r.taps.length, c.taps.length])]);
  };
  const [m, l] = [ho / s[0], wo / s[1]];
  if (s[0] === s[1] && s[0] * s[1] * co <= B) {
    // Few filters (an image's channels): the phases as the channels of one conv, each phase's
    // kernel placed in a window that covers every phase's taps, then DepthToSpace. The s² phase
    // convs would each pad Co up to a whole block of B filters (16× the work for one channel) and
    // be interleaved in that padded width: at lecture-conv's last layer 0.7 against 3.5 ms.
    const reach = (a: (typeof rows)[number]) => [-a.before, a.taps.length - 1 - a.before]; // x offsets the phase reads
    const window = (axis: typeof rows) => {
      const lo = Math.min(...axis.map((a) => reach(a)[0]));
      return { lo, size: Math.max(...axis.map((a) => reach(a)[1])) - lo + 1 };
    };
    const [wr, wc] = [window(rows), window(cols)];
    const pads = [-wr.lo, -wc.lo, m - h + wr.size - 1 + wr.lo, l - wd + wc.size - 1 + wc.lo];
    if (pads.some((v) => v < 0)) return undefined;
    const placed = rows.flatMap((r) =>
      cols.map((c) => {
        const [top, left] = [-r.before - wr.lo, -c.before - wc.lo];
        const around = [0, 0, top, left, 0, 0, wr.size - r.taps.length - top, wc.size - c.taps.length - left];
        return one(L, 'Pad', [kernel(r, c), L.ints(around)]); // (Co, Ci, Kr, Kc)
      }),
    );
    const phasesCo = s[0] * s[1] * co;
    const k = one(L, 'Concat', placed, { axis: { i: 0 } }); // (s²·Co, Ci, Kr, Kc), DepthToSpace's DCR order
    const bias = b && blocked.bias(L, one(L, 'Tile', [b, L.ints([s[0] * s[1]])]), phasesCo);
    const y = blocked.conv(L, xr, blocked.filter(L, k, ci, phasesCo, wr.size, wc.size), bias, {
      kernel_shape: { ints: [wr.size, wc.size] },
      pads: { ints: pads },
      strides: { ints: [1, 1] },
      dilations: { ints: [1, 1] },
    }); // (N, s²·Co, M, L) blocked
    return one(L, 'DepthToSpace', [blocked.output(L, y, phasesCo)], { blocksize: { i: s[0] }, mode: { s: 'DCR' } });
  }
  const bias = b && blocked.bias(L, b, co);
  const rowsOut = rows.map((r) => {
    const phase = cols.map((c) => {
      const k = kernel(r, c); // (Co, Ci, Tr, Tc)
      const y = blocked.conv(L, xr, blocked.filter(L, k, ci, co, r.taps.length, c.taps.length), bias, {
        kernel_shape: { ints: [r.taps.length, c.taps.length] },
        pads: { ints: [r.before, c.before, r.after, c.after] },
        strides: { ints: [1, 1] },
        dilations: { ints: [1, 1] },
      }); // (N, Cb, M, L) blocked: (N, Cb/B, M, L, B) in memory
      return one(L, 'Reshape', [y, L.ints([0, cb / B, m, l, 1, B])]);
    });
    const joined = phase.length > 1 ? one(L, 'Concat', phase, { axis: { i: 4 } }) : phase[0]; // (N, Cb/B, M, L, sc, B): row phase r
    return one(L, 'Reshape', [joined, L.ints([0, cb / B, m, 1, l * s[1] * B])]);
  });
  const all = rowsOut.length > 1 ? one(L, 'Concat', rowsOut, { axis: { i: 3 } }) : rowsOut[0]; // (N, Cb/B, M, sr, L·sc·B)
  return blocked.output(L, one(L, 'Reshape', [all, L.ints([0, cb, ho, wo])]), co);
}

/**
 * out[cb, ca, u, v] = Σ_{n,i,j} b[n,cb,i,j] · a[n,ca, i·s+u−pt, j·s+v−pl], of shape [Cb,Ca,kh,kw]:
 * the kernel gradient of conv (a = x, b = dy) and of convTranspose (a = dy, b = x).
 */
function correlate(a: Tensor, b: Tensor, s: readonly number[], p: readonly number[], kh: number, kw: number): Tensor {
  return apply('kernelGrad', [a, b], { strides: [...s], pads: [...p], kernel: [kh, kw] });
}

// ---- the functional API over the table ------------------------------------------------------

type T = Tensor;
const lift = (v: T | number): T => (typeof v === 'number' ? constant(v) : v);

/**
 * An elementwise binary op whose operands are written as given, except that an `expand` beside
 * an operand of the full shape is skipped: the op broadcasts its source to the same values, and
 * the expanded tensor (a backward pass makes many, from sums and means) is never written.
 */
function binary(name: 'add' | 'sub' | 'mul' | 'div') {
  const skip = (x: T, other: T): T => (x.op === 'expand' && sameShape(other.shape, x.shape) ? x.inputs[0] : x);
  return (a: T | number, b: T | number): T => {
    const [ta, tb] = [lift(a), lift(b)];
    const sa = skip(ta, tb);
    return apply(name, sa !== ta ? [sa, tb] : [ta, skip(tb, ta)]); // one of them at most: the other keeps the shape
  };
}
export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const pow = (a: T | number, b: T | number): T => apply('pow', [lift(a), lift(b)]);
export const neg = (x: T): T => apply('neg', [x]);
export const exp = (x: T): T => apply('exp', [x]);
export const log = (x: T): T => apply('log', [x]);
export const sqrt = (x: T): T => apply('sqrt', [x]);
export const relu = (x: T): T => apply('relu', [x]);
export const sigmoid = (x: T): T => apply('sigmoid', [x]);
export const tanh = (x: T): T => apply('tanh', [x]);
export const leakyRelu = (x: T, alpha = 0.3): T => apply('leakyRelu', [x], { alpha });
export const greater = (a: T | number, b: T | number): T => apply('greater', [lift(a), lift(b)]);
/** 1 where x > 0, else 0 (for the normal floats: see the op). */
export const positive = (x: T): T => apply('positive', [x]);
export const where = (cond: T, a: T | number, b: T | number): T => apply('where', [cond, lift(a), lift(b)]);
export const clip = (x: T, min: number, max: number): T => apply('clip', [x], { min, max });
export const square = (x: T): T => mul(x, x);
export const matmul = (a: T, b: T): T => apply('matmul', [a, b]);
export const transpose = (x: T, perm: readonly number[]): T => apply('transpose', [x], { perm });
/** Reshape; with batchScale k the output's batch is k times the input's (1/k: divided by k). */
export const reshape = (x: T, shape: Shape, batchScale = 1): T =>
  apply('reshape', [x], batchScale === 1 ? { shape: shape as readonly number[] } : { shape: shape as readonly number[], batchScale });
export const expand = (x: T, shape: Shape): T => apply('expand', [x], { shape: shape as readonly number[] });
/** Broadcast x to the (run-time) shape of `like`. */
export const expandAs = (x: T, like: T): T => apply('expand', [x, like]);
export const reduceSum = (x: T, axes: readonly number[], keepdims = false): T => apply('reduceSum', [x], { axes, keepdims: keepdims ? 1 : 0 });
export const reduceMean = (x: T, axes: readonly number[], keepdims = false): T => apply('reduceMean', [x], { axes, keepdims: keepdims ? 1 : 0 });
export const reduceMax = (x: T, axes: readonly number[], keepdims = false): T => apply('reduceMax', [x], { axes, keepdims: keepdims ? 1 : 0 });
export const sizeOf = (x: T, axes: readonly number[]): T => apply('sizeOf', [x], { axes });
export const upsample = (x: T, factor: number): T => apply('upsample', [x], { factor });
export const avgPool = (x: T, kernel: readonly number[], strides: readonly number[]): T => apply('avgPool', [x], { kernel, strides });
export const flip = (x: T, axes: readonly number[]): T => apply('flip', [x], { axes });
export const slice = (x: T, axes: readonly number[], starts: readonly number[], ends: readonly number[]): T => apply('slice', [x], { axes, starts, ends });
export const pad = (x: T, pads: readonly number[]): T => apply('pad', [x], { pads });
export const concat = (xs: readonly T[], axis: number): T => apply('concat', xs, { axis });
export const maxPool = (x: T, kernel: readonly number[], strides: readonly number[], pads: readonly number[] = [0, 0, 0, 0]): T => apply('maxPool', [x], { kernel, strides, pads });

/** Convolution options: defaults stride 1, no padding, no dilation. */
export interface ConvOptions {
  strides?: readonly number[];
  pads?: readonly number[];
  dilations?: readonly number[];
}
export const conv = (x: T, w: T, o: ConvOptions = {}, bias?: T): T => {
  const [strides, pads, dilations] = [o.strides ?? [1, 1], o.pads ?? [0, 0, 0, 0], o.dilations ?? [1, 1]];
  const small = upsampledTwice(x, w, strides, pads, dilations);
  if (small) return convTranspose(small, upsampledKernel(w), { strides: [2, 2], pads }, bias);
  return apply('conv', bias ? [x, w, bias] : [x, w], { strides, pads, dilations });
};

/**
 * The image `x` was upsampled from, when `x` is a ×2 nearest-neighbour upsampling and the conv a
 * stride-1 'same' one with an odd square kernel (Keras' UpSampling2D then Conv2D or
 * Conv2DTranspose): that pair is one stride-2 transposed convolution of the small image (see
 * {@link upsampledKernel}), with 2.25× fewer multiply-adds (4 taps per output pixel, not 9) and no
 * 4×-larger image in between. lecture-conv's decoder has two such pairs.
 */
function upsampledTwice(x: T, w: T, strides: readonly number[], pads: readonly number[], dilations: readonly number[]): T | undefined {
  const [kh, kw] = w.shape.slice(2);
  const k = kh as number;
  if (x.op !== 'upsample' || num(x.attrs, 'factor') !== 2 || kh !== kw || k % 2 !== 1) return undefined;
  return [...strides, ...dilations].every((v) => v === 1) && pads.every((v) => v === (k - 1) / 2) ? x.inputs[0] : undefined;
}

/**
 * conv(upsample(x, 2), w) = convTranspose(x, K, stride 2, the same pads), with K[ci, co] the
 * flipped kernel w[co, ci] summed over the 2×2 shifts that read the same source pixel:
 * K[a, b] = Σ_{da, db ∈ {0, 1}} flip(w)[a − da, b − db], a (k+1)×(k+1) kernel. (In 1-D, k = 3:
 * K = [w2, w1 + w2, w0 + w1, w0].) [Co, Ci, k, k] → [Ci, Co, k+1, k+1].
 */
function upsampledKernel(w: T): T {
  const wf = flip(transpose(w, [1, 0, 2, 3]), [2, 3]); // (Ci, Co, k, k), as a transposed conv's kernel
  const shifted = [0, 1].flatMap((a) => [0, 1].map((b) => pad(wf, [0, 0, a, b, 0, 0, 1 - a, 1 - b])));
  return shifted.reduce((sum, t) => add(sum, t));
}
export const convTranspose = (x: T, w: T, o: { strides?: readonly number[]; pads?: readonly number[]; outputPadding?: readonly number[] } = {}, bias?: T): T =>
  apply('convTranspose', bias ? [x, w, bias] : [x, w], { strides: o.strides ?? [1, 1], pads: o.pads ?? [0, 0, 0, 0], outputPadding: o.outputPadding ?? [0, 0] });

export type { AttrValue };
export { sameShape };
