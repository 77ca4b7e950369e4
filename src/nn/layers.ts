/**
 * Layers with Keras semantics and defaults. Shapes a user sees are Keras shapes (NHWC, batch
 * first); inside the graph 4-D activations are NCHW, the layout ONNX's Conv wants, and the
 * layers convert at Flatten/Reshape so that flattening order matches Keras exactly.
 * Kernels are stored in the layout the graph uses and converted to Keras layout on the way in
 * and out (`toKeras`/`fromKeras`), so weights can be exchanged with Keras.
 */
import * as op from '../graph/ops.js';
import { param, type Tensor } from '../graph/tensor.js';
import type { Rng } from '../rng.js';

/** Keras shape of one example (no batch), e.g. [28, 28, 1] or [784]. */
export type KerasShape = readonly number[];

/** An activation name as Keras spells it. */
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'leaky_relu';

/** A trainable weight of a layer. */
export interface Weight {
  /** Unique name, e.g. `encoder/conv2d_1/kernel`. */
  readonly name: string;
  /** The symbolic leaf used when tracing. */
  readonly tensor: Tensor;
  /** Keras layout of this weight. */
  readonly kerasShape: readonly number[];
  /** Keras-layout values → graph-layout values. */
  fromKeras(data: Float32Array): Float32Array;
  /** Graph-layout values → Keras-layout values. */
  toKeras(data: Float32Array): Float32Array;
  /** Initial values in Keras layout (glorot-uniform kernels, zero biases). */
  init(rng: Rng): Float32Array;
}

/** A layer: knows its output shape, owns its weights, and traces its computation. */
export abstract class Layer {
  weights: Weight[] = [];
  /** Keras shape of the output, set by `build`. */
  outputShape: KerasShape = [];
  constructor(public name: string) {}
  /** Creates the weights for an input of Keras shape `inShape` (no batch); returns the output shape. */
  abstract build(inShape: KerasShape, prefix: string): KerasShape;
  /** Traces the layer: x is [N, F] for 1-D shapes, [N, C, H, W] for 3-D Keras shapes. */
  abstract call(x: Tensor): Tensor;
  /** The layer's configuration, from which {@link layerFromSpec} rebuilds it (run manifests). */
  abstract toJSON(): LayerSpec;
}

/** A layer's configuration as plain JSON, e.g. `{ type: 'Dense', units: 100, activation: 'relu' }`. */
export type LayerSpec =
  | { type: 'Dense'; units: number; activation: Activation; useBias: boolean; name: string }
  | { type: 'Conv2D' | 'Conv2DTranspose'; filters: number; kernelSize: number; strides: number; padding: 'same' | 'valid'; activation: Activation; name: string }
  | { type: 'MaxPooling2D'; pool: number; strides: number; name: string }
  | { type: 'UpSampling2D'; factor: number; name: string }
  | { type: 'Flatten'; name: string }
  | { type: 'Reshape'; target: number[]; name: string };

/** Rebuilds a layer from its {@link LayerSpec}; a one-line RangeError for anything else. */
export function layerFromSpec(spec: LayerSpec): Layer {
  switch (spec?.type) {
    case 'Dense':
      return new Dense(spec.units, { activation: spec.activation, useBias: spec.useBias, name: spec.name });
    case 'Conv2D':
      return new Conv2D(spec.filters, spec.kernelSize, { strides: spec.strides, padding: spec.padding, activation: spec.activation, name: spec.name });
    case 'Conv2DTranspose':
      return new Conv2DTranspose(spec.filters, spec.kernelSize, { strides: spec.strides, padding: spec.padding, activation: spec.activation, name: spec.name });
    case 'MaxPooling2D':
      return new MaxPooling2D(spec.pool, { strides: spec.strides, name: spec.name });
    case 'UpSampling2D':
      return new UpSampling2D(spec.factor, { name: spec.name });
    case 'Flatten':
      return new Flatten({ name: spec.name });
    case 'Reshape':
      return new Reshape(spec.target, { name: spec.name });
    default:
      throw new RangeError(
        `layer: expected a type of Dense, Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D, Flatten, Reshape, got ${JSON.stringify((spec as { type?: unknown })?.type)}`,
      );
  }
}

function activate(x: Tensor, a: Activation): Tensor {
  switch (a) {
    case 'linear':
      return x;
    case 'relu':
      return op.relu(x);
    case 'sigmoid':
      return op.sigmoid(x);
    case 'tanh':
      return op.tanh(x);
    case 'leaky_relu':
      return op.leakyRelu(x, 0.2); // Keras 3's LeakyReLU default negative slope
  }
}

const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'leaky_relu'];
function checkActivation(a: string, layer: string): Activation {
  if (!ACTIVATIONS.includes(a as Activation)) throw new RangeError(`${layer}: activation must be one of ${ACTIVATIONS.join(', ')}, got '${a}'`);
  return a as Activation;
}

function glorot(rng: Rng, shape: readonly number[], fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
  return out;
}

/** Permutes a row-major array of `shape` by `perm` (like numpy.transpose). */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]);
  const inStrides = strides(shape);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let k = 0; k < perm.length; k++) src += idx[k] * inStrides[perm[k]];
    out[o] = data[src];
    for (let k = perm.length - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

const identity = (d: Float32Array) => d;

function bias(name: string, n: number): Weight {
  return { name, tensor: param(name, [n]), kerasShape: [n], fromKeras: identity, toKeras: identity, init: () => new Float32Array(n) };
}

/** TensorFlow's `same` padding: output ceil(size/stride), the odd extra pixel at the end. */
export function samePads(size: number, k: number, s: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function expectRank(layer: string, shape: KerasShape, rank: number, what: string): void {
  if (shape.length !== rank) throw new RangeError(`${layer}: expected ${what} input, got shape [${shape.join(',')}]`);
}

/** Fully connected layer: y = act(x·W + b), kernel [in, out] as in Keras. */
export class Dense extends Layer {
  private kernel!: Weight;
  private bias?: Weight;
  readonly activation: Activation;
  constructor(
    public units: number,
    opts: { activation?: Activation; useBias?: boolean; name?: string } = {},
  ) {
    super(opts.name ?? 'dense');
    if (!Number.isInteger(units) || units < 1) throw new RangeError(`Dense: units must be a positive integer, got ${units}`);
    this.activation = checkActivation(opts.activation ?? 'linear', 'Dense');
    this.useBias = opts.useBias ?? true;
  }
  private useBias: boolean;
  build(inShape: KerasShape, prefix: string): KerasShape {
    expectRank(`Dense '${this.name}'`, inShape, 1, '1-D (features)');
    const [fin] = inShape;
    const name = `${prefix}${this.name}/kernel`;
    this.kernel = {
      name,
      tensor: param(name, [fin, this.units]),
      kerasShape: [fin, this.units],
      fromKeras: identity,
      toKeras: identity,
      init: (rng) => glorot(rng, [fin, this.units], fin, this.units),
    };
    this.weights = [this.kernel];
    if (this.useBias) this.weights.push((this.bias = bias(`${prefix}${this.name}/bias`, this.units)));
    return (this.outputShape = [this.units]);
  }
  toJSON(): LayerSpec {
    return { type: 'Dense', units: this.units, activation: this.activation, useBias: this.useBias, name: this.name };
  }
  call(x: Tensor): Tensor {
    let y = op.matmul(x, this.kernel.tensor); // (N, out)
    if (this.bias) y = op.add(y, this.bias.tensor);
    return activate(y, this.activation);
  }
}

/** Options shared by the two convolution layers. */
export interface ConvLayerOptions {
  strides?: number;
  padding?: 'same' | 'valid';
  activation?: Activation;
  name?: string;
}

/**
 * What the two convolution layers share: Keras' constructor arguments and defaults (stride 1,
 * `valid` padding, linear activation), the kernel and bias weights, and the spec.
 */
abstract class ConvLayer extends Layer {
  protected kernel!: Weight;
  protected bias!: Weight;
  protected pads: number[] = [];
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly activation: Activation;
  constructor(
    readonly type: 'Conv2D' | 'Conv2DTranspose',
    public filters: number,
    readonly kernelSize: number,
    opts: ConvLayerOptions,
  ) {
    super(opts.name ?? (type === 'Conv2D' ? 'conv2d' : 'conv2d_transpose'));
    if (!Number.isInteger(filters) || filters < 1) throw new RangeError(`${type}: filters must be a positive integer, got ${filters}`);
    if (!Number.isInteger(kernelSize) || kernelSize < 1) throw new RangeError(`${type}: kernelSize must be a positive integer, got ${kernelSize}`);
    this.strides = opts.strides ?? 1;
    this.padding = opts.padding ?? 'valid';
    if (!Number.isInteger(this.strides) || this.strides < 1) throw new RangeError(`${type}: strides must be a positive integer, got ${String(opts.strides)}`);
    if (this.padding !== 'same' && this.padding !== 'valid') throw new RangeError(`${type}: padding must be 'same' or 'valid', got '${String(opts.padding)}'`);
    this.activation = checkActivation(opts.activation ?? 'linear', type);
  }
  /**
   * Creates kernel and bias. Keras' kernel is [k, k, a, b] ([.., in, out] for Conv2D,
   * [.., out, in] for Conv2DTranspose); the graph keeps [b, a, k, k], the ONNX layout of each.
   */
  protected makeWeights(prefix: string, a: number, b: number): void {
    const k = this.kernelSize;
    const name = `${prefix}${this.name}/kernel`;
    this.kernel = {
      name,
      tensor: param(name, [b, a, k, k]),
      kerasShape: [k, k, a, b],
      fromKeras: (d) => permute(d, [k, k, a, b], [3, 2, 0, 1]),
      toKeras: (d) => permute(d, [b, a, k, k], [2, 3, 1, 0]),
      init: (rng) => glorot(rng, [k, k, a, b], k * k * a, k * k * b),
    };
    this.bias = bias(`${prefix}${this.name}/bias`, this.filters);
    this.weights = [this.kernel, this.bias];
  }
  toJSON(): LayerSpec {
    return { type: this.type, filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, activation: this.activation, name: this.name };
  }
}

/** 2-D convolution, Keras kernel [kh, kw, in, out]; TensorFlow `same`/`valid` padding. */
export class Conv2D extends ConvLayer {
  constructor(filters: number, kernelSize: number, opts: ConvLayerOptions = {}) {
    super('Conv2D', filters, kernelSize, opts);
  }
  build(inShape: KerasShape, prefix: string): KerasShape {
    expectRank(`Conv2D '${this.name}'`, inShape, 3, '3-D (H, W, C)');
    const [h, w, cin] = inShape;
    const [k, s, co] = [this.kernelSize, this.strides, this.filters];
    this.makeWeights(prefix, cin, co);
    if (this.padding === 'same') {
      const [t, b] = samePads(h, k, s);
      const [l, r] = samePads(w, k, s);
      this.pads = [t, l, b, r];
      return (this.outputShape = [Math.ceil(h / s), Math.ceil(w / s), co]);
    }
    this.pads = [0, 0, 0, 0];
    const oh = Math.floor((h - k) / s) + 1;
    const ow = Math.floor((w - k) / s) + 1;
    if (oh < 1 || ow < 1) throw new RangeError(`Conv2D '${this.name}': input ${h}×${w} is smaller than kernel ${k}×${k}`);
    return (this.outputShape = [oh, ow, co]);
  }
  call(x: Tensor): Tensor {
    const y = op.conv(x, this.kernel.tensor, { strides: [this.strides, this.strides], pads: this.pads }, this.bias.tensor); // (N, Co, Ho, Wo)
    return activate(y, this.activation);
  }
}

/** Transposed 2-D convolution, Keras kernel [kh, kw, out, in]; `same` gives size × stride. */
export class Conv2DTranspose extends ConvLayer {
  private outputPadding: number[] = [];
  constructor(filters: number, kernelSize: number, opts: ConvLayerOptions = {}) {
    super('Conv2DTranspose', filters, kernelSize, opts);
  }
  build(inShape: KerasShape, prefix: string): KerasShape {
    expectRank(`Conv2DTranspose '${this.name}'`, inShape, 3, '3-D (H, W, C)');
    const [h, w, cin] = inShape;
    const [k, s, co] = [this.kernelSize, this.strides, this.filters];
    this.makeWeights(prefix, co, cin); // graph layout [in, out, k, k]: ONNX ConvTranspose's
    // `same`: the adjoint of a `same` conv from size·s down to size, so TF's padding of that conv.
    const [pt, pb] = this.padding === 'same' ? samePads(h * s, k, s) : [0, 0];
    const [pl, pr] = this.padding === 'same' ? samePads(w * s, k, s) : [0, 0];
    this.pads = [pt, pl, pb, pr];
    const oh = this.padding === 'same' ? h * s : (h - 1) * s + k;
    const ow = this.padding === 'same' ? w * s : (w - 1) * s + k;
    this.outputPadding = [oh - ((h - 1) * s + k - pt - pb), ow - ((w - 1) * s + k - pl - pr)];
    return (this.outputShape = [oh, ow, co]);
  }
  call(x: Tensor): Tensor {
    const k = this.kernelSize;
    const p = this.pads;
    let y: Tensor;
    if (this.strides === 1 && p.every((v) => v < k)) {
      // Stride 1: the same map as a conv with the kernel flipped and in/out swapped, and ORT's
      // Conv is far faster than its ConvTranspose (DESIGN.md).
      const wf = op.flip(op.transpose(this.kernel.tensor, [1, 0, 2, 3]), [2, 3]); // (Co, Ci, k, k)
      y = op.conv(x, wf, { pads: p.map((v) => k - 1 - v) }, this.bias.tensor);
    } else {
      y = op.convTranspose(x, this.kernel.tensor, { strides: [this.strides, this.strides], pads: p, outputPadding: this.outputPadding }, this.bias.tensor);
    }
    return activate(y, this.activation); // (N, Co, Ho, Wo)
  }
}

/** Max pooling; strides default to the pool size and padding to `valid`, as in Keras. */
export class MaxPooling2D extends Layer {
  readonly pool: number;
  readonly strides: number;
  constructor(pool = 2, opts: { strides?: number; name?: string } = {}) {
    super(opts.name ?? 'max_pooling2d');
    this.pool = pool;
    this.strides = opts.strides ?? pool;
  }
  build(inShape: KerasShape): KerasShape {
    expectRank(`MaxPooling2D '${this.name}'`, inShape, 3, '3-D (H, W, C)');
    const [h, w, c] = inShape;
    return (this.outputShape = [Math.floor((h - this.pool) / this.strides) + 1, Math.floor((w - this.pool) / this.strides) + 1, c]);
  }
  toJSON(): LayerSpec {
    return { type: 'MaxPooling2D', pool: this.pool, strides: this.strides, name: this.name };
  }
  call(x: Tensor): Tensor {
    return op.maxPool(x, [this.pool, this.pool], [this.strides, this.strides]);
  }
}

/** Nearest-neighbour upsampling by an integer factor. */
export class UpSampling2D extends Layer {
  constructor(
    public factor = 2,
    opts: { name?: string } = {},
  ) {
    super(opts.name ?? 'up_sampling2d');
  }
  build(inShape: KerasShape): KerasShape {
    expectRank(`UpSampling2D '${this.name}'`, inShape, 3, '3-D (H, W, C)');
    const [h, w, c] = inShape;
    return (this.outputShape = [h * this.factor, w * this.factor, c]);
  }
  toJSON(): LayerSpec {
    return { type: 'UpSampling2D', factor: this.factor, name: this.name };
  }
  call(x: Tensor): Tensor {
    return op.upsample(x, this.factor); // (N, C, fH, fW)
  }
}

/** Flattens in Keras (NHWC) order. */
export class Flatten extends Layer {
  constructor(opts: { name?: string } = {}) {
    super(opts.name ?? 'flatten');
  }
  build(inShape: KerasShape): KerasShape {
    return (this.outputShape = [inShape.reduce((a, b) => a * b, 1)]);
  }
  toJSON(): LayerSpec {
    return { type: 'Flatten', name: this.name };
  }
  call(x: Tensor): Tensor {
    return op.reshape(toNhwc(x), ['N', this.outputShape[0]]); // (N, H·W·C)
  }
}

/** Reshapes to a Keras target shape (NHWC order for 3-D targets). */
export class Reshape extends Layer {
  constructor(
    public target: readonly number[],
    opts: { name?: string } = {},
  ) {
    super(opts.name ?? 'reshape');
  }
  build(inShape: KerasShape): KerasShape {
    const a = inShape.reduce((p, d) => p * d, 1);
    const b = this.target.reduce((p, d) => p * d, 1);
    if (a !== b) throw new RangeError(`Reshape '${this.name}': cannot reshape [${inShape.join(',')}] (${a} values) to [${this.target.join(',')}] (${b} values)`);
    return (this.outputShape = [...this.target]);
  }
  toJSON(): LayerSpec {
    return { type: 'Reshape', target: [...this.target], name: this.name };
  }
  call(x: Tensor): Tensor {
    const flat = op.reshape(toNhwc(x), ['N', ...this.target]);
    return this.target.length === 3 ? toNchw(flat) : flat;
  }
}

/** NCHW → NHWC (a free reshape when there is one channel). */
export function toNhwc(x: Tensor): Tensor {
  if (x.rank !== 4) return x;
  const [n, c, h, w] = x.shape;
  return c === 1 ? op.reshape(x, [n, h, w, 1]) : op.transpose(x, [0, 2, 3, 1]);
}

/** NHWC → NCHW (a free reshape when there is one channel). */
export function toNchw(x: Tensor): Tensor {
  if (x.rank !== 4) return x;
  const [n, h, w, c] = x.shape;
  return c === 1 ? op.reshape(x, [n, 1, h, w]) : op.transpose(x, [0, 3, 1, 2]);
}

/** A stack of layers applied in order. */
export class Sequential {
  readonly layers: Layer[];
  inputShape: KerasShape = [];
  outputShape: KerasShape = [];
  constructor(layers: Layer[]) {
    this.layers = layers;
  }
  /** Builds every layer for Keras input shape `inShape`, naming weights `prefix/layer/...`. */
  build(inShape: KerasShape, prefix: string): KerasShape {
    this.inputShape = inShape;
    const used = new Set<string>();
    let shape = inShape;
    for (const l of this.layers) {
      // Keras-style unique names: dense, dense_1, … never reusing one already taken.
      const base = l.name;
      for (let k = 1; used.has(l.name); k++) l.name = `${base}_${k}`;
      used.add(l.name);
      shape = l.build(shape, prefix);
    }
    return (this.outputShape = shape);
  }
  get weights(): Weight[] {
    return this.layers.flatMap((l) => l.weights);
  }
  /** Traces the stack on x in graph layout. */
  call(x: Tensor): Tensor {
    return this.layers.reduce((h, l) => l.call(h), x);
  }
}
