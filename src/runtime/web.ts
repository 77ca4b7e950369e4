/**
 * The browser runtime: onnxruntime-web's plain wasm backend behind the one {@link Runtime}
 * interface, so the explorer page runs exported models through the same calls as the engine in
 * Node. It imports nothing Node-only (it also runs in Node, where the tests check it against
 * onnxruntime-node).
 *
 * ORT runs one inference at a time per session: every `run` of a compiled model waits for the
 * previous one through a queue, so callers may fire calls without awaiting each other.
 */
import * as ort from 'onnxruntime-web/wasm';
import type { Compiled, CompileOptions, Feed, Runtime } from './runtime.js';

export type { Compiled, CompileOptions, Feed, Runtime };

/** Options of {@link webRuntime}. */
export interface WebRuntimeOptions {
  /**
   * Where ORT's wasm files are served from (a URL prefix ending in '/'). The explorer serves them
   * at /ort/ so the page needs no CDN and no network; unset, ORT finds them next to its script
   * (or embedded, in the bundled build).
   */
  wasmPaths?: string;
}

// Sessions are created one after the other: ORT initializes its wasm module on the first
// `create`, and two concurrent first calls would both try.
let creating: Promise<unknown> = Promise.resolve();

/**
 * onnxruntime-web (wasm, one thread: no cross-origin isolation needed, and the wasm module is
 * shared by every session) as a {@link Runtime}. `CompileOptions.threads` and `profilePrefix`
 * do not apply in the browser and are ignored.
 */
export function webRuntime(opts: WebRuntimeOptions = {}): Runtime {
  if (opts.wasmPaths !== undefined) ort.env.wasm.wasmPaths = opts.wasmPaths;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  return {
    name: 'onnxruntime-web (wasm)',
    async compile(bytes: Uint8Array): Promise<Compiled> {
      const options: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
      const next = creating.then(() => ort.InferenceSession.create(bytes, options));
      creating = next.catch(() => undefined);
      return wrap(await next);
    },
  };
}

function wrap(session: ort.InferenceSession): Compiled {
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    const p = queue.then(job);
    queue = p.catch(() => undefined);
    return p;
  };
  const tensor = (f: Feed) => new ort.Tensor('float32', f.data, f.dims as number[]);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (feeds, into) =>
      enqueue(async () => {
        const ortFeeds: Record<string, ort.Tensor> = {};
        for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = tensor(f);
        const out = await session.run(ortFeeds);
        const result: Record<string, Float32Array> = {};
        for (const name of session.outputNames) {
          const data = out[name].data as Float32Array;
          // The wasm backend cannot write into caller buffers (pre-allocated outputs are a
          // native-runtime feature), so `into` is honoured by copying.
          const target = into?.[name]?.data;
          if (target) target.set(data);
          result[name] = target ?? data;
        }
        return result;
      }),
    endProfiling() {},
    release: () => enqueue(() => session.release()),
  };
}
