/**
 * A run's two exported ONNX halves (encoder.onnx, decoder.onnx) as a {@link LatentModel} on any
 * {@link Runtime}: onnxruntime-node in Node, onnxruntime-web in the explorer page. The latent
 * tools (samplePrior, interpolate, morph, manifold, classMeans …) therefore work on an exported
 * model exactly as on a VAE being trained.
 *
 * The exported encoder takes x (N, H, W, C), eps (N, L) only when variational and y (N, K)
 * one-hot only when conditional, and gives mean, logVar and z; the decoder takes z [, y] and
 * gives image (N, H·W·C). Inputs are checked as the VAE checks them: labels exactly when the
 * model is conditional, one per image, each a class in [0, K).
 */
import type { Compiled, Feed, Runtime } from '../runtime/runtime.js';
import { oneHot, type Encoding, type LatentModel } from './latent.js';

/** What a run's manifest says about its exported model. */
export interface ExportedModelInfo {
  /** Keras shape of one image, [H, W, C]. */
  inputShape: readonly [number, number, number];
  latentDim: number;
  /** Classes of a conditional model, else null. */
  numClasses: number | null;
  /** false for a plain autoencoder (its encoder takes no eps, and its z is its mean). */
  variational: boolean;
}

/** A {@link LatentModel} over an exported encoder.onnx and decoder.onnx. */
export class OnnxLatentModel implements LatentModel {
  readonly inputShape: readonly [number, number, number];
  readonly latentDim: number;
  readonly numClasses: number | null;
  readonly variational: boolean;
  private released = false;

  private constructor(
    info: ExportedModelInfo,
    private readonly encoder: Compiled,
    private readonly decoder: Compiled,
  ) {
    this.inputShape = [info.inputShape[0], info.inputShape[1], info.inputShape[2]];
    this.latentDim = info.latentDim;
    this.numClasses = info.numClasses;
    this.variational = info.variational;
  }

  /**
   * Compiles the two halves on `runtime` (encoder first, then decoder: a runtime may initialize
   * itself on its first model) and checks that their inputs match `info`.
   */
  static async load(runtime: Runtime, encoderBytes: Uint8Array, decoderBytes: Uint8Array, info: ExportedModelInfo): Promise<OnnxLatentModel> {
    checkInfo(info);
    const encoder = await runtime.compile(encoderBytes);
    const decoder = await runtime.compile(decoderBytes);
    const conditional = info.numClasses !== null;
    const expectEnc = ['x', ...(info.variational ? ['eps'] : []), ...(conditional ? ['y'] : [])];
    const expectDec = ['z', ...(conditional ? ['y'] : [])];
    const same = (a: readonly string[], b: readonly string[]) => [...a].sort().join(',') === [...b].sort().join(',');
    if (!same(encoder.inputNames, expectEnc) || !same(decoder.inputNames, expectDec)) {
      await Promise.all([encoder.release(), decoder.release()]);
      throw new RangeError(
        `OnnxLatentModel.load: info: a ${info.variational ? '' : 'non-'}variational, ${conditional ? 'conditional' : 'unconditional'} model's encoder takes (${expectEnc.join(', ')}) and decoder (${expectDec.join(', ')}); these take (${encoder.inputNames.join(', ')}) and (${decoder.inputNames.join(', ')})`,
      );
    }
    return new OnnxLatentModel(info, encoder, decoder);
  }

  /** Values per image, H·W·C. */
  get pixels(): number {
    return this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
  }

  /**
   * Encodes N images (NHWC, N × H·W·C values). `eps` (N × latentDim) is the reparameterization
   * noise, zeros when omitted (so z is the mean); `labels` (N classes) exactly when conditional.
   */
  async encode(x: Float32Array, eps?: Float32Array, labels?: Int32Array): Promise<Encoding> {
    this.checkLive('encode');
    const per = this.pixels;
    if (!(x instanceof Float32Array)) throw new TypeError(`encode: x: expected a Float32Array of N × ${per} values, got ${show(x)}`);
    if (x.length === 0 || x.length % per !== 0) throw new RangeError(`encode: x: expected N × ${this.inputShape.join('×')} = N × ${per} values (N ≥ 1), got ${x.length}`);
    const n = x.length / per;
    const L = this.latentDim;
    const feeds: Record<string, Feed> = { x: { data: x, dims: [n, ...this.inputShape] }, ...this.labelFeeds(n, labels, 'encode: labels') };
    if (eps !== undefined) {
      if (!(eps instanceof Float32Array)) throw new TypeError(`encode: eps: expected a Float32Array of ${n * L} values, got ${show(eps)}`);
      if (eps.length !== n * L) throw new RangeError(`encode: eps: expected ${n} × ${L} = ${n * L} values, got ${eps.length}`);
    }
    if (this.variational) feeds.eps = { data: eps ?? new Float32Array(n * L), dims: [n, L] };
    const out = await this.encoder.run(feeds);
    return { mean: out.mean, logVar: out.logVar, z: out.z };
  }

  /** Decodes N latent vectors (N × latentDim) into N images (N × H·W·C, NHWC); `labels` exactly when conditional. */
  async decode(z: Float32Array, labels?: Int32Array): Promise<Float32Array> {
    this.checkLive('decode');
    const L = this.latentDim;
    if (!(z instanceof Float32Array)) throw new TypeError(`decode: z: expected a Float32Array of N × ${L} values, got ${show(z)}`);
    if (z.length === 0 || z.length % L !== 0) throw new RangeError(`decode: z: expected N × ${L} values (N ≥ 1), got ${z.length}`);
    const n = z.length / L;
    const feeds: Record<string, Feed> = { z: { data: z, dims: [n, L] }, ...this.labelFeeds(n, labels, 'decode: labels') };
    return (await this.decoder.run(feeds)).image;
  }

  /** Releases both sessions; the model refuses work afterwards. */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }

  private checkLive(what: string): void {
    if (this.released) throw new Error(`${what}: this model was disposed`);
  }

  /** The one-hot y feed of a conditional model (none otherwise). */
  private labelFeeds(n: number, labels: Int32Array | undefined, what: string): Record<string, Feed> {
    const y = oneHot(labels, n, this.numClasses, what);
    return y ? { y: { data: y, dims: [n, this.numClasses!] } } : {};
  }
}

function checkInfo(info: ExportedModelInfo): void {
  const s = info?.inputShape;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0))
    throw new RangeError(`OnnxLatentModel.load: info.inputShape: expected [H, W, C] of positive integers, got ${show(s)}`);
  if (!Number.isInteger(info.latentDim) || info.latentDim < 1) throw new RangeError(`OnnxLatentModel.load: info.latentDim: expected an integer ≥ 1, got ${show(info.latentDim)}`);
  if (info.numClasses !== null && !(Number.isInteger(info.numClasses) && info.numClasses >= 1))
    throw new RangeError(`OnnxLatentModel.load: info.numClasses: expected null or an integer ≥ 1, got ${show(info.numClasses)}`);
  if (typeof info.variational !== 'boolean') throw new TypeError(`OnnxLatentModel.load: info.variational: expected a boolean, got ${show(info.variational)}`);
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}
