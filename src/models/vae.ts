/**
 * The variational autoencoder: an encoder body with two Dense heads (z_mean, z_log_var), the
 * reparameterization trick, and a decoder. Tracing it gives symbolic graphs; the engine turns
 * those into ONNX models (one training step = forward + loss + backward + update) and runs
 * them with onnxruntime-node, keeping weights and optimizer state in Float32Arrays that
 * ping-pong between two buffer sets so that no step reallocates them.
 */
import { grad } from '../graph/autodiff.js';
import * as op from '../graph/ops.js';
import { input, type Tensor } from '../graph/tensor.js';
import { Dense, Sequential, toNchw, toNhwc, type KerasShape, type Layer, type Weight } from '../nn/layers.js';
import { vaeObjective, type LossConfig } from '../nn/losses.js';
import { toOnnx } from '../onnx/emit.js';
import { makeOptimizer, type Optimizer, type OptimizerSpec } from '../optim/optimizers.js';
import { Rng } from '../rng.js';
import { compile, type Compiled, type Feed } from '../runtime/node.js';
import { PRESETS, type PresetName } from './presets.js';

/** Everything that defines a VAE: architecture, objective, optimizer and training schedule. */
export interface VAEConfig {
  /** Keras shape of one image, e.g. [28, 28, 1]. */
  inputShape: readonly [number, number, number];
  /** Size of the latent space. */
  latentDim: number;
  /** Layers from the image to the features the two heads read. */
  encoder: Layer[];
  /** Layers from z to the image (its output must hold H·W·C values). */
  decoder: Layer[];
  /** How the objective is assembled. */
  loss: LossConfig;
  /** The optimizer and its hyper-parameters. */
  optimizer: OptimizerSpec;
  /** Training schedule the seed used (read by `fit`). */
  epochs: number;
  batchSize: number;
}

/** Options when creating a model. */
export interface CreateOptions {
  /** Seeds weight initialization and the noise drawn when `eps` is omitted (default 0). */
  seed?: number;
  /** ORT intra-op threads (default 2). */
  threads?: number;
}

/** A weight as exchanged with users: Keras layout and order. */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The three figures a training step reports (batch means). */
export interface StepMetrics {
  loss: number;
  reconstruction: number;
  kl: number;
}

/** Encoder outputs for N images, each N × latentDim, row-major. */
export interface Encoding {
  mean: Float32Array;
  logVar: Float32Array;
  z: Float32Array;
}

/** The symbolic VAE for one trace: leaves and every intermediate a graph may need. */
interface Trace {
  x: Tensor; // (N, H, W, C) as fed
  eps: Tensor; // (N, L)
  mean: Tensor; // (N, L)
  logVar: Tensor; // (N, L)
  z: Tensor; // (N, L)
  xHat: Tensor; // (N, H·W·C), in NHWC order
  loss: Tensor;
  reconstruction: Tensor;
  kl: Tensor;
}

/** A variational autoencoder whose training and inference run in ONNX Runtime. */
export class VAE {
  readonly config: VAEConfig;
  readonly latentDim: number;
  readonly inputShape: readonly [number, number, number];
  readonly optimizer: Optimizer;
  private readonly enc: Sequential;
  private readonly zMean: Dense;
  private readonly zLogVar: Dense;
  private readonly dec: Sequential;
  /** All weights, Keras order: encoder, z_mean, z_log_var, decoder. */
  private readonly weights: Weight[];
  private values: Float32Array[];
  private slots: Float32Array[][];
  private globals: Float32Array[];
  /** The other buffer set of the ping-pong (allocated on the first training step). */
  private spare: { values: Float32Array[]; slots: Float32Array[][]; globals: Float32Array[] } | null = null;
  private step = 0;
  private readonly rng: Rng;
  private readonly threads: number;
  private readonly sessions = new Map<string, Promise<Compiled>>();

  /** Builds a model from a config; weights are initialized from `seed` as Keras would. */
  constructor(config: VAEConfig, opts: CreateOptions = {}) {
    checkConfig(config);
    this.config = config;
    this.latentDim = config.latentDim;
    this.inputShape = config.inputShape;
    this.optimizer = makeOptimizer(config.optimizer);
    this.rng = new Rng(opts.seed ?? 0);
    this.threads = opts.threads ?? 2;

    this.enc = new Sequential(config.encoder);
    const features = this.enc.build(config.inputShape, 'encoder/');
    this.zMean = new Dense(config.latentDim, { name: 'z_mean' });
    this.zLogVar = new Dense(config.latentDim, { name: 'z_log_var' });
    this.zMean.build(features, 'encoder/');
    this.zLogVar.build(features, 'encoder/');
    this.dec = new Sequential(config.decoder);
    const out = this.dec.build([config.latentDim], 'decoder/');
    const pixels = config.inputShape.reduce((a, b) => a * b, 1);
    const outSize = out.reduce((a, b) => a * b, 1);
    if (outSize !== pixels)
      throw new RangeError(`VAE: decoder output [${out.join(',')}] has ${outSize} values, the input [${config.inputShape.join(',')}] has ${pixels}`);

    this.weights = [...this.enc.weights, ...this.zMean.weights, ...this.zLogVar.weights, ...this.dec.weights];
    this.values = this.weights.map((w) => w.fromKeras(w.init(this.rng)));
    this.slots = this.weights.map((w) => this.optimizer.slots.map(() => new Float32Array(size(w))));
    this.globals = this.optimizer.globals.map((g) => Float32Array.of(g.init));
  }

  /** One of the seed systems (see SPEC.md §1): 'lecture-conv', 'geron-dense', 'keras-conv2d', 'medium-dense'. */
  static fromPreset(name: PresetName, opts: CreateOptions = {}): VAE {
    const make = PRESETS[name];
    if (!make) throw new RangeError(`VAE.fromPreset: unknown preset '${name}', expected one of ${Object.keys(PRESETS).join(', ')}`);
    return new VAE(make(), opts);
  }

  /** Number of trainable values. */
  get parameterCount(): number {
    return this.values.reduce((a, v) => a + v.length, 0);
  }

  /** Training steps taken so far. */
  get iterations(): number {
    return this.step;
  }

  /** The weights in Keras layout and order (copies). */
  getWeights(): NamedWeight[] {
    return this.weights.map((w, i) => ({ name: w.name, shape: [...w.kerasShape], data: w.toKeras(this.values[i]).slice() }));
  }

  /** Replaces the weights (Keras layout and order, as from `getWeights` or Keras' `get_weights`). */
  setWeights(ws: readonly NamedWeight[]): void {
    if (!Array.isArray(ws) || ws.length !== this.weights.length)
      throw new RangeError(`setWeights: expected ${this.weights.length} weights, got ${Array.isArray(ws) ? ws.length : typeof ws}`);
    const next = ws.map((given, i) => {
      const w = this.weights[i];
      const n = size(w);
      if (!(given?.data instanceof Float32Array) || given.data.length !== n)
        throw new RangeError(`setWeights: '${w.name}' expects ${n} values (shape [${w.kerasShape.join(',')}]), got ${given?.data?.length ?? 'none'}`);
      if (given.shape && given.shape.join(',') !== w.kerasShape.join(','))
        throw new RangeError(`setWeights: '${w.name}' expects shape [${w.kerasShape.join(',')}], got [${given.shape.join(',')}]`);
      checkFinite(`setWeights: '${w.name}'`, given.data);
      return w.fromKeras(given.data.slice());
    });
    next.forEach((v, i) => this.values[i].set(v));
  }

  /** Loss terms and dLoss/dWeight (Keras layout and order), without updating anything. */
  async lossAndGradients(x: Float32Array, eps?: Float32Array): Promise<StepMetrics & { gradients: NamedWeight[] }> {
    const n = this.batchOf(x, 'x');
    const e = this.noise(n, eps);
    const s = await this.session('grads', () => {
      const t = this.trace();
      const gs = grad(t.loss, this.weights.map((w) => w.tensor));
      return toOnnx({
        inputs: [t.x, t.eps, ...this.weights.map((w) => w.tensor)],
        outputs: [...this.metricOutputs(t), ...gs.map((g, i) => ({ name: `grad:${this.weights[i].name}`, tensor: g ?? op.mul(this.weights[i].tensor, 0) }))],
      });
    });
    const r = await s.run({ ...this.dataFeeds(x, e, n), ...this.weightFeeds(this.values) });
    return {
      ...metrics(r),
      gradients: this.weights.map((w) => ({ name: w.name, shape: [...w.kerasShape], data: w.toKeras(r[`grad:${w.name}`]).slice() })),
    };
  }

  /** The objective on a batch without touching the weights (e.g. test-set loss). */
  async evaluate(x: Float32Array, eps?: Float32Array): Promise<StepMetrics> {
    const n = this.batchOf(x, 'x');
    const e = this.noise(n, eps);
    const s = await this.session('loss', () => {
      const t = this.trace();
      return toOnnx({ inputs: [t.x, t.eps, ...this.weights.map((w) => w.tensor)], outputs: this.metricOutputs(t) });
    });
    return metrics(await s.run({ ...this.dataFeeds(x, e, n), ...this.weightFeeds(this.values) }));
  }

  /** One optimizer step on the batch x: forward, loss, backward and update, in one ONNX run. */
  async trainStep(x: Float32Array, eps?: Float32Array): Promise<StepMetrics> {
    const n = this.batchOf(x, 'x');
    const e = this.noise(n, eps);
    const s = await this.session('train', () => this.trainGraph());
    if (!this.spare) {
      this.spare = {
        values: this.values.map((v) => new Float32Array(v.length)),
        slots: this.slots.map((ss) => ss.map((v) => new Float32Array(v.length))),
        globals: this.globals.map(() => new Float32Array(1)),
      };
    }
    const next = this.spare;
    const feeds: Record<string, Feed> = { ...this.dataFeeds(x, e, n), ...this.weightFeeds(this.values), t: { data: Float32Array.of(this.step + 1), dims: [] } };
    const into: Record<string, Feed> = { ...this.weightFeeds(next.values, 'new:') };
    this.weights.forEach((w, i) =>
      this.optimizer.slots.forEach((slot, k) => {
        feeds[`${w.name}:${slot}`] = { data: this.slots[i][k], dims: w.tensor.shape as number[] };
        into[`new:${w.name}:${slot}`] = { data: next.slots[i][k], dims: w.tensor.shape as number[] };
      }),
    );
    this.optimizer.globals.forEach((g, k) => {
      feeds[g.name] = { data: this.globals[k], dims: [] };
      into[`new:${g.name}`] = { data: next.globals[k], dims: [] };
    });
    const r = await s.run(feeds, into);
    // Swap buffer sets: what was written becomes current, the old ones are written next step.
    this.spare = { values: this.values, slots: this.slots, globals: this.globals };
    this.values = next.values;
    this.slots = next.slots;
    this.globals = next.globals;
    this.step++;
    return metrics(r);
  }

  /** Encodes N images (NHWC, [0,1]) to the posterior mean, log-variance and a sample z. */
  async encode(x: Float32Array, eps?: Float32Array): Promise<Encoding> {
    const n = this.batchOf(x, 'x');
    const e = this.noise(n, eps);
    const s = await this.session('encode', () => {
      const t = this.trace();
      return toOnnx({ inputs: [t.x, t.eps, ...this.weights.map((w) => w.tensor)], outputs: [{ name: 'mean', tensor: t.mean }, { name: 'logVar', tensor: t.logVar }, { name: 'z', tensor: t.z }] });
    });
    const r = await s.run({ ...this.dataFeeds(x, e, n), ...this.weightFeeds(this.values) });
    return { mean: r.mean, logVar: r.logVar, z: r.z };
  }

  /** Decodes N latent vectors (N × latentDim) to N images, NHWC. */
  async decode(z: Float32Array): Promise<Float32Array> {
    if (!(z instanceof Float32Array)) throw new TypeError(`decode: z must be a Float32Array, got ${typeof z}`);
    if (z.length === 0 || z.length % this.latentDim !== 0)
      throw new RangeError(`decode: z must hold N × ${this.latentDim} values, got ${z.length}`);
    checkFinite('decode: z', z);
    const n = z.length / this.latentDim;
    const s = await this.session('decode', () => {
      const zIn = input('z', ['N', this.latentDim]);
      return toOnnx({ inputs: [zIn, ...this.decoderWeights().map((w) => w.tensor)], outputs: [{ name: 'image', tensor: this.decodeTrace(zIn) }] });
    });
    const feeds: Record<string, Feed> = { z: { data: z, dims: [n, this.latentDim] } };
    for (const [i, w] of this.weights.entries()) if (w.name.startsWith('decoder/')) feeds[w.name] = { data: this.values[i], dims: w.tensor.shape as number[] };
    return (await s.run(feeds)).image;
  }

  /**
   * The encoder as a standalone ONNX model with the current weights baked in as initializers:
   * inputs `x` (N, H, W, C) and `eps` (N, latentDim); outputs `mean`, `logVar`, `z`. It runs in
   * any ONNX runtime (opset 17) without vaekit.
   */
  exportEncoder(): Uint8Array {
    const t = this.trace();
    return toOnnx({
      inputs: [t.x, t.eps],
      outputs: [{ name: 'mean', tensor: t.mean }, { name: 'logVar', tensor: t.logVar }, { name: 'z', tensor: t.z }],
      weights: this.weightMap('encoder/'),
      name: 'vaekit_encoder',
      metadata: { producer: 'vaekit', inputShape: JSON.stringify(this.inputShape), latentDim: String(this.latentDim) },
    });
  }

  /**
   * The decoder as a standalone ONNX model with the current weights baked in: input `z`
   * (N, latentDim), output `image` (N, H·W·C) in NHWC order.
   */
  exportDecoder(): Uint8Array {
    const z = input('z', ['N', this.latentDim]);
    return toOnnx({
      inputs: [z],
      outputs: [{ name: 'image', tensor: this.decodeTrace(z) }],
      weights: this.weightMap('decoder/'),
      name: 'vaekit_decoder',
      metadata: { producer: 'vaekit', inputShape: JSON.stringify(this.inputShape), latentDim: String(this.latentDim) },
    });
  }

  private weightMap(prefix: string): Map<string, Float32Array> {
    return new Map(this.weights.flatMap((w, i) => (w.name.startsWith(prefix) ? [[w.name, this.values[i]] as const] : [])));
  }

  // ---- tracing -----------------------------------------------------------------------------

  private decoderWeights(): Weight[] {
    return this.weights.filter((w) => w.name.startsWith('decoder/'));
  }

  /** Decoder graph from z (N, L) to images (N, H·W·C) in NHWC order. */
  private decodeTrace(z: Tensor): Tensor {
    const out = toNhwc(this.dec.call(z));
    return op.reshape(out, ['N', this.inputShape.reduce((a, b) => a * b, 1)]);
  }

  private trace(): Trace {
    const [h, w, c] = this.inputShape;
    const x = input('x', ['N', h, w, c]);
    const eps = input('eps', ['N', this.latentDim]);
    const features = this.enc.call(toNchw(x));
    const mean = this.zMean.call(features); // (N, L)
    const logVar = this.zLogVar.call(features); // (N, L)
    const z = op.add(mean, op.mul(op.exp(op.mul(logVar, 0.5)), eps)); // reparameterization trick
    const xHat = this.decodeTrace(z); // (N, D)
    const xFlat = op.reshape(x, ['N', h * w * c]);
    const terms = vaeObjective(xFlat, xHat, mean, logVar, this.config.loss);
    return { x, eps, mean, logVar, z, xHat, ...terms };
  }

  private metricOutputs(t: Trace) {
    return [
      { name: 'loss', tensor: t.loss },
      { name: 'reconstruction', tensor: t.reconstruction },
      { name: 'kl', tensor: t.kl },
    ];
  }

  /** The training step: inputs x, eps, t, weights, state; outputs metrics, new weights, new state. */
  private trainGraph(): Uint8Array {
    const tr = this.trace();
    const ws = this.weights.map((w) => w.tensor);
    const gs = grad(tr.loss, ws);
    const tStep = input('t', []);
    const slotLeaves = this.weights.map((w) => Object.fromEntries(this.optimizer.slots.map((s) => [s, input(`${w.name}:${s}`, w.tensor.shape)])));
    const globalLeaves = Object.fromEntries(this.optimizer.globals.map((g) => [g.name, input(g.name, [])]));
    const upd = this.optimizer.update(
      tStep,
      globalLeaves,
      ws.map((w, i) => ({ w, g: gs[i] ?? op.mul(w, 0), slots: slotLeaves[i] })),
    );
    const outputs = [...this.metricOutputs(tr)];
    this.weights.forEach((w, i) => {
      outputs.push({ name: `new:${w.name}`, tensor: upd.params[i].w });
      for (const s of this.optimizer.slots) outputs.push({ name: `new:${w.name}:${s}`, tensor: upd.params[i].slots[s] });
    });
    for (const g of this.optimizer.globals) outputs.push({ name: `new:${g.name}`, tensor: upd.globals[g.name] });
    return toOnnx({
      inputs: [tr.x, tr.eps, tStep, ...ws, ...slotLeaves.flatMap((s) => Object.values(s)), ...Object.values(globalLeaves)],
      outputs,
      name: 'vaekit_train_step',
    });
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private session(key: string, build: () => Uint8Array): Promise<Compiled> {
    let s = this.sessions.get(key);
    if (!s) {
      s = compile(build(), { threads: this.threads });
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Releases the native sessions. */
  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s).release();
  }

  private weightFeeds(values: Float32Array[], prefix = ''): Record<string, Feed> {
    const f: Record<string, Feed> = {};
    this.weights.forEach((w, i) => (f[prefix + w.name] = { data: values[i], dims: w.tensor.shape as number[] }));
    return f;
  }

  private dataFeeds(x: Float32Array, eps: Float32Array, n: number): Record<string, Feed> {
    return { x: { data: x, dims: [n, ...this.inputShape] }, eps: { data: eps, dims: [n, this.latentDim] } };
  }

  /** Validates a batch of images and returns N. */
  private batchOf(x: Float32Array, what: string): number {
    const per = this.inputShape.reduce((a, b) => a * b, 1);
    if (!(x instanceof Float32Array)) throw new TypeError(`${what}: expected a Float32Array of N × ${this.inputShape.join('×')} images, got ${x === null ? 'null' : typeof x}`);
    if (x.length === 0 || x.length % per !== 0)
      throw new RangeError(`${what}: expected N × ${per} values (N images of ${this.inputShape.join('×')}), got ${x.length}`);
    checkFinite(what, x);
    return x.length / per;
  }

  private noise(n: number, eps?: Float32Array): Float32Array {
    if (eps === undefined) return this.rng.normalArray(n * this.latentDim);
    if (!(eps instanceof Float32Array)) throw new TypeError(`eps: expected a Float32Array of ${n} × ${this.latentDim} values, got ${typeof eps}`);
    if (eps.length !== n * this.latentDim) throw new RangeError(`eps: expected ${n} × ${this.latentDim} = ${n * this.latentDim} values, got ${eps.length}`);
    checkFinite('eps', eps);
    return eps;
  }
}

function size(w: Weight): number {
  return w.kerasShape.reduce((a, b) => a * b, 1);
}

function metrics(r: Record<string, Float32Array>): StepMetrics {
  return { loss: r.loss[0], reconstruction: r.reconstruction[0], kl: r.kl[0] };
}

function checkFinite(what: string, a: Float32Array): void {
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i])) throw new RangeError(`${what}: expected finite numbers, got ${a[i]} at index ${i}`);
}

function checkConfig(c: VAEConfig): void {
  if (!Array.isArray(c.inputShape) || c.inputShape.length !== 3 || !c.inputShape.every((d) => Number.isInteger(d) && d > 0))
    throw new RangeError(`VAE: inputShape must be [height, width, channels], got ${JSON.stringify(c.inputShape)}`);
  if (!Number.isInteger(c.latentDim) || c.latentDim < 1) throw new RangeError(`VAE: latentDim must be a positive integer, got ${c.latentDim}`);
}

export type { KerasShape, PresetName };
