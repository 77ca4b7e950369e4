/**
 * The variational autoencoder: an encoder body with two Dense heads (z_mean, z_log_var), the
 * reparameterization trick, and a decoder. Tracing it gives symbolic graphs; the engine turns
 * those into ONNX models (one training step = forward + loss + backward + update) and runs
 * them with onnxruntime-node, keeping weights and optimizer state in flat Float32Arrays (one
 * for all weights, one per optimizer slot) that ping-pong between two buffer sets so that no step
 * reallocates them, and a step feeds and fetches a few tensors however many weights there are.
 */
import { grad } from '../graph/autodiff.js';
import * as op from '../graph/ops.js';
import { input, type Tensor } from '../graph/tensor.js';
import { Dense, layerFromSpec, Sequential, toNchw, toNhwc, type KerasShape, type Layer, type Weight } from '../nn/layers.js';
import type { LossConfig } from '../nn/losses.js';
import { makeObjective, type Objective, type ObjectiveSpec } from '../objectives/index.js';
import { reparameterize, type ObjectiveTerms } from '../objectives/objective.js';
import type { Shape } from '../graph/shape.js';
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
  /** Batch size the seed used (read by `fit`). */
  batchSize: number;
  /** false: a plain autoencoder (one Dense head, z = its output, no KL term). Default true. */
  variational?: boolean;
  /** Number of classes of a conditional VAE: the one-hot label joins the encoder's features and z. */
  numClasses?: number;
  /** The training objective (default the ELBO; `{ name: 'iwae', samples: k }` for the IWAE bound). */
  objective?: ObjectiveSpec;
}

/** Options when creating a model. */
export interface CreateOptions {
  /** Seeds weight initialization and the noise drawn when `eps` is omitted (default 0). */
  seed?: number;
  /** ORT intra-op threads (default 2). */
  threads?: number;
  /** Turns on ONNX Runtime's per-node profiler; each session writes `<prefix>_<date>.json` on `dispose()`. */
  profilePrefix?: string;
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

/** Optimizer state and counters: with the weights, everything a checkpoint must hold. */
export interface TrainingState {
  /** Training steps taken. */
  step: number;
  /** Per-weight optimizer slots, named `<weight>:<slot>`, in Keras layout. */
  slots: NamedWeight[];
  /** Global optimizer scalars (e.g. Nadam's momentum product). */
  globals: Record<string, number>;
  /** The noise generator's state. */
  rng: number[];
}

/** What the latent-space tools need from a model (a VAE, or a run loaded from disk). */
export interface LatentModel {
  readonly latentDim: number;
  readonly inputShape: readonly [number, number, number];
  /** Classes of a conditional model, else null. */
  readonly numClasses: number | null;
  encode(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<Encoding>;
  decode(z: Float32Array, labels?: Int32Array): Promise<Float32Array>;
}

/** The leaves a graph is fed (in feed order: x, eps, y, β) and its outputs. */
interface Trace {
  x: Tensor; // (N, H, W, C) as fed
  eps: Tensor | null; // standard-normal noise; null for a plain autoencoder
  y: Tensor | null; // (N, K) one-hot labels of a conditional model
  beta: Tensor | null; // () weight of the KL term, in objective graphs
}

/** An objective graph: the loss terms. */
type LossTrace = Trace & ObjectiveTerms;

/** An encoder graph: the posterior and one sample. */
interface EncodeTrace extends Trace {
  mean: Tensor; // (N, L)
  logVar: Tensor; // (N, L)
  z: Tensor; // (N, L)
}

/** A variational autoencoder whose training and inference run in ONNX Runtime. */
export class VAE implements LatentModel {
  /** The configuration the model was built from. */
  readonly config: VAEConfig;
  /** Size of the latent space. */
  readonly latentDim: number;
  /** Classes of a conditional model, else null. */
  readonly numClasses: number | null;
  /** false for a plain autoencoder. */
  readonly variational: boolean;
  /** Weight of the KL term in the objective (β-VAE); fed to every step, so it can change (warm-up). */
  beta: number;
  /** Keras shape of one image, [H, W, C]. */
  readonly inputShape: readonly [number, number, number];
  /** The optimizer's in-graph update rule. */
  readonly optimizer: Optimizer;
  /** What training minimizes (the ELBO unless the config names another). */
  readonly objective: Objective;
  private readonly enc: Sequential;
  private readonly zMean: Dense;
  private readonly zLogVar: Dense | null;
  private readonly dec: Sequential;
  /** All weights, Keras order: encoder, z_mean, z_log_var, decoder. */
  private readonly weights: Weight[];
  /** Start of each weight in the flat buffers (graph layout, row-major), and the total. */
  private readonly offsets: number[];
  private readonly total: number;
  /** The current buffer set: flat weights, flat slots, globals. */
  private state: StateBuffers;
  /** The other buffer set of the ping-pong (allocated on the first training step). */
  private spare: StateBuffers | null = null;
  /** Per-weight views of the current flat weights. */
  private values: Float32Array[];
  /** Per-weight, per-slot views of the current flat slots. */
  private slots: Float32Array[][];
  private step = 0;
  private readonly rng: Rng;
  private readonly threads: number;
  private readonly profilePrefix?: string;
  private readonly sessions = new Map<string, Promise<Compiled>>();
  /** Set by `dispose()`: a disposed model refuses work instead of quietly rebuilding sessions. */
  private disposed = false;

  /** Builds a model from a config; weights are initialized from `seed` as Keras would. */
  constructor(config: VAEConfig, opts: CreateOptions = {}) {
    checkConfig(config);
    this.config = config;
    this.latentDim = config.latentDim;
    this.inputShape = config.inputShape;
    this.optimizer = makeOptimizer(config.optimizer);
    this.rng = new Rng(opts.seed ?? 0);
    this.threads = opts.threads ?? 2;
    this.profilePrefix = opts.profilePrefix;

    this.numClasses = config.numClasses ?? null;
    this.variational = config.variational ?? true;
    this.beta = config.loss.beta;
    this.objective = makeObjective(config.objective);
    this.objective.check({ variational: this.variational, loss: config.loss });
    const k = this.numClasses ?? 0;

    // Fresh layer objects: building binds weights to a layer, and the caller's config may build
    // more models (a preset function, a loop over seeds).
    this.enc = new Sequential(config.encoder.map((l) => layerFromSpec(l.toJSON())));
    const features = this.enc.build(config.inputShape, 'encoder/');
    if (features.length !== 1) throw new RangeError(`VAE: the encoder must end in flat features (add a Flatten layer), got shape [${features.join(',')}]`);
    const headIn = [features[0] + k];
    this.zMean = new Dense(config.latentDim, { name: this.variational ? 'z_mean' : 'z' });
    this.zMean.build(headIn, 'encoder/');
    this.zLogVar = this.variational ? new Dense(config.latentDim, { name: 'z_log_var' }) : null;
    this.zLogVar?.build(headIn, 'encoder/');
    this.dec = new Sequential(config.decoder.map((l) => layerFromSpec(l.toJSON())));
    const out = this.dec.build([config.latentDim + k], 'decoder/');
    const pixels = config.inputShape.reduce((a, b) => a * b, 1);
    const outSize = out.reduce((a, b) => a * b, 1);
    if (outSize !== pixels)
      throw new RangeError(`VAE: decoder output [${out.join(',')}] has ${outSize} values, the input [${config.inputShape.join(',')}] has ${pixels}`);

    this.weights = [...this.enc.weights, ...this.zMean.weights, ...(this.zLogVar?.weights ?? []), ...this.dec.weights];
    this.offsets = [];
    let total = 0;
    for (const w of this.weights) {
      this.offsets.push(total);
      total += size(w);
    }
    this.total = total;
    this.state = this.newState();
    this.values = this.weightViews(this.state.params);
    this.slots = this.slotViews(this.state.slots);
    this.weights.forEach((w, i) => this.values[i].set(w.fromKeras(w.init(this.rng))));
    this.optimizer.globals.forEach((g, k) => (this.state.globals[k][0] = g.init));
  }

  /**
   * A preset: one of the seed systems ('lecture-conv', 'lecture-conv-2022', 'ae-2d', 'geron-dense',
   * 'keras-conv2d', 'cvae', 'medium-dense'; see the README), for 28×28×1 images.
   */
  static fromPreset(name: PresetName, opts: CreateOptions = {}): VAE {
    const make = PRESETS[name];
    if (!make) throw new RangeError(`VAE.fromPreset: unknown preset '${name}', expected one of ${Object.keys(PRESETS).join(', ')}`);
    return new VAE(make(), opts);
  }

  /** Number of trainable values. */
  get parameterCount(): number {
    return this.total;
  }

  /** Standard normals the objective draws per image (L for the ELBO, k·L for IWAE, 0 for a plain autoencoder). */
  get noisePerImage(): number {
    return this.variational ? this.noiseShape().reduce<number>((a, d) => (d === 'N' ? a : a * d), 1) : 0;
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
      if (!(given?.data instanceof Float32Array))
        throw new TypeError(`setWeights: '${w.name}' expects its values as a Float32Array of ${n}, got ${given?.data === undefined ? 'none' : Array.isArray(given.data) ? 'a plain Array (wrap it: Float32Array.from(values))' : typeof given.data}`);
      if (given.data.length !== n)
        throw new RangeError(`setWeights: '${w.name}' expects ${n} values (shape [${w.kerasShape.join(',')}]), got ${given?.data?.length ?? 'none'}`);
      if (given.shape && given.shape.join(',') !== w.kerasShape.join(','))
        throw new RangeError(`setWeights: '${w.name}' expects shape [${w.kerasShape.join(',')}], got [${given.shape.join(',')}]`);
      checkFinite(`setWeights: '${w.name}'`, given.data);
      return w.fromKeras(given.data.slice());
    });
    next.forEach((v, i) => this.values[i].set(v));
  }

  /** Loss terms and dLoss/dWeight (Keras layout and order), without updating anything. */
  async lossAndGradients(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<StepMetrics & { gradients: NamedWeight[] }> {
    const feeds = this.dataFeeds(x, eps, labels, true);
    const s = await this.session('grads', () => {
      const t = this.lossTrace();
      const gs = grad(t.loss, this.weights.map((w) => w.tensor));
      return toOnnx({
        inputs: [...dataLeaves(t), ...this.weights.map((w) => w.tensor)],
        outputs: [...this.metricOutputs(t), ...gs.map((g, i) => ({ name: `grad:${this.weights[i].name}`, tensor: g ?? op.mul(this.weights[i].tensor, 0) }))],
      });
    });
    const r = await s.run({ ...feeds, ...this.weightFeeds(this.values) });
    return {
      ...metrics(r),
      gradients: this.weights.map((w) => ({ name: w.name, shape: [...w.kerasShape], data: w.toKeras(r[`grad:${w.name}`]).slice() })),
    };
  }

  /** The objective on a batch without touching the weights (e.g. test-set loss). */
  async evaluate(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<StepMetrics> {
    const feeds = this.dataFeeds(x, eps, labels, true);
    const s = await this.session('loss', () => {
      const t = this.lossTrace();
      return toOnnx({ inputs: [...dataLeaves(t), ...this.weights.map((w) => w.tensor)], outputs: this.metricOutputs(t) });
    });
    return metrics(await s.run({ ...feeds, ...this.weightFeeds(this.values) }));
  }

  /** One optimizer step on the batch x: forward, loss, backward and update, in one ONNX run. */
  async trainStep(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<StepMetrics> {
    const data = this.dataFeeds(x, eps, labels, true);
    const s = await this.session('train', () => this.trainGraph());
    const cur = this.state;
    const next = (this.spare ??= this.newState());
    const flat = (data: Float32Array): Feed => ({ data, dims: [this.total] });
    const feeds: Record<string, Feed> = { ...data, t: { data: Float32Array.of(this.step + 1), dims: [] }, params: flat(cur.params) };
    const into: Record<string, Feed> = { 'new:params': flat(next.params) };
    this.optimizer.slots.forEach((slot, k) => {
      feeds[`slots/${slot}`] = flat(cur.slots[k]);
      into[`new:slots/${slot}`] = flat(next.slots[k]);
    });
    this.optimizer.globals.forEach((g, k) => {
      feeds[g.name] = { data: cur.globals[k], dims: [] };
      into[`new:${g.name}`] = { data: next.globals[k], dims: [] };
    });
    const r = await s.run(feeds, into);
    // Swap buffer sets: what was written becomes current, the old ones are written next step.
    this.spare = cur;
    this.state = next;
    this.values = this.weightViews(next.params);
    this.slots = this.slotViews(next.slots);
    this.step++;
    return metrics(r);
  }

  /**
   * Encodes N images (NHWC, [0,1]) to the posterior mean, log-variance and a sample z
   * (a plain autoencoder gives its code as mean and z, and zero log-variance).
   */
  async encode(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<Encoding> {
    const feeds = this.dataFeeds(x, eps, labels, false);
    const s = await this.session('encode', () => {
      const t = this.encodeTrace();
      return toOnnx({ inputs: [...dataLeaves(t), ...this.weights.map((w) => w.tensor)], outputs: encoderOutputs(t) });
    });
    const r = await s.run({ ...feeds, ...this.weightFeeds(this.values) });
    return { mean: r.mean, logVar: r.logVar, z: r.z };
  }

  /** Decodes N latent vectors (N × latentDim) to N images, NHWC (conditional models: with N labels). */
  async decode(z: Float32Array, labels?: Int32Array): Promise<Float32Array> {
    if (!(z instanceof Float32Array)) throw new TypeError(`decode: z must be a Float32Array, got ${typeof z}`);
    if (z.length === 0 || z.length % this.latentDim !== 0)
      throw new RangeError(`decode: z must hold N × ${this.latentDim} values, got ${z.length}`);
    checkFinite('decode: z', z);
    const n = z.length / this.latentDim;
    const s = await this.session('decode', () => {
      const { leaves, image } = this.decoderTrace();
      return toOnnx({ inputs: [...leaves, ...this.decoderWeights().map((w) => w.tensor)], outputs: [{ name: 'image', tensor: image }] });
    });
    const feeds: Record<string, Feed> = { z: { data: z, dims: [n, this.latentDim] }, ...this.labelFeeds(n, labels, 'decode: labels') };
    for (const [i, w] of this.weights.entries()) if (w.name.startsWith('decoder/')) feeds[w.name] = { data: this.values[i], dims: w.tensor.shape as number[] };
    return (await s.run(feeds)).image;
  }

  /** Optimizer state, step counter and noise generator state (copies), for checkpoints. */
  getTrainingState(): TrainingState {
    return {
      step: this.step,
      slots: this.weights.flatMap((w, i) => this.optimizer.slots.map((slot, k) => ({ name: `${w.name}:${slot}`, shape: [...w.kerasShape], data: w.toKeras(this.slots[i][k]).slice() }))),
      globals: Object.fromEntries(this.optimizer.globals.map((g, k) => [g.name, this.state.globals[k][0]])),
      rng: this.rng.getState(),
    };
  }

  /** Restores what {@link getTrainingState} returned (after `setWeights`, to resume training). */
  setTrainingState(state: TrainingState): void {
    if (!Number.isInteger(state?.step) || state.step < 0) throw new RangeError(`setTrainingState: step must be a non-negative integer, got ${state?.step}`);
    const expected = this.weights.flatMap((w) => this.optimizer.slots.map((slot) => `${w.name}:${slot}`));
    const got = (state.slots ?? []).map((s) => s.name);
    if (expected.join('|') !== got.join('|'))
      throw new RangeError(`setTrainingState: expected ${expected.length} ${this.optimizer.name} slots (${expected[0] ?? 'none'}, …), got ${got.length} (${got[0] ?? 'none'}, …)`);
    let k = 0;
    this.weights.forEach((w, i) =>
      this.optimizer.slots.forEach((_, j) => {
        const d = state.slots[k++].data;
        if (d.length !== size(w)) throw new RangeError(`setTrainingState: slot '${expected[k - 1]}' expects ${size(w)} values, got ${d.length}`);
        this.slots[i][j].set(w.fromKeras(d));
      }),
    );
    this.optimizer.globals.forEach((g, j) => {
      const v = state.globals?.[g.name];
      if (typeof v !== 'number') throw new RangeError(`setTrainingState: missing optimizer global '${g.name}'`);
      this.state.globals[j][0] = v;
    });
    this.rng.setState(state.rng);
    this.step = state.step;
  }

  /**
   * The encoder as a standalone ONNX model with the current weights baked in as initializers:
   * inputs `x` (N, H, W, C) and `eps` (N, latentDim); outputs `mean`, `logVar`, `z`. It runs in
   * any ONNX runtime (opset 17) without vaekit.
   */
  exportEncoder(): Uint8Array {
    this.checkLive('exportEncoder');
    const t = this.encodeTrace();
    return toOnnx({
      inputs: dataLeaves(t),
      outputs: encoderOutputs(t),
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
    this.checkLive('exportDecoder');
    const { leaves, image } = this.decoderTrace();
    return toOnnx({
      inputs: leaves,
      outputs: [{ name: 'image', tensor: image }],
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

  /** Decoder graph from z (N, L) [and one-hot y (N, K)] to images (N, H·W·C) in NHWC order. */
  private decodeTrace(z: Tensor, y: Tensor | null): Tensor {
    const out = toNhwc(this.dec.call(y ? op.concat([z, y], 1) : z));
    return op.reshape(out, ['N', this.inputShape.reduce((a, b) => a * b, 1)]);
  }

  private labelLeaf(): Tensor | null {
    return this.numClasses ? input('y', ['N', this.numClasses]) : null;
  }

  private decoderTrace(): { leaves: Tensor[]; image: Tensor } {
    const z = input('z', ['N', this.latentDim]);
    const y = this.labelLeaf();
    return { leaves: y ? [z, y] : [z], image: this.decodeTrace(z, y) };
  }

  /** The encoder's leaves and heads: features of x [and y] → mean (N, L) and logVar (N, L) or null. */
  private posterior() {
    const [h, w, c] = this.inputShape;
    const x = input('x', ['N', h, w, c]);
    const y = this.labelLeaf();
    let features = this.enc.call(toNchw(x)); // (N, F)
    if (y) features = op.concat([features, y], 1); // (N, F + K)
    const mean = this.zMean.call(features); // (N, L)
    const logVar = this.zLogVar ? this.zLogVar.call(features) : null; // (N, L)
    return { x, y, mean, logVar };
  }

  /** x → mean, logVar and one sample z (a plain autoencoder: its code, zero log-variance). */
  private encodeTrace(): EncodeTrace {
    const { x, y, mean, logVar } = this.posterior();
    if (!logVar) return { x, eps: null, y, beta: null, mean, logVar: op.mul(mean, 0), z: mean };
    const eps = input('eps', ['N', this.latentDim]);
    return { x, eps, y, beta: null, mean, logVar, z: reparameterize({ mean, logVar }, eps) };
  }

  /** The objective on x: its loss terms, with the noise leaf shaped as the objective asks. */
  private lossTrace(): LossTrace {
    const { x, y, mean, logVar } = this.posterior();
    const [h, w, c] = this.inputShape;
    const beta = input('beta', []);
    const eps = logVar ? input('eps', this.noiseShape()) : null;
    const decode = (z: Tensor, samples = 1) => {
      const k = this.numClasses;
      // k samples per image (image-major rows): each label repeats k times.
      const ys = y && k && samples > 1 ? op.reshape(op.expand(op.reshape(y, ['N', 1, k]), ['N', samples, k]), ['N', k], samples) : y;
      return this.decodeTrace(z, ys);
    };
    const terms = this.objective.terms({
      x: op.reshape(x, ['N', h * w * c]),
      posterior: logVar ? { mean, logVar } : null,
      code: mean,
      decode,
      eps,
      loss: this.config.loss,
      beta,
    });
    return { x, eps, y, beta, ...terms };
  }

  /** Shape of the noise one objective step draws ('N': the batch). */
  private noiseShape(): Shape {
    return this.objective.noise(this.latentDim);
  }

  private metricOutputs(t: LossTrace) {
    return [
      { name: 'loss', tensor: t.loss },
      { name: 'reconstruction', tensor: t.reconstruction },
      { name: 'kl', tensor: t.kl },
    ];
  }

  /**
   * The training step: inputs x, eps, t, the flat weights `params` (P,), one flat tensor per
   * optimizer slot `slots/<slot>` (P,) and the globals; outputs the metrics and their new values.
   * The weights are split out of `params` in the graph, the gradients concatenated back into one
   * (P,) vector, and the optimizer's update traced once over the flat vectors: the node and input
   * counts do not grow with the number of weight tensors.
   */
  private trainGraph(): Uint8Array {
    const tr = this.lossTrace();
    const ws = this.weights.map((w) => w.tensor);
    const gs = grad(tr.loss, ws);
    const params = input('params', [this.total]);
    const flatGrad = op.concat(ws.map((w, i) => op.reshape(gs[i] ?? op.mul(w, 0), [size(this.weights[i])])), 0); // (P,)
    const tStep = input('t', []);
    const slotLeaves = Object.fromEntries(this.optimizer.slots.map((s) => [s, input(`slots/${s}`, [this.total])]));
    const globalLeaves = Object.fromEntries(this.optimizer.globals.map((g) => [g.name, input(g.name, [])]));
    const upd = this.optimizer.update(tStep, globalLeaves, [{ w: params, g: flatGrad, slots: slotLeaves }]);
    const outputs = [...this.metricOutputs(tr), { name: 'new:params', tensor: upd.params[0].w }];
    for (const s of this.optimizer.slots) outputs.push({ name: `new:slots/${s}`, tensor: upd.params[0].slots[s] });
    for (const g of this.optimizer.globals) outputs.push({ name: `new:${g.name}`, tensor: upd.globals[g.name] });
    return toOnnx({
      inputs: [...dataLeaves(tr), tStep, params, ...Object.values(slotLeaves), ...Object.values(globalLeaves)],
      packed: { from: params, params: ws },
      outputs,
      name: 'vaekit_train_step',
    });
  }

  /** A zeroed buffer set: flat weights, one flat tensor per slot, one scalar per global. */
  private newState(): StateBuffers {
    return {
      params: new Float32Array(this.total),
      slots: this.optimizer.slots.map(() => new Float32Array(this.total)),
      globals: this.optimizer.globals.map(() => new Float32Array(1)),
    };
  }

  /** Per-weight views of a flat (P,) buffer. */
  private weightViews(flat: Float32Array): Float32Array[] {
    return this.weights.map((w, i) => flat.subarray(this.offsets[i], this.offsets[i] + size(w)));
  }

  /** Per-weight, per-slot views of the flat slot buffers. */
  private slotViews(flat: readonly Float32Array[]): Float32Array[][] {
    const views = flat.map((f) => this.weightViews(f));
    return this.weights.map((_, i) => views.map((v) => v[i]));
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private checkLive(what: string): void {
    if (this.disposed) throw new Error(`VAE.${what}: the model was disposed; build or load it again`);
  }

  private session(key: string, build: () => Uint8Array): Promise<Compiled> {
    this.checkLive(key);
    let s = this.sessions.get(key);
    if (!s) {
      s = compile(build(), { threads: this.threads, profilePrefix: this.profilePrefix });
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key)); // a failed compile is retried next time
    }
    return s;
  }

  /** Releases the native sessions. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(
      all.map(async (s) => {
        const session = await s;
        session.endProfiling();
        await session.release();
      }),
    );
  }

  private weightFeeds(values: Float32Array[], prefix = ''): Record<string, Feed> {
    const f: Record<string, Feed> = {};
    this.weights.forEach((w, i) => (f[prefix + w.name] = { data: values[i], dims: w.tensor.shape as number[] }));
    return f;
  }

  /** Feeds for x, eps (variational models), one-hot y (conditional) and β (objective graphs). */
  private dataFeeds(x: Float32Array, eps: Float32Array | undefined, labels: Int32Array | undefined, objective: boolean): Record<string, Feed> {
    const n = this.batchOf(x, 'x');
    const f: Record<string, Feed> = { x: { data: x, dims: [n, ...this.inputShape] }, ...this.labelFeeds(n, labels, 'labels') };
    if (this.variational) {
      const shape: Shape = objective ? this.noiseShape() : ['N', this.latentDim];
      const dims = shape.map((d) => (d === 'N' ? n : d));
      f.eps = { data: this.noise(dims, eps), dims };
    }
    if (objective) f.beta = { data: Float32Array.of(this.beta), dims: [] };
    return f;
  }

  /** One-hot feed for conditional models; checks that labels come exactly when they must. */
  private labelFeeds(n: number, labels: Int32Array | undefined, what: string): Record<string, Feed> {
    const k = this.numClasses;
    if (!k) {
      if (labels !== undefined) throw new TypeError(`${what}: this model is not conditional; pass no labels`);
      return {};
    }
    if (!(labels instanceof Int32Array)) throw new TypeError(`${what}: a conditional model needs an Int32Array of ${n} labels, got ${labels === undefined ? 'none' : typeof labels}`);
    if (labels.length !== n) throw new RangeError(`${what}: expected ${n} labels (one per image), got ${labels.length}`);
    const y = new Float32Array(n * k);
    labels.forEach((l, i) => {
      if (!(l >= 0 && l < k)) throw new RangeError(`${what}: expected labels in [0, ${k - 1}], got ${l} at index ${i}`);
      y[i * k + l] = 1;
    });
    return { y: { data: y, dims: [n, k] } };
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

  private noise(dims: readonly number[], eps?: Float32Array): Float32Array {
    const size = dims.reduce((a, b) => a * b, 1);
    if (eps === undefined) return this.rng.normalArray(size);
    if (!(eps instanceof Float32Array)) throw new TypeError(`eps: expected a Float32Array of ${dims.join(' × ')} values, got ${typeof eps}`);
    if (eps.length !== size) throw new RangeError(`eps: expected ${dims.join(' × ')} = ${size} values, got ${eps.length}`);
    checkFinite('eps', eps);
    return eps;
  }
}

/** One set of training buffers: all weights flat (graph layout), each slot flat, the globals. */
interface StateBuffers {
  params: Float32Array;
  slots: Float32Array[];
  globals: Float32Array[];
}

/** Leaves fed by data (in feed order): x, eps (variational), y (conditional), β (objective graphs). */
function dataLeaves(t: Trace): Tensor[] {
  return [t.x, ...(t.eps ? [t.eps] : []), ...(t.y ? [t.y] : []), ...(t.beta ? [t.beta] : [])];
}

function encoderOutputs(t: EncodeTrace) {
  return [
    { name: 'mean', tensor: t.mean },
    { name: 'logVar', tensor: t.logVar },
    { name: 'z', tensor: t.z },
  ];
}

function size(w: Weight): number {
  return w.kerasShape.reduce((a, b) => a * b, 1);
}

function metrics(r: Record<string, Float32Array>): StepMetrics {
  return { loss: r.loss[0], reconstruction: r.reconstruction[0], kl: r.kl[0] };
}

function checkFinite(what: string, a: Float32Array): void {
  // Every step checks its batch: v·0 is 0 for finite v and NaN for NaN and ±∞, and four
  // independent sums run ≈ 4× faster than calling Number.isFinite per value (0.06 vs 0.25 ms
  // for a 128×784 batch). Only a failing batch is scanned again for the first bad index.
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n4 = a.length - (a.length % 4);
  for (let i = 0; i < n4; i += 4) {
    s0 += a[i] * 0;
    s1 += a[i + 1] * 0;
    s2 += a[i + 2] * 0;
    s3 += a[i + 3] * 0;
  }
  for (let i = n4; i < a.length; i++) s0 += a[i] * 0;
  if (s0 + s1 + s2 + s3 === 0) return;
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i])) throw new RangeError(`${what}: expected finite numbers, got ${a[i]} at index ${i}`);
}

function checkConfig(c: VAEConfig): void {
  if (c === null || typeof c !== 'object') throw new TypeError(`VAE: expected a config object (a preset's, or configFromJSON's), got ${c === null ? 'null' : typeof c}`);
  if (!Array.isArray(c.inputShape) || c.inputShape.length !== 3 || !c.inputShape.every((d) => Number.isInteger(d) && d > 0))
    throw new RangeError(`VAE: inputShape must be [height, width, channels], got ${JSON.stringify(c.inputShape)}`);
  if (!Number.isInteger(c.latentDim) || c.latentDim < 1) throw new RangeError(`VAE: latentDim must be a positive integer, got ${c.latentDim}`);
}

export type { KerasShape, PresetName };
