/**
 * The run's two ONNX halves in the browser, with onnxruntime-web's plain wasm backend on one
 * thread (no cross-origin isolation needed). Its runtime files come from the vaekit server at
 * /ort/, never from a CDN, so the page works with no network at all.
 *
 * ORT runs one inference at a time per session, so every call goes through a queue.
 */
import * as ort from 'onnxruntime-web/wasm';
import type { ExplorerData } from '../../src/serve/data.js';

/** What the page knows about the run (manifest.json, narrowed to what it uses). */
export interface RunManifest {
  preset: string | null;
  inputShape: [number, number, number];
  latentDim: number;
  numClasses: number | null;
  variational: boolean;
  labelNames: string[] | null;
  dataset: { name: string } | null;
  training?: { epochsDone?: number };
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url, { cache: 'no-cache' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

/** The loaded run: decode latent vectors and encode images, one ORT call at a time. */
export class Model {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly manifest: RunManifest,
    readonly data: ExplorerData,
    private readonly decoder: ort.InferenceSession,
    private readonly encoder: ort.InferenceSession,
  ) {}

  /** Fetches the run's files from the server and starts both sessions. */
  static async load(base = './'): Promise<Model> {
    ort.env.wasm.wasmPaths = new URL('ort/', new URL(base, location.href)).href;
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    const [manifest, data, dec, enc] = await Promise.all([
      fetchOk(`${base}run/manifest.json`).then((r) => r.json() as Promise<RunManifest>),
      fetchOk(`${base}run/explorer.json`).then((r) => r.json() as Promise<ExplorerData>),
      fetchOk(`${base}run/decoder.onnx`).then((r) => r.arrayBuffer()),
      fetchOk(`${base}run/encoder.onnx`).then((r) => r.arrayBuffer()),
    ]);
    const options: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
    // Sessions are created one after the other: the wasm module initializes once.
    const decoder = await ort.InferenceSession.create(new Uint8Array(dec), options);
    const encoder = await ort.InferenceSession.create(new Uint8Array(enc), options);
    return new Model(manifest, data, decoder, encoder);
  }

  get latentDim(): number {
    return this.manifest.latentDim;
  }

  get shape(): [number, number, number] {
    return this.manifest.inputShape;
  }

  /** Values per image, H·W·C. */
  get pixels(): number {
    const [h, w, c] = this.manifest.inputShape;
    return h * w * c;
  }

  get numClasses(): number {
    return this.manifest.numClasses ?? 0;
  }

  /** Decodes n latent vectors (n × latentDim) into n images (NHWC); `labels`: one class for all or one per vector (conditional models). */
  decode(z: Float32Array, labels?: number | ArrayLike<number>): Promise<Float32Array> {
    const L = this.latentDim;
    const n = z.length / L;
    return this.enqueue(async () => {
      const feeds: Record<string, ort.Tensor> = { z: new ort.Tensor('float32', z, [n, L]) };
      if (this.decoder.inputNames.includes('y')) feeds.y = this.oneHot(n, labels);
      const out = await this.decoder.run(feeds);
      const image = out.image ?? out[this.decoder.outputNames[0]];
      return image.data as Float32Array;
    });
  }

  /** Encoder means of n images (NHWC, n × H·W·C values in [0, 1]), n × latentDim. */
  encode(x: Float32Array, labels?: number | ArrayLike<number>): Promise<Float32Array> {
    const [h, w, c] = this.shape;
    const n = x.length / this.pixels;
    return this.enqueue(async () => {
      const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [n, h, w, c]) };
      const names = this.encoder.inputNames;
      if (names.includes('eps')) feeds.eps = new ort.Tensor('float32', new Float32Array(n * this.latentDim), [n, this.latentDim]);
      if (names.includes('y')) feeds.y = this.oneHot(n, labels);
      const out = await this.encoder.run(feeds);
      return out.mean.data as Float32Array;
    });
  }

  private oneHot(n: number, labels: number | ArrayLike<number> | undefined): ort.Tensor {
    const K = this.numClasses;
    const y = new Float32Array(n * K);
    for (let i = 0; i < n; i++) {
      const c = typeof labels === 'number' ? labels : (labels?.[i] ?? 0);
      y[i * K + Math.min(K - 1, Math.max(0, c))] = 1;
    }
    return new ort.Tensor('float32', y, [n, K]);
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const p = this.queue.then(job);
    this.queue = p.catch(() => undefined);
    return p;
  }
}
