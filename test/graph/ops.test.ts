/**
 * One row per primitive of the op table: output shape, forward values against a plain-JS
 * reference, and the gradient rule against central finite differences of the same ONNX graph.
 *
 * Precision: ONNX Runtime's CPU Conv and pooling kernels are float32-only, so the checks run in
 * float32. With step h = 1e-2 and a loss L = Σ y·r of order 10, rounding contributes about
 * 1e-6·10/(2h) ≈ 5e-4 to a difference quotient and the O(h²) truncation about 1e-4 for these
 * smooth ops; the tolerance |analytic − numeric| ≤ 1e-2 + 1e-2·|numeric| leaves a margin of ~10×
 * while a wrong rule (a missing factor, a transposed kernel) is off by O(1).
 * Inputs of kinked ops are drawn away from their kinks (|x| ≥ 0.1, distinct pooling values),
 * so a step of h never crosses one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grad } from '../../src/graph/autodiff.js';
import * as op from '../../src/graph/ops.js';
import { concrete, type Shape } from '../../src/graph/shape.js';
import { input, topoSort, type Tensor } from '../../src/graph/tensor.js';
import { toOnnx } from '../../src/onnx/emit.js';
import { Rng } from '../../src/rng.js';
import { compile, nodeRuntime, type Feed } from '../../src/runtime/node.js';

type Gen = 'any' | 'positive' | 'kinkless' | 'distinct' | 'unit';
type Vals = Float32Array[];
type Dims = number[][];

interface Row {
  name: string;
  inputs: Array<{ shape: Shape; gen?: Gen }>;
  build: (xs: Tensor[]) => Tensor;
  shape: Shape;
  /** Expected output values, computed in plain JS from the concrete input values and dims. */
  reference: (v: Vals, d: Dims) => ArrayLike<number>;
  /** Whether to check the gradient (false for ops whose derivative is zero almost everywhere). */
  grad?: boolean;
}

const BATCH = 3; // the value the batch symbol takes in these tests

// ---- plain-JS references ------------------------------------------------------------------------

const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);
const stridesOf = (d: readonly number[]) => d.map((_, i) => size(d.slice(i + 1)));
function unravel(i: number, d: readonly number[]): number[] {
  const s = stridesOf(d);
  return d.map((n, k) => Math.floor(i / s[k]) % n);
}
function ravel(idx: readonly number[], d: readonly number[]): number {
  const s = stridesOf(d);
  return idx.reduce((a, v, k) => a + v * s[k], 0);
}
function bshape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const pa = [...Array(n - a.length).fill(1), ...a];
  const pb = [...Array(n - b.length).fill(1), ...b];
  return pa.map((x, i) => Math.max(x, pb[i]));
}
/** Value of a broadcast operand at output index `idx`. */
function at(v: Float32Array, d: readonly number[], idx: readonly number[]): number {
  const off = idx.length - d.length;
  return v[
    ravel(
      d.map((n, k) => (n === 1 ? 0 : idx[k + off])),
      d,
    )
  ];
}
function binary(f: (a: number, b: number) => number) {
  return (v: Vals, d: Dims) => {
    const out = bshape(d[0], d[1]);
    return Array.from({ length: size(out) }, (_, i) => {
      const idx = unravel(i, out);
      return f(at(v[0], d[0], idx), at(v[1], d[1], idx));
    });
  };
}
const unaryRef = (f: (x: number) => number) => (v: Vals) => Array.from(v[0], f);
const sig = (x: number) => 1 / (1 + Math.exp(-x));

function convRef(x: Float32Array, xd: number[], w: Float32Array, wd: number[], s: number[], p: number[], dil: number[], b?: Float32Array): number[] {
  const [n, ci, h, wi] = xd;
  const [co, , kh, kw] = wd;
  const oh = Math.floor((h + p[0] + p[2] - dil[0] * (kh - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((wi + p[1] + p[3] - dil[1] * (kw - 1) - 1) / s[1]) + 1;
  const out: number[] = [];
  for (let a = 0; a < n; a++)
    for (let o = 0; o < co; o++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let acc = b ? b[o] : 0;
          for (let c = 0; c < ci; c++)
            for (let u = 0; u < kh; u++)
              for (let t = 0; t < kw; t++) {
                const iy = y * s[0] + u * dil[0] - p[0];
                const ix = z * s[1] + t * dil[1] - p[1];
                if (iy >= 0 && iy < h && ix >= 0 && ix < wi) acc += x[ravel([a, c, iy, ix], xd)] * w[ravel([o, c, u, t], wd)];
              }
          out.push(acc);
        }
  return out;
}

function convTransposeRef(x: Float32Array, xd: number[], w: Float32Array, wd: number[], s: number[], p: number[], opad: number[], b?: Float32Array): number[] {
  const [n, ci, h, wi] = xd;
  const [, co, kh, kw] = wd;
  const oh = s[0] * (h - 1) + opad[0] + kh - p[0] - p[2];
  const ow = s[1] * (wi - 1) + opad[1] + kw - p[1] - p[3];
  const od = [n, co, oh, ow];
  const out = new Array<number>(size(od)).fill(0);
  for (let a = 0; a < n; a++) for (let o = 0; o < co; o++) for (let i = 0; i < oh * ow; i++) out[ravel([a, o, 0, 0], od) + i] = b ? b[o] : 0;
  for (let a = 0; a < n; a++)
    for (let c = 0; c < ci; c++)
      for (let y = 0; y < h; y++)
        for (let z = 0; z < wi; z++)
          for (let o = 0; o < co; o++)
            for (let u = 0; u < kh; u++)
              for (let t = 0; t < kw; t++) {
                const oy = y * s[0] + u - p[0];
                const ox = z * s[1] + t - p[1];
                if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) out[ravel([a, o, oy, ox], od)] += x[ravel([a, c, y, z], xd)] * w[ravel([c, o, u, t], wd)];
              }
  return out;
}

/** out[cb,ca,u,v] = Σ b[n,cb,i,j] · a[n,ca, i·s+u−p, j·s+v−p] for a 3×3 kernel (inputs a, b). */
function kernelGradRef(v: Vals, d: Dims, s: number, p: number): number[] {
  const [n, ca, ha, wa] = d[0];
  const [, cb, hb, wb] = d[1];
  return Array.from({ length: cb * ca * 9 }, (_, o) => {
    const [q, c, u, t] = unravel(o, [cb, ca, 3, 3]);
    let acc = 0;
    for (let m = 0; m < n; m++)
      for (let i = 0; i < hb; i++)
        for (let j = 0; j < wb; j++) {
          const y = i * s + u - p;
          const x = j * s + t - p;
          if (y >= 0 && y < ha && x >= 0 && x < wa) acc += v[1][ravel([m, q, i, j], d[1])] * v[0][ravel([m, c, y, x], d[0])];
        }
    return acc;
  });
}

/**
 * A row for the 3×3 kernel gradient of a (N, Ca, H, W) input `a` and a (N, Cb, H', W') output
 * gradient `b` at stride `s` and symmetric padding `p`: a (Cb, Ca, 3, 3) kernel. Values only:
 * kernelGrad is itself a gradient and declares no gradient of its own.
 */
function kernelGradRow(what: string, a: [number, number, number], b: [number, number, number], s: number, p: number): Row {
  return {
    name: `kernelGrad (${what})`,
    inputs: [{ shape: ['N', ...a] }, { shape: ['N', ...b] }],
    build: ([x, g]) => op.apply('kernelGrad', [x, g], { strides: [s, s], pads: [p, p, p, p], kernel: [3, 3] }),
    shape: [b[0], a[0], 3, 3],
    reference: (v, d) => kernelGradRef(v, d, s, p),
    grad: false,
  };
}

/** Nearest-neighbour ×2 upsampling of NCHW values. */
function upsampleRef(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  return Float32Array.from({ length: n * c * h * w * 4 }, (_, i) => {
    const [a, ch, y, z] = unravel(i, [n, c, 2 * h, 2 * w]);
    return x[ravel([a, ch, y >> 1, z >> 1], [n, c, h, w])];
  });
}

/**
 * conv(upsample(x, 2), w) with 'same' padding, which `op.conv` traces as a stride-2 transposed
 * conv of x: values against the conv of the upsampled image, gradients against finite
 * differences. x is [c, h, w] per image; `co` filters with bias.
 */
function upsampledConvRow(name: string, [c, h, w]: [number, number, number], co: number): Row {
  return {
    name,
    inputs: [{ shape: ['N', c, h, w] }, { shape: [co, c, 3, 3] }, { shape: [co] }],
    build: ([x, k, b]) => {
      const y = op.conv(op.upsample(x, 2), k, { pads: [1, 1, 1, 1] }, b);
      assert.equal(y.op, 'convTranspose', 'conv of an upsampling is traced as a transposed conv');
      return y;
    },
    shape: ['N', co, 2 * h, 2 * w],
    reference: (v, d) => {
      const [n] = d[0];
      return convRef(upsampleRef(v[0], d[0]), [n, c, 2 * h, 2 * w], v[1], d[1], [1, 1], [1, 1, 1, 1], [1, 1], v[2]);
    },
  };
}

function poolRef(x: Float32Array, xd: number[], k: number[], s: number[], average = false): number[] {
  const [n, c, h, w] = xd;
  const oh = Math.floor((h - k[0]) / s[0]) + 1;
  const ow = Math.floor((w - k[1]) / s[1]) + 1;
  const out: number[] = [];
  for (let a = 0; a < n; a++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let m = -Infinity;
          let sum = 0;
          for (let u = 0; u < k[0]; u++)
            for (let t = 0; t < k[1]; t++) {
              const v = x[ravel([a, ch, y * s[0] + u, z * s[1] + t], xd)];
              m = Math.max(m, v);
              sum += v;
            }
          out.push(average ? sum / (k[0] * k[1]) : m);
        }
  return out;
}

function reduceRef(v: Float32Array, d: number[], axes: number[], mean: boolean): number[] {
  const outD = d.map((n, i) => (axes.includes(i) ? 1 : n));
  const out = new Array<number>(size(outD)).fill(0);
  for (let i = 0; i < v.length; i++) {
    const idx = unravel(i, d).map((x, k) => (axes.includes(k) ? 0 : x));
    out[ravel(idx, outD)] += v[i];
  }
  const cnt = size(axes.map((a) => d[a]));
  return mean ? out.map((x) => x / cnt) : out;
}

function transposeRef(v: Float32Array, d: number[], perm: number[]): number[] {
  const od = perm.map((p) => d[p]);
  return Array.from({ length: v.length }, (_, i) => {
    const oi = unravel(i, od);
    const src = new Array<number>(d.length);
    perm.forEach((p, k) => (src[p] = oi[k]));
    return v[ravel(src, d)];
  });
}

// ---- the table ----------------------------------------------------------------------------------

const rows: Row[] = [
  { name: 'add (broadcast)', inputs: [{ shape: ['N', 4] }, { shape: [4] }], build: ([a, b]) => op.add(a, b), shape: ['N', 4], reference: binary((a, b) => a + b) },
  { name: 'sub (broadcast)', inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], build: ([a, b]) => op.sub(a, b), shape: [2, 3], reference: binary((a, b) => a - b) },
  { name: 'mul (broadcast)', inputs: [{ shape: [1, 3] }, { shape: [2, 1] }], build: ([a, b]) => op.mul(a, b), shape: [2, 3], reference: binary((a, b) => a * b) },
  { name: 'div', inputs: [{ shape: [2, 3] }, { shape: [2, 3], gen: 'positive' }], build: ([a, b]) => op.div(a, b), shape: [2, 3], reference: binary((a, b) => a / b) },
  { name: 'pow', inputs: [{ shape: [5], gen: 'positive' }, { shape: [5] }], build: ([a, b]) => op.pow(a, b), shape: [5], reference: binary((a, b) => a ** b) },
  { name: 'neg', inputs: [{ shape: [4] }], build: ([x]) => op.neg(x), shape: [4], reference: unaryRef((x) => -x) },
  { name: 'exp', inputs: [{ shape: [2, 3] }], build: ([x]) => op.exp(x), shape: [2, 3], reference: unaryRef(Math.exp) },
  { name: 'log', inputs: [{ shape: [5], gen: 'positive' }], build: ([x]) => op.log(x), shape: [5], reference: unaryRef(Math.log) },
  { name: 'sqrt', inputs: [{ shape: [5], gen: 'positive' }], build: ([x]) => op.sqrt(x), shape: [5], reference: unaryRef(Math.sqrt) },
  { name: 'relu', inputs: [{ shape: [2, 5], gen: 'kinkless' }], build: ([x]) => op.relu(x), shape: [2, 5], reference: unaryRef((x) => Math.max(x, 0)) },
  { name: 'sigmoid', inputs: [{ shape: [6] }], build: ([x]) => op.sigmoid(x), shape: [6], reference: unaryRef(sig) },
  { name: 'tanh', inputs: [{ shape: [6] }], build: ([x]) => op.tanh(x), shape: [6], reference: unaryRef(Math.tanh) },
  { name: 'leakyRelu', inputs: [{ shape: [8], gen: 'kinkless' }], build: ([x]) => op.leakyRelu(x, 0.2), shape: [8], reference: unaryRef((x) => (x > 0 ? x : 0.2 * x)) },
  {
    name: 'greater (broadcast)',
    inputs: [
      { shape: [2, 4], gen: 'kinkless' },
      { shape: [4], gen: 'kinkless' },
    ],
    build: ([a, b]) => op.greater(a, b),
    shape: [2, 4],
    reference: binary((a, b) => (a > b ? 1 : 0)),
    grad: false,
  },
  { name: 'positive', inputs: [{ shape: [2, 4], gen: 'kinkless' }], build: ([x]) => op.positive(x), shape: [2, 4], reference: unaryRef((x) => (x > 0 ? 1 : 0)), grad: false },
  {
    name: 'where (mask from greater, broadcast)',
    inputs: [{ shape: [2, 4], gen: 'kinkless' }, { shape: [2, 4] }, { shape: [4] }],
    build: ([c, a, b]) => op.where(op.greater(c, 0), a, b),
    shape: [2, 4],
    reference: (v) => Array.from({ length: 8 }, (_, i) => (v[0][i] > 0 ? v[1][i] : v[2][i % 4])),
  },
  {
    name: 'reduceMax (keepdims)',
    inputs: [{ shape: [3, 'N', 2], gen: 'distinct' }],
    build: ([x]) => op.reduceMax(x, [0], true),
    shape: [1, 'N', 2],
    reference: (v, d) => Array.from({ length: d[0][1] * 2 }, (_, i) => Math.max(v[0][i], v[0][i + d[0][1] * 2], v[0][i + 2 * d[0][1] * 2])),
  },
  {
    name: 'reshape folding samples into the batch and back',
    inputs: [{ shape: [3, 'N', 2] }],
    build: ([x]) => op.reshape(op.mul(op.reshape(x, ['N', 2], 3), 2), [3, 'N', 2], 1 / 3),
    shape: [3, 'N', 2],
    reference: (v) => Array.from(v[0], (a) => 2 * a),
  },
  {
    name: 'clip',
    inputs: [{ shape: [10], gen: 'kinkless' }],
    build: ([x]) => op.clip(x, -0.55, 0.55),
    shape: [10],
    reference: unaryRef((x) => Math.min(Math.max(x, -0.55), 0.55)),
  },
  {
    name: 'matmul',
    inputs: [{ shape: ['N', 4] }, { shape: [4, 3] }],
    build: ([a, b]) => op.matmul(a, b),
    shape: ['N', 3],
    reference: (v, d) => {
      const [m, k] = d[0];
      const n = d[1][1];
      return Array.from({ length: m * n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < k; j++) s += v[0][Math.floor(i / n) * k + j] * v[1][j * n + (i % n)];
        return s;
      });
    },
  },
  { name: 'transpose', inputs: [{ shape: [2, 3, 4] }], build: ([x]) => op.transpose(x, [2, 0, 1]), shape: [4, 2, 3], reference: (v, d) => transposeRef(v[0], d[0], [2, 0, 1]) },
  { name: 'reshape (batch kept)', inputs: [{ shape: ['N', 2, 3] }], build: ([x]) => op.reshape(x, ['N', 6]), shape: ['N', 6], reference: (v) => v[0] },
  {
    name: 'expand',
    inputs: [{ shape: [2, 1, 3] }],
    build: ([x]) => op.expand(x, [2, 4, 3]),
    shape: [2, 4, 3],
    reference: (v, d) => binary((a) => a)([v[0], new Float32Array(24)], [d[0], [2, 4, 3]]),
  },
  {
    name: 'expand to the batch of another tensor',
    inputs: [{ shape: [1, 3] }, { shape: ['N', 3] }],
    build: ([x, like]) => op.expandAs(x, like),
    shape: ['N', 3],
    reference: (v) => Array.from({ length: BATCH }, () => [...v[0]]).flat(),
  },
  {
    name: 'reduceSum (keepdims)',
    inputs: [{ shape: [2, 3, 4] }],
    build: ([x]) => op.reduceSum(x, [0, 2], true),
    shape: [1, 3, 1],
    reference: (v, d) => reduceRef(v[0], d[0], [0, 2], false),
  },
  { name: 'reduceSum', inputs: [{ shape: ['N', 5] }], build: ([x]) => op.reduceSum(x, [1]), shape: ['N'], reference: (v, d) => reduceRef(v[0], d[0], [1], false) },
  { name: 'reduceMean over the batch', inputs: [{ shape: ['N', 4] }], build: ([x]) => op.reduceMean(x, [0]), shape: [4], reference: (v, d) => reduceRef(v[0], d[0], [0], true) },
  { name: 'sizeOf (batch)', inputs: [{ shape: ['N', 4, 5] }], build: ([x]) => op.sizeOf(x, [0, 2]), shape: [], reference: () => [BATCH * 5], grad: false },
  {
    name: 'conv stride 1 same, bias',
    inputs: [{ shape: ['N', 2, 5, 5] }, { shape: [3, 2, 3, 3] }, { shape: [3] }],
    build: ([x, w, b]) => op.conv(x, w, { pads: [1, 1, 1, 1] }, b),
    shape: ['N', 3, 5, 5],
    reference: (v, d) => convRef(v[0], d[0], v[1], d[1], [1, 1], [1, 1, 1, 1], [1, 1], v[2]),
  },
  {
    name: 'conv with one output channel (channels contracted first, shifted taps summed), bias',
    inputs: [{ shape: ['N', 3, 4, 5] }, { shape: [1, 3, 3, 3] }, { shape: [1] }],
    build: ([x, w, b]) => op.conv(x, w, { pads: [1, 1, 1, 1] }, b),
    shape: ['N', 1, 4, 5],
    reference: (v, d) => convRef(v[0], d[0], v[1], d[1], [1, 1], [1, 1, 1, 1], [1, 1], v[2]),
  },
  {
    name: 'conv with one output channel, valid, asymmetric pads, no bias',
    inputs: [{ shape: ['N', 2, 5, 4] }, { shape: [1, 2, 3, 2] }],
    build: ([x, w]) => op.conv(x, w, { pads: [0, 1, 1, 0] }),
    shape: ['N', 1, 4, 4],
    reference: (v, d) => convRef(v[0], d[0], v[1], d[1], [1, 1], [0, 1, 1, 0], [1, 1]),
  },
  {
    name: 'conv stride 2, TF same (extra pad at the end)',
    inputs: [{ shape: [2, 2, 6, 6] }, { shape: [2, 2, 3, 3] }],
    build: ([x, w]) => op.conv(x, w, { strides: [2, 2], pads: [0, 0, 1, 1] }),
    shape: [2, 2, 3, 3],
    reference: (v, d) => convRef(v[0], d[0], v[1], d[1], [2, 2], [0, 0, 1, 1], [1, 1]),
  },
  {
    name: 'conv stride 2 valid, odd size (unread rows)',
    inputs: [{ shape: [2, 1, 6, 7] }, { shape: [2, 1, 3, 3] }],
    build: ([x, w]) => op.conv(x, w, { strides: [2, 2] }),
    shape: [2, 2, 2, 3],
    reference: (v, d) => convRef(v[0], d[0], v[1], d[1], [2, 2], [0, 0, 0, 0], [1, 1]),
  },
  {
    name: 'convTranspose stride 2 same, bias',
    inputs: [{ shape: ['N', 2, 3, 3] }, { shape: [2, 3, 3, 3] }, { shape: [3] }],
    build: ([x, w, b]) => op.convTranspose(x, w, { strides: [2, 2], pads: [0, 0, 1, 1] }, b),
    shape: ['N', 3, 6, 6],
    reference: (v, d) => convTransposeRef(v[0], d[0], v[1], d[1], [2, 2], [0, 0, 1, 1], [0, 0], v[2]),
  },
  {
    name: 'convTranspose stride 2 with output padding',
    inputs: [{ shape: [2, 2, 3, 3] }, { shape: [2, 1, 3, 3] }],
    build: ([x, w]) => op.convTranspose(x, w, { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] }),
    shape: [2, 1, 6, 6],
    reference: (v, d) => convTransposeRef(v[0], d[0], v[1], d[1], [2, 2], [1, 1, 1, 1], [1, 1]),
  },
  {
    name: 'conv with 16 channels in and out (whole NCHWc blocks), bias',
    inputs: [{ shape: ['N', 16, 4, 4] }, { shape: [16, 16, 3, 3] }, { shape: [16] }],
    build: ([x, w, b]) => op.conv(x, w, { pads: [1, 1, 1, 1] }, b),
    shape: ['N', 16, 4, 4],
    reference: (v, d) => convRef(v[0], d[0], v[1], d[1], [1, 1], [1, 1, 1, 1], [1, 1], v[2]),
  },
  {
    name: 'convTranspose stride 2 same, 16 channels in, 5 out, bias',
    inputs: [{ shape: ['N', 16, 3, 2] }, { shape: [16, 5, 3, 3] }, { shape: [5] }],
    build: ([x, w, b]) => op.convTranspose(x, w, { strides: [2, 2], pads: [0, 0, 1, 1] }, b),
    shape: ['N', 5, 6, 4],
    reference: (v, d) => convTransposeRef(v[0], d[0], v[1], d[1], [2, 2], [0, 0, 1, 1], [0, 0], v[2]),
  },
  {
    name: "convTranspose stride 2 same, 16 channels in, 1 out, bias: the phases as one conv's channels",
    inputs: [{ shape: ['N', 16, 3, 2] }, { shape: [16, 1, 3, 3] }, { shape: [1] }],
    build: ([x, w, b]) => op.convTranspose(x, w, { strides: [2, 2], pads: [0, 0, 1, 1] }, b),
    shape: ['N', 1, 6, 4],
    reference: (v, d) => convTransposeRef(v[0], d[0], v[1], d[1], [2, 2], [0, 0, 1, 1], [0, 0], v[2]),
  },
  {
    name: "convTranspose stride 2, 4×4 kernel, 16 channels in, 4 out: the phases as one conv's channels",
    inputs: [{ shape: ['N', 16, 3, 3] }, { shape: [16, 4, 4, 4] }],
    build: ([x, w]) => op.convTranspose(x, w, { strides: [2, 2], pads: [1, 1, 1, 1] }),
    shape: ['N', 4, 6, 6],
    reference: (v, d) => convTransposeRef(v[0], d[0], v[1], d[1], [2, 2], [1, 1, 1, 1], [0, 0]),
  },
  kernelGradRow('stride 2, padded', [3, 5, 5], [2, 3, 3], 2, 1),
  kernelGradRow('stride 2, 8 channels', [8, 6, 5], [3, 3, 3], 2, 1),
  kernelGradRow('stride 1, one input channel: NCHW patches', [1, 4, 5], [3, 4, 5], 1, 1),
  kernelGradRow('stride 1, one output channel: NCHW patches of the gradient', [2, 4, 5], [1, 4, 5], 1, 1),
  kernelGradRow('stride 1, valid', [2, 5, 5], [3, 3, 3], 1, 0),
  kernelGradRow('stride 1, fewer output channels: the other im2col', [3, 4, 5], [2, 4, 5], 1, 1),
  {
    name: 'maxPool 2×2',
    inputs: [{ shape: ['N', 2, 4, 6], gen: 'distinct' }],
    build: ([x]) => op.maxPool(x, [2, 2], [2, 2]),
    shape: ['N', 2, 2, 3],
    reference: (v, d) => poolRef(v[0], d[0], [2, 2], [2, 2]),
  },
  upsampledConvRow('conv 3×3 same of a ×2 upsampling: one stride-2 transposed conv, bias', [2, 3, 2], 3),
  upsampledConvRow('conv 3×3 same of a ×2 upsampling, 16 channels in (NCHWc), 1 out', [16, 2, 3], 1),
  {
    name: 'upsample ×2 (nearest)',
    inputs: [{ shape: ['N', 2, 2, 3] }],
    build: ([x]) => op.upsample(x, 2),
    shape: ['N', 2, 4, 6],
    reference: (v, d) => {
      const [n, c, h, w] = d[0];
      return Array.from({ length: n * c * h * w * 4 }, (_, i) => {
        const [a, ch, y, z] = unravel(i, [n, c, 2 * h, 2 * w]);
        return v[0][ravel([a, ch, y >> 1, z >> 1], d[0])];
      });
    },
  },
  {
    name: 'avgPool 2×2',
    inputs: [{ shape: ['N', 2, 4, 6] }],
    build: ([x]) => op.avgPool(x, [2, 2], [2, 2]),
    shape: ['N', 2, 2, 3],
    reference: (v, d) => poolRef(v[0], d[0], [2, 2], [2, 2], true),
  },
  {
    name: 'maxPool 3×3 stride 2 (overlapping windows)',
    inputs: [{ shape: [1, 2, 5, 5], gen: 'distinct' }],
    build: ([x]) => op.maxPool(x, [3, 3], [2, 2]),
    shape: [1, 2, 2, 2],
    reference: (v, d) => poolRef(v[0], d[0], [3, 3], [2, 2]),
  },
  { name: 'flip', inputs: [{ shape: [2, 3] }], build: ([x]) => op.flip(x, [1]), shape: [2, 3], reference: (v) => [v[0][2], v[0][1], v[0][0], v[0][5], v[0][4], v[0][3]] },
  {
    name: 'slice',
    inputs: [{ shape: [3, 5] }],
    build: ([x]) => op.slice(x, [1], [1], [4]),
    shape: [3, 3],
    reference: (v) => [0, 1, 2].flatMap((r) => [1, 2, 3].map((c) => v[0][r * 5 + c])),
  },
  {
    name: 'pad',
    inputs: [{ shape: [2, 2] }],
    build: ([x]) => op.pad(x, [0, 1, 1, 0]),
    shape: [3, 3],
    reference: (v) => [0, v[0][0], v[0][1], 0, v[0][2], v[0][3], 0, 0, 0],
  },
  {
    name: 'concat',
    inputs: [{ shape: ['N', 2] }, { shape: ['N', 3] }],
    build: (xs) => op.concat(xs, 1),
    shape: ['N', 5],
    reference: (v) => Array.from({ length: BATCH }, (_, r) => [...v[0].slice(r * 2, r * 2 + 2), ...v[1].slice(r * 3, r * 3 + 3)]).flat(),
  },
];

// ---- the runner -----------------------------------------------------------------------------------

function generate(rng: Rng, n: number, gen: Gen): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform() * 2 - 1;
    if (gen === 'positive') out[i] = 0.5 + rng.uniform() * 1.5;
    else if (gen === 'kinkless') {
      // |x| in [0.1, 0.5] ∪ [0.6, 1.0]: at least 0.05 from 0 and from the clip bounds ±0.55.
      const m = 0.1 + 0.8 * Math.abs(u);
      out[i] = Math.sign(u || 1) * (m < 0.5 ? m : m + 0.1 > 0.6 ? Math.min(m + 0.1, 1) : 0.6);
    } else out[i] = u;
  }
  if (gen === 'distinct') {
    // A shuffled ramp: neighbours in a pooling window differ by ≥ 0.05 > h.
    const ramp = Array.from({ length: n }, (_, i) => -1 + (2 * i) / n);
    rng.shuffle(ramp);
    out.set(ramp);
  }
  return out;
}

const H = 1e-2;
const tol = (numeric: number) => 1e-2 + 1e-2 * Math.abs(numeric);

// The CPU's NCHWc block where ONNX Runtime has its blocked kernels: the rows with convolutions
// run a second time lowered onto them (the step graphs' lowering on such a machine).
const nchwcBlock = await nodeRuntime.nchwcBlock!();
const convolves = (t: Tensor): boolean => t.op === 'conv' || t.op === 'convTranspose' || t.inputs.some(convolves);

for (const row of rows) {
  test(`op ${row.name}`, () => check(row));
  const xs = row.inputs.map((s, i) => input(`in${i}`, s.shape));
  if (convolves(row.build(xs)))
    test(`op ${row.name}, on ORT's NCHWc kernels`, { skip: nchwcBlock === undefined && 'this ONNX Runtime has no NCHWc kernels here' }, () => check(row, nchwcBlock));
}

async function check(row: Row, nchwcBlock?: number): Promise<void> {
  {
    const rng = new Rng(row.name.length * 7919);
    const xs = row.inputs.map((s, i) => input(`in${i}`, s.shape));
    const y = row.build(xs);
    assert.deepEqual([...y.shape], [...row.shape], 'output shape');

    const dims = row.inputs.map((s) => concrete(s.shape, BATCH));
    const vals = row.inputs.map((s, i) => generate(rng, size(dims[i]), s.gen ?? 'any'));
    const yDims = concrete(y.shape, BATCH);
    const r = input('r', y.shape);
    const allAxes = y.shape.map((_, i) => i);
    const loss = y.rank === 0 ? op.mul(y, r) : op.reduceSum(op.mul(y, r), allAxes);
    const wantGrad = row.grad !== false;
    const gs = wantGrad ? grad(loss, xs) : [];
    const session = await compile(
      toOnnx({
        inputs: [...xs, r],
        outputs: [{ name: 'y', tensor: y }, { name: 'loss', tensor: loss }, ...gs.map((g, i) => ({ name: `g${i}`, tensor: g ?? op.mul(xs[i], 0) }))],
        nchwcBlock,
      }),
      { threads: 1 },
    );
    const rVals = generate(rng, size(yDims), 'any');
    const feeds = (v: Vals): Record<string, Feed> => ({
      ...Object.fromEntries(v.map((data, i) => [`in${i}`, { data, dims: dims[i] }])),
      r: { data: rVals, dims: yDims },
    });
    const out = await session.run(feeds(vals));

    const expected = Array.from(row.reference(vals, dims));
    assert.equal(out.y.length, expected.length, 'number of output values');
    expected.forEach((e, i) => assert.ok(Math.abs(out.y[i] - e) <= 1e-5 + 1e-5 * Math.abs(e), `value ${i}: got ${out.y[i]}, expected ${e}`));

    if (!wantGrad) return;
    for (let i = 0; i < xs.length; i++) {
      const g = out[`g${i}`];
      assert.equal(g.length, vals[i].length, `gradient ${i} size`);
      // Every coordinate of small inputs, a sample of larger ones.
      const coords = vals[i].length <= 24 ? [...vals[i].keys()] : Array.from({ length: 24 }, () => rng.int(vals[i].length));
      for (const c of coords) {
        const plus = vals.map((v) => v.slice());
        const minus = vals.map((v) => v.slice());
        plus[i][c] += H;
        minus[i][c] -= H;
        const numeric = ((await session.run(feeds(plus))).loss[0] - (await session.run(feeds(minus))).loss[0]) / (2 * H);
        assert.ok(Math.abs(g[c] - numeric) <= tol(numeric), `d/d in${i}[${c}]: analytic ${g[c]}, numeric ${numeric}`);
      }
    }
    await session.release();
  }
}

test('every op in the table has a row', () => {
  const covered = new Set<string>();
  for (const row of rows) {
    const xs = row.inputs.map((s, i) => input(`in${i}`, s.shape));
    const walk = (t: Tensor) => {
      covered.add(t.op);
      t.inputs.forEach(walk);
    };
    walk(row.build(xs));
  }
  covered.add('maxPoolGrad'); // exercised by maxPool's gradient
  const missing = Object.keys(op.OPS).filter((k) => !covered.has(k));
  assert.deepEqual(missing, [], `ops without a test row: ${missing.join(', ')}`);
});

test('positive is 1 for every float above 0 down to the smallest normal, ±∞ included, and 0 at and below 0', async () => {
  const x = input('x', [10]);
  const s = await compile(toOnnx({ inputs: [x], outputs: [{ name: 'y', tensor: op.positive(x) }] }));
  const data = Float32Array.of(0, -0, 1.1754944e-38, 3.4028235e38, Infinity, -Infinity, -1.1754944e-38, 1, -1, 0.5);
  const { y } = await s.run({ x: { data, dims: [10] } });
  assert.deepEqual([...y], [0, 0, 1, 1, 1, 0, 0, 1, 0, 1]);
  await s.release();
});

test('maxPool gradient goes to the first maximum of a tied window, and skips uncovered rows', async () => {
  const x = input('x', [1, 1, 3, 5]);
  const loss = op.reduceSum(op.maxPool(x, [2, 2], [2, 2]), [0, 1, 2, 3]);
  const [g] = grad(loss, [x]);
  const s = await compile(toOnnx({ inputs: [x], outputs: [{ name: 'g', tensor: g! }] }));
  // Row 0: a flat window (all 1), then a window whose max (7) appears twice. Column 4 and row 2 are in no window.
  const data = Float32Array.from([1, 1, 3, 7, 9, /**/ 1, 1, 7, 2, 9, /**/ 9, 9, 9, 9, 9]);
  const { g: out } = await s.run({ x: { data, dims: [1, 1, 3, 5] } });
  assert.deepEqual([...out], [1, 0, 0, 1, 0, /**/ 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0]);
  await s.release();
});

test('a backward pass writes no broadcast copies: an expand beside a full-shape operand is skipped, x·x gives 2·(dy·x)', async () => {
  const [a, b, c] = [input('a', ['N', 1]), input('b', ['N', 4]), input('c', [1, 4])];
  assert.deepEqual(op.mul(op.expandAs(a, b), b).inputs, [a, b]);
  const [e, f] = [op.expand(c, [3, 4]), input('f', [3, 4])];
  assert.deepEqual(op.sub(f, e).inputs, [f, c]);
  assert.deepEqual(op.sub(e, c).inputs, [e, c]); // c is not of the full shape: the expand stays
  const both = op.add(op.expandAs(a, b), op.expandAs(a, b));
  assert.deepEqual(both.shape, ['N', 4]); // one of two expands skipped at most: the shape stays
  // d/dx Σ mean_N(x²): no Add of two products, no Expand to x's shape, the values 2x/N.
  const x = input('x', ['N', 4]);
  const [g] = grad(op.reduceMean(op.reduceSum(op.square(x), [1]), [0]), [x]);
  const ts = topoSort([g!]);
  assert.ok(!ts.some((t) => t.op === 'add' || (t.op === 'expand' && t.rank === 2)), ts.map((t) => `${t.op} [${t.shape.join(',')}]`).join(' '));
  const s = await compile(toOnnx({ inputs: [x], outputs: [{ name: 'g', tensor: g! }] }));
  const data = Float32Array.from({ length: 8 }, (_, i) => i - 3.5);
  const { g: out } = await s.run({ x: { data, dims: [2, 4] } });
  assert.deepEqual([...out], [...data]); // 2x/N with N = 2
  await s.release();
});

test('shape errors name the op and the shapes', () => {
  assert.throws(() => op.matmul(input('a', [2, 3]), input('b', [4, 5])), /matmul: expected \[m,k\]·\[k,n\], got \[2,3\]·\[4,5\]/);
  assert.throws(() => op.add(input('a', [2, 3]), input('b', [4])), /add: shapes \[2,3\] and \[4\] do not broadcast/);
  assert.throws(() => op.conv(input('x', [28, 28]), input('w', [1, 1, 3, 3])), /conv: expected 4-D input \(N, C, H, W\), got shape \[28,28\]/);
});
