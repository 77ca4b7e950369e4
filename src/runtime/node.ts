/**
 * The native runtime: onnxruntime-node behind one small interface. Everything that runs a
 * model goes through `compile`, so the engine never touches ORT types directly.
 */
import ort from 'onnxruntime-node';

/** A float32 tensor as plain data: values (row-major) and dimensions. */
export interface Feed {
  data: Float32Array;
  dims: readonly number[];
}

/** Options for a compiled model. */
export interface CompileOptions {
  /** Intra-op threads (default 2: the dev machine's cores; more only adds contention). */
  threads?: number;
  /** When set, ORT writes a per-node profile JSON with this file prefix. */
  profilePrefix?: string;
}

/** A model loaded into the runtime. */
export interface Compiled {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the model. Outputs named in `into` are written into those buffers (no allocation);
   * the others come back as new arrays.
   */
  run(feeds: Readonly<Record<string, Feed>>, into?: Readonly<Record<string, Feed>>): Promise<Record<string, Float32Array>>;
  /** Ends profiling (if on); ORT writes `<profilePrefix>_<date>.json`. */
  endProfiling(): void;
  release(): Promise<void>;
}

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
