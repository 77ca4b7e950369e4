/**
 * The variational autoencoder of the lecture, as a model over the engine:
 *
 *   features = encoder(x)                          (conditional: [features, y])
 *   q(z|x)   = N(z_mean(features), exp(z_log_var(features)))
 *   z        = μ + σ·ε,  ε ~ N(0, I)                (the reparameterization trick)
 *   x̂        = decoder(z)                           (conditional: decoder([z, y]))
 *   loss     = the objective: the ELBO, reconstruction + β·KL, or IWAE's bound (src/objectives/)
 *
 * The kinds are this one definition with a part left out or added: a plain autoencoder has no
 * z_log_var head, no noise and no KL term (z is its code); a conditional VAE joins the one-hot
 * label to the features and to z; a β-VAE feeds another β. The engine (src/engine/engine.ts)
 * turns the traced graphs into ONNX models and runs them; this file only traces and feeds.
 */
import { Engine, checkFinite, type NamedWeight, type TrainingState } from '../engine/engine.js';
import * as op from '../graph/ops.js';
import type { Shape } from '../graph/shape.js';
import { input, type Tensor } from '../graph/tensor.js';
import { Dense, layerFromSpec, Sequential, toNchw, toNhwc, type KerasShape, type Layer } from '../nn/layers.js';
import { makeObjective, type Objective } from '../objectives/index.js';
import { reparameterize, type StepMetrics } from '../objectives/objective.js';
import { makeOptimizer, type Optimizer } from '../optim/optimizers.js';
import { nodeRuntimeFor, type Device } from '../runtime/node.js';
import type { Runtime, Feed } from '../runtime/runtime.js';
import type { VAEConfig } from './config.js';
import { oneHot, type Encoding, type LatentModel } from './latent.js';
import { PRESETS, type PresetName } from './presets.js';

/** Options when creating a model. */
export interface CreateOptions {
  /** Seeds weight initialization and the noise drawn when `eps` is omitted (default 0). */
  seed?: number;
  /** Intra-op threads (default 2). */
  threads?: number;
  /** Where the graphs run (default onnxruntime-node on `device`). */
  runtime?: Runtime;
  /** onnxruntime-node's execution provider: 'cpu' (default) or 'webgpu'; give this or `runtime`, not both. */
  device?: Device;
  /** Turns on ONNX Runtime's per-node profiler; each session writes `<prefix>_<date>.json` on `dispose()`. */
  profilePrefix?: string;
}

/** The leaves a graph is fed, in feed order: x, eps, y, β. */
interface Leaves {
  x: Tensor; // (N, H, W, C) as fed
  eps: Tensor | null; // standard-normal noise; null for a plain autoencoder
  y: Tensor | null; // (N, K) one-hot labels of a conditional model
  beta: Tensor | null; // () weight of the KL term, in objective graphs
}

/** A variational autoencoder (or a plain or conditional one) trained and run by ONNX Runtime. */
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
  /** What training minimizes (the ELBO unless the config names another). */
  readonly objective: Objective;
  private readonly enc: Sequential;
  private readonly zMean: Dense;
  private readonly zLogVar: Dense | null;
  private readonly dec: Sequential;
  private readonly engine: Engine;

  /** Builds a model from a config; weights are initialized from `seed` as Keras would. */
  constructor(config: VAEConfig, opts: CreateOptions = {}) {
    if (opts.runtime && opts.device) throw new Error("VAE: give `runtime` or `device`, not both (a device picks onnxruntime-node's execution provider)");
    checkConfig(config);
    this.config = config;
    this.latentDim = config.latentDim;
    this.inputShape = config.inputShape;
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
    const outSize = out.reduce((a, b) => a * b, 1);
    if (outSize !== this.pixels)
      throw new RangeError(`VAE: decoder output [${out.join(',')}] has ${outSize} values, the input [${config.inputShape.join(',')}] has ${this.pixels}`);

    // Keras order: encoder, z_mean, z_log_var, decoder.
    const weights = [...this.enc.weights, ...this.zMean.weights, ...(this.zLogVar?.weights ?? []), ...this.dec.weights];
    this.engine = new Engine(weights, makeOptimizer(config.optimizer), { ...opts, runtime: opts.runtime ?? nodeRuntimeFor(opts.device ?? 'cpu') });
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

  // ---- the model, traced ---------------------------------------------------------------------

  /** Encoder leaves and heads: x [, y] → mean (N, L) and logVar (N, L), or null for a plain autoencoder. */
  private posterior() {
    const [h, w, c] = this.inputShape;
    const x = input('x', ['N', h, w, c]);
    const y = this.numClasses ? input('y', ['N', this.numClasses]) : null;
    let features = this.enc.call(toNchw(x)); // (N, F)
    if (y) features = op.concat([features, y], 1); // (N, F + K)
    const mean = this.zMean.call(features); // (N, L)
    const logVar = this.zLogVar ? this.zLogVar.call(features) : null; // (N, L)
    return { x, y, mean, logVar };
  }

  /** Decoder from z (M, L) [and one-hot y (M, K)] to images (M, H·W·C) in NHWC order. */
  private decodeTrace(z: Tensor, y: Tensor | null): Tensor {
    const out = toNhwc(this.dec.call(y ? op.concat([z, y], 1) : z));
    return op.reshape(out, ['N', this.pixels]);
  }

  /** x → mean, logVar and one sample z (a plain autoencoder: its code, zero log-variance). */
  private encodeGraph() {
    const { x, y, mean, logVar } = this.posterior();
    const lv = logVar ?? op.mul(mean, 0);
    const eps = logVar ? input('eps', ['N', this.latentDim]) : null;
    const z = logVar && eps ? reparameterize({ mean, logVar }, eps) : mean;
    const leaves: Leaves = { x, eps, y, beta: null };
    return {
      inputs: fedLeaves(leaves),
      outputs: [
        { name: 'mean', tensor: mean },
        { name: 'logVar', tensor: lv },
        { name: 'z', tensor: z },
      ],
    };
  }

  /** z [, y] → image. */
  private decodeGraph() {
    const z = input('z', ['N', this.latentDim]);
    const y = this.numClasses ? input('y', ['N', this.numClasses]) : null;
    return { inputs: y ? [z, y] : [z], outputs: [{ name: 'image', tensor: this.decodeTrace(z, y) }] };
  }

  /** The objective on x: its loss terms, with the noise shaped as the objective asks. */
  private lossGraph() {
    const { x, y, mean, logVar } = this.posterior();
    const beta = input('beta', []);
    const eps = logVar ? input('eps', this.noiseShape()) : null;
    const decode = (z: Tensor, samples = 1) => {
      const k = this.numClasses;
      // k samples per image (image-major rows): each label repeats k times.
      const ys = y && k && samples > 1 ? op.reshape(op.expand(op.reshape(y, ['N', 1, k]), ['N', samples, k]), ['N', k], samples) : y;
      return this.decodeTrace(z, ys);
    };
    const terms = this.objective.terms({
      x: op.reshape(x, ['N', this.pixels]),
      posterior: logVar ? { mean, logVar } : null,
      code: mean,
      decode,
      eps,
      loss: this.config.loss,
      beta,
    });
    return { inputs: fedLeaves({ x, eps, y, beta }), loss: terms.loss, metrics: { loss: terms.loss, reconstruction: terms.reconstruction, kl: terms.kl } };
  }

  // ---- training and evaluation ---------------------------------------------------------------

  /** One optimizer step on the batch x: forward, loss, backward and update, in one ONNX run. */
  async trainStep(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<StepMetrics> {
    return metrics(await this.engine.trainStep('train', () => this.lossGraph(), this.objectiveFeeds(x, eps, labels)));
  }

  /**
   * Optimizer steps on several batches in turn: the same updates and metrics as calling
   * {@link trainStep} on each, in order (noise drawn in the same order too), but on the CPU in
   * one run of the runtime, which pays the call and the hand-over of the new weights once (Keras'
   * `steps_per_execution`). Every batch must hold the same number of images.
   */
  async trainSteps(batches: ReadonlyArray<{ x: Float32Array; eps?: Float32Array; labels?: Int32Array }>): Promise<StepMetrics[]> {
    if (!Array.isArray(batches)) throw new TypeError(`trainSteps: expected an array of batches ({ x, eps?, labels? }), got ${typeof batches}`);
    const feeds = batches.map((b, i) => {
      if (b === null || typeof b !== 'object') throw new TypeError(`trainSteps: batch ${i + 1} must be an object { x, eps?, labels? }, got ${b === null ? 'null' : typeof b}`);
      return this.objectiveFeeds(b.x, b.eps, b.labels);
    });
    return (await this.engine.trainSteps('train', () => this.lossGraph(), feeds)).map(metrics);
  }

  /** The objective on a batch without touching the weights (e.g. test-set loss). */
  async evaluate(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<StepMetrics> {
    return metrics(await this.engine.evaluate('loss', () => this.lossGraph(), this.objectiveFeeds(x, eps, labels)));
  }

  /** Loss terms and dLoss/dWeight (Keras layout and order), without updating anything. */
  async lossAndGradients(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<StepMetrics & { gradients: NamedWeight[] }> {
    const r = await this.engine.gradients('grads', () => this.lossGraph(), this.objectiveFeeds(x, eps, labels));
    return { ...metrics(r.metrics), gradients: r.gradients };
  }

  // ---- the latent API ------------------------------------------------------------------------

  /**
   * Encodes N images (NHWC, [0,1]) to the posterior mean, log-variance and a sample z
   * (a plain autoencoder gives its code as mean and z, and zero log-variance).
   */
  async encode(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<Encoding> {
    const n = this.batchOf(x, 'x');
    const feeds: Record<string, Feed> = { x: { data: x, dims: [n, ...this.inputShape] }, ...this.labelFeeds(n, labels, 'labels') };
    if (this.variational) feeds.eps = this.noiseFeed(['N', this.latentDim], n, eps);
    const r = await this.engine.run('encode', () => this.encodeGraph(), feeds);
    return { mean: r.mean, logVar: r.logVar, z: r.z };
  }

  /** Decodes N latent vectors (N × latentDim) to N images, NHWC (conditional models: with N labels). */
  async decode(z: Float32Array, labels?: Int32Array): Promise<Float32Array> {
    if (!(z instanceof Float32Array)) throw new TypeError(`decode: z must be a Float32Array, got ${typeof z}`);
    if (z.length === 0 || z.length % this.latentDim !== 0) throw new RangeError(`decode: z must hold N × ${this.latentDim} values, got ${z.length}`);
    checkFinite('decode: z', z);
    const n = z.length / this.latentDim;
    const feeds: Record<string, Feed> = { z: { data: z, dims: [n, this.latentDim] }, ...this.labelFeeds(n, labels, 'decode: labels') };
    return (await this.engine.run('decode', () => this.decodeGraph(), feeds)).image;
  }

  /**
   * The encoder as a standalone ONNX model with the current weights baked in as initializers:
   * inputs `x` (N, H, W, C) and `eps` (N, latentDim); outputs `mean`, `logVar`, `z`. It runs in
   * any ONNX runtime (opset 17) without vaekit.
   */
  exportEncoder(): Uint8Array {
    this.engine.assertLive('VAE.exportEncoder');
    return this.engine.export(this.encodeGraph(), 'vaekit_encoder', this.exportMetadata());
  }

  /**
   * The decoder as a standalone ONNX model with the current weights baked in: input `z`
   * (N, latentDim), output `image` (N, H·W·C) in NHWC order.
   */
  exportDecoder(): Uint8Array {
    this.engine.assertLive('VAE.exportDecoder');
    return this.engine.export(this.decodeGraph(), 'vaekit_decoder', this.exportMetadata());
  }

  // ---- state (the engine's) ------------------------------------------------------------------

  /** Number of trainable values. */
  get parameterCount(): number {
    return this.engine.parameterCount;
  }

  /** Training steps taken so far. */
  get iterations(): number {
    return this.engine.iterations;
  }

  /** The optimizer's in-graph update rule. */
  get optimizer(): Optimizer {
    return this.engine.optimizer;
  }

  /** Standard normals the objective draws per image (L for the ELBO, k·L for IWAE, 0 for a plain autoencoder). */
  get noisePerImage(): number {
    return this.variational ? this.noiseShape().reduce<number>((a, d) => (d === 'N' ? a : a * d), 1) : 0;
  }

  /** The weights in Keras layout and order (copies). */
  getWeights(): NamedWeight[] {
    return this.engine.getWeights();
  }

  /** Replaces the weights (Keras layout and order, as from `getWeights` or Keras' `get_weights`). */
  setWeights(ws: readonly NamedWeight[]): void {
    this.engine.setWeights(ws);
  }

  /** Optimizer state, step counter and noise generator state (copies), for checkpoints. */
  getTrainingState(): TrainingState {
    return this.engine.getTrainingState();
  }

  /** Restores what {@link getTrainingState} returned (after `setWeights`, to resume training). */
  setTrainingState(state: TrainingState): void {
    this.engine.setTrainingState(state);
  }

  /** Releases the native sessions; the model refuses work afterwards. */
  dispose(): Promise<void> {
    return this.engine.dispose();
  }

  // ---- feeds ---------------------------------------------------------------------------------

  private get pixels(): number {
    return this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
  }

  /** Shape of the noise one objective step draws ('N': the batch). */
  private noiseShape(): Shape {
    return this.objective.noise(this.latentDim);
  }

  private exportMetadata(): Record<string, string> {
    return { producer: 'vaekit', inputShape: JSON.stringify(this.inputShape), latentDim: String(this.latentDim) };
  }

  /** Feeds of an objective graph: x, eps (variational), y (conditional), β. */
  private objectiveFeeds(x: Float32Array, eps: Float32Array | undefined, labels: Int32Array | undefined): Record<string, Feed> {
    const n = this.batchOf(x, 'x');
    const f: Record<string, Feed> = {
      x: { data: x, dims: [n, ...this.inputShape] },
      ...this.labelFeeds(n, labels, 'labels'),
      beta: { data: Float32Array.of(this.beta), dims: [] },
    };
    if (this.variational) f.eps = this.noiseFeed(this.noiseShape(), n, eps);
    return f;
  }

  /** The one-hot y feed of a conditional model (none otherwise). */
  private labelFeeds(n: number, labels: Int32Array | undefined, what: string): Record<string, Feed> {
    const y = oneHot(labels, n, this.numClasses, what);
    return y ? { y: { data: y, dims: [n, this.numClasses!] } } : {};
  }

  /** The given noise, checked against its shape, or fresh draws from the engine's generator. */
  private noiseFeed(shape: Shape, n: number, eps?: Float32Array): Feed {
    const dims = shape.map((d) => (d === 'N' ? n : d));
    const size = dims.reduce((a, b) => a * b, 1);
    if (eps === undefined) return { data: this.engine.rng.normalArray(size), dims };
    if (!(eps instanceof Float32Array)) throw new TypeError(`eps: expected a Float32Array of ${dims.join(' × ')} values, got ${typeof eps}`);
    if (eps.length !== size) throw new RangeError(`eps: expected ${dims.join(' × ')} = ${size} values, got ${eps.length}`);
    checkFinite('eps', eps);
    return { data: eps, dims };
  }

  /** Validates a batch of images and returns N. */
  private batchOf(x: Float32Array, what: string): number {
    const per = this.pixels;
    if (!(x instanceof Float32Array)) throw new TypeError(`${what}: expected a Float32Array of N × ${this.inputShape.join('×')} images, got ${x === null ? 'null' : typeof x}`);
    if (x.length === 0 || x.length % per !== 0) throw new RangeError(`${what}: expected N × ${per} values (N images of ${this.inputShape.join('×')}), got ${x.length}`);
    checkFinite(what, x);
    return x.length / per;
  }
}

/** Leaves fed by data, in feed order: x, eps (variational), y (conditional), β (objective graphs). */
function fedLeaves(t: Leaves): Tensor[] {
  return [t.x, ...(t.eps ? [t.eps] : []), ...(t.y ? [t.y] : []), ...(t.beta ? [t.beta] : [])];
}

function metrics(r: Record<string, number>): StepMetrics {
  return { loss: r.loss, reconstruction: r.reconstruction, kl: r.kl };
}

function checkConfig(c: VAEConfig): void {
  if (c === null || typeof c !== 'object') throw new TypeError(`VAE: expected a config object (a preset's, or configFromJSON's), got ${c === null ? 'null' : typeof c}`);
  if (!Array.isArray(c.inputShape) || c.inputShape.length !== 3 || !c.inputShape.every((d) => Number.isInteger(d) && d > 0))
    throw new RangeError(`VAE: inputShape must be [height, width, channels], got ${JSON.stringify(c.inputShape)}`);
  if (!Number.isInteger(c.latentDim) || c.latentDim < 1) throw new RangeError(`VAE: latentDim must be a positive integer, got ${c.latentDim}`);
}

export type { KerasShape, Layer, PresetName, VAEConfig, NamedWeight, TrainingState, StepMetrics, Encoding, LatentModel };
