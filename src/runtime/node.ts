/**
 * The native runtime: onnxruntime-node behind one small interface. Everything that runs a
 * model goes through `compile`, so the engine never touches ORT types directly.
 */
import ort from 'onnxruntime-node';
import type { Compiled, CompileOptions, Feed, Runtime } from './runtime.js';

export type { Compiled, CompileOptions, Feed, Runtime };

/** Loads ONNX model bytes into onnxruntime-node. */
export async function compile(bytes: Uint8Array, opts: CompileOptions = {}): Promise<Compiled> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: opts.threads ?? 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableProfiling: opts.profilePrefix !== undefined,
    profileFilePrefix: opts.profilePrefix,
  });
  const tensor = (f: Feed) => new ort.Tensor('float32', f.data, f.dims as number[]);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, into) {
      const ortFeeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = tensor(f);
      const fetches: Record<string, InstanceType<typeof ort.Tensor> | null> = {};
      for (const name of session.outputNames) fetches[name] = into?.[name] ? tensor(into[name]) : null;
      const out = await session.run(ortFeeds, fetches);
      const result: Record<string, Float32Array> = {};
      for (const name of session.outputNames) result[name] = into?.[name]?.data ?? (out[name].data as Float32Array);
      return result;
    },
    endProfiling() {
      if (opts.profilePrefix !== undefined) session.endProfiling();
    },
    release: () => session.release(),
  };
}

/** onnxruntime-node's CPU execution provider, as a {@link Runtime}. */
export const nodeRuntime: Runtime = { name: 'onnxruntime-node (cpu)', compile };
