/**
 * The one interface every runtime implements: load ONNX model bytes, run them on float32
 * feeds. The engine and the latent-space tools see only this, so onnxruntime-node
 * (`runtime/node.ts`) and onnxruntime-web (the browser) plug in behind the same calls.
 */

/** A float32 tensor as plain data: values (row-major) and dimensions. */
export interface Feed {
  data: Float32Array;
  dims: readonly number[];
}

/** Options for a compiled model. */
export interface CompileOptions {
  /** Intra-op threads (default 2: the dev machine's cores; more only adds contention). */
  threads?: number;
  /** When set, the runtime writes a per-node profile JSON with this file prefix (Node only). */
  profilePrefix?: string;
}

/** A model loaded into a runtime. */
export interface Compiled {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the model. Every output comes back as a new array that the caller keeps: the runtime
   * never writes into it again. (No pre-allocated outputs: onnxruntime-node 1.30 copies every
   * output into a new ArrayBuffer anyway, and pre-allocated ones cost a dense training step up
   * to ≈ 1,200 extra page faults; docs/PERFORMANCE.md, "Second pass".)
   */
  run(feeds: Readonly<Record<string, Feed>>): Promise<Record<string, Float32Array>>;
  /** Ends profiling (if on); the runtime writes `<profilePrefix>_<date>.json`. */
  endProfiling(): void;
  release(): Promise<void>;
}

/** A runtime: where compiled models run. */
export interface Runtime {
  /** Short name shown to users, e.g. 'onnxruntime-node (cpu)' or 'onnxruntime-web (wasm)'. */
  readonly name: string;
  /**
   * Outputs one node may write, where the backend limits it (unset: no limit). WebGPU binds every
   * input and output of a shader as a storage buffer and guarantees only 8 per stage, so ORT's
   * WebGPU Split of a model's packed parameters fails beyond 7 outputs; graphs made for such a
   * runtime split in a tree instead.
   */
  readonly maxNodeOutputs?: number;
  /**
   * Whether graphs may loop with ONNX `Scan` here: the engine then runs several training steps in
   * one call (`Engine.trainSteps`), paying the call and the copy of the new weights once for all
   * of them. Unset: one call per step (a GPU backend would run the loop on the CPU and move the
   * weights to and fro every step).
   */
  readonly scan?: boolean;
  /**
   * The CPU's NCHWc block size (8 floats with AVX2, 16 with AVX-512), where ONNX Runtime's blocked
   * convolution kernels (domain com.microsoft.nchwc) run here: graphs whose weights are fed then
   * lower their convolutions onto them. Resolves to undefined where they do not (unset: never).
   */
  nchwcBlock?(): Promise<number | undefined>;
  /** Loads ONNX model bytes. */
  compile(bytes: Uint8Array, opts?: CompileOptions): Promise<Compiled>;
}
