/**
 * The browser runtime: onnxruntime-web behind the one {@link Runtime} interface, so the page
 * trains and decodes through the same engine calls as Node. Two backends:
 * - `wasm`: ORT's CPU kernels compiled to WebAssembly with SIMD, on 1 thread or, where the page
 *   is cross-origin isolated (the vaekit server sends the COOP/COEP headers), on several;
 * - `webgpu`: ORT's WebGPU execution provider, where the browser offers an adapter. Nodes it
 *   has no kernel for run on the wasm CPU kernels (ORT assigns them node by node).
 * Each backend's build of ORT is imported on first use only, so a wasm page never loads the
 * WebGPU build (and its larger wasm file). The module imports nothing Node-only: it also runs
 * in Node, where the tests check it against onnxruntime-node.
 *
 * ORT's wasm module runs one inference at a time, whatever the session (two runs in flight at
 * once corrupt each other's tensors in the page): every `run` and `release` waits for the
 * previous one through one queue, so callers may fire calls without awaiting each other.
 */
import type * as Ort from 'onnxruntime-web';
import type { Compiled, CompileOptions, Feed, Runtime } from './runtime.js';
import { cpuOnlyOnWebGpu, WEBGPU_MAX_NODE_OUTPUTS } from './webgpu-nodes.js';

export type { Compiled, CompileOptions, Feed, Runtime };

/** Where the page's models run. */
export type WebBackend = 'wasm' | 'webgpu';

/** Options of {@link webRuntime}. */
export interface WebRuntimeOptions {
  /**
   * Where ORT's wasm files are served from (a URL prefix ending in '/'). The explorer serves them
   * at /ort/ so the page needs no CDN and no network; unset, ORT finds them next to its script.
   */
  wasmPaths?: string;
  /** Default 'wasm'. */
  backend?: WebBackend;
  /**
   * wasm threads (default 1). More than 1 needs a cross-origin isolated page
   * (`crossOriginIsolated`); ORT falls back to 1 thread otherwise.
   */
  threads?: number;
}

type OrtModule = typeof Ort;

// One ORT module per backend, imported once; ORT's `env` is global to its module and must be set
// before its first session.
const modules = new Map<WebBackend, Promise<OrtModule>>();

function ortFor(backend: WebBackend, opts: WebRuntimeOptions): Promise<OrtModule> {
  let m = modules.get(backend);
  if (!m) {
    m = (backend === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm')).then((ort: OrtModule) => {
      if (opts.wasmPaths !== undefined) ort.env.wasm.wasmPaths = opts.wasmPaths;
      ort.env.wasm.numThreads = Math.max(1, Math.floor(opts.threads ?? 1));
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error'; // ORT's warnings (node placement) would read as errors in the console
      return ort;
    });
    modules.set(backend, m);
  }
  return m;
}

// Sessions are created one after the other: ORT initializes its wasm module on the first
// `create`, and two concurrent first calls would both try.
let creating: Promise<unknown> = Promise.resolve();

/**
 * onnxruntime-web as a {@link Runtime}. The backend and thread count are fixed for the page's
 * lifetime by the first runtime made (ORT's wasm module starts once); `CompileOptions.threads`
 * and `profilePrefix` do not apply in the browser and are ignored.
 */
export function webRuntime(opts: WebRuntimeOptions = {}): Runtime {
  const backend = opts.backend ?? 'wasm';
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  return {
    name: backend === 'webgpu' ? 'onnxruntime-web (webgpu)' : `onnxruntime-web (wasm, ${threads} thread${threads > 1 ? 's' : ''})`,
    ...(backend === 'webgpu' ? { maxNodeOutputs: WEBGPU_MAX_NODE_OUTPUTS } : {}),
    async compile(bytes: Uint8Array): Promise<Compiled> {
      const ort = await ortFor(backend, opts);
      // WebGPU: nodes its kernels accept but cannot run (MaxPool's indices) stay on the CPU.
      const cpu = backend === 'webgpu' ? cpuOnlyOnWebGpu(bytes) : [];
      const provider = cpu.length ? ({ name: 'webgpu', forceCpuNodeNames: cpu } as Ort.InferenceSession.ExecutionProviderConfig) : backend;
      const options: Ort.InferenceSession.SessionOptions = { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
      const next = creating.then(() => ort.InferenceSession.create(bytes, options));
      creating = next.catch(() => undefined);
      return wrap(ort, await next);
    },
  };
}

/** What {@link chooseBackend} picked and why, as the page shows it. */
export interface BackendChoice {
  backend: WebBackend;
  /** wasm threads (1 for WebGPU's CPU fallback kernels too, unless isolated). */
  threads: number;
  /** One line for the page, e.g. 'WebGPU (NVIDIA …)' or 'wasm, 1 thread: the page is not cross-origin isolated'. */
  reason: string;
}

/**
 * Picks the page's backend: WebGPU when the browser offers an adapter, else wasm, on as many
 * threads as the page may use (cross-origin isolation) up to 4. `prefer` overrides the choice
 * (e.g. `?backend=wasm` in the page's URL); asking for WebGPU without an adapter falls back to
 * wasm and says so.
 */
export async function chooseBackend(prefer?: WebBackend): Promise<BackendChoice> {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number; gpu?: { requestAdapter(): Promise<unknown> } } };
  const isolated = g.crossOriginIsolated === true;
  const threads = isolated ? Math.max(1, Math.min(4, g.navigator?.hardwareConcurrency ?? 1)) : 1;
  const wasm = (why: string): BackendChoice => ({
    backend: 'wasm',
    threads,
    reason: `wasm, ${threads} thread${threads > 1 ? 's' : ''}${isolated ? '' : ' (the page is not cross-origin isolated)'}${why}`,
  });
  if (prefer === 'wasm') return wasm('');
  let adapter: unknown = null;
  try {
    adapter = (await g.navigator?.gpu?.requestAdapter()) ?? null;
  } catch {
    adapter = null;
  }
  if (adapter) return { backend: 'webgpu', threads, reason: 'WebGPU' };
  return wasm(prefer === 'webgpu' ? ': WebGPU was asked for, but this browser offers no WebGPU adapter' : '');
}

let queue: Promise<unknown> = Promise.resolve();
function enqueue<T>(job: () => Promise<T>): Promise<T> {
  const p = queue.then(job);
  queue = p.catch(() => undefined);
  return p;
}

function wrap(ort: OrtModule, session: Ort.InferenceSession): Compiled {
  const tensor = (f: Feed) => new ort.Tensor('float32', f.data, f.dims as number[]);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (feeds) =>
      enqueue(async () => {
        const ortFeeds: Record<string, Ort.Tensor> = {};
        for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = tensor(f);
        const out = await session.run(ortFeeds);
        const result: Record<string, Float32Array> = {};
        for (const name of session.outputNames) result[name] = out[name].data as Float32Array;
        return result;
      }),
    endProfiling() {},
    release: () => enqueue(() => session.release()),
  };
}
