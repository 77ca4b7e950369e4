/**
 * Training-step graphs as plain ONNX with one real set of feeds: the Engine builds its step
 * graph privately (`trainGraph`), so we catch it on its way into the runtime — a recording
 * {@link Runtime} wraps onnxruntime-node, the VAE trains a few real MNIST batches through it, and
 * the graph bytes, the feeds of the last step and onnxruntime-node's outputs of that step are
 * kept. Those outputs are the CPU reference the page's backends are checked against.
 *
 * Node only (the bench's and tests' side); the page receives the result as bytes over HTTP (see server.ts).
 */
import { loadMnist, VAE, type PresetName } from '../../src/index.js';
import { nodeRuntime } from '../../src/runtime/node.js';
import type { Compiled, Feed, Runtime } from '../../src/runtime/runtime.js';

/** The four seed presets the page bench and the WebGPU test run. */
export const STEP_PRESETS: readonly PresetName[] = ['lecture-conv', 'keras-conv2d', 'geron-dense', 'medium-dense'];

/** One preset's training step, ready to run anywhere ONNX runs. */
export interface StepCase {
  preset: PresetName;
  /** Where the server serves it (default: the preset's name); for variants of a preset's graph. */
  id?: string;
  /** The ONNX model (graph name `vaekit_train_step`). */
  graph: Uint8Array;
  /** The feeds of one step (x, eps, t, params, optimizer slots and globals), copied. */
  feeds: Record<string, Feed>;
  /** onnxruntime-node's (CPU EP) outputs for exactly those feeds, copied. */
  reference: Record<string, Float32Array>;
  /** Output names in the session's order. */
  outputNames: string[];
}

const copyFeed = (f: Feed): Feed => ({ data: f.data.slice(), dims: [...f.dims] });

/**
 * Records the step graph of `preset` by training `steps` real MNIST batches (batch 128, seed 1)
 * through onnxruntime-node; the last step's feeds and outputs are kept (after a couple of steps
 * the optimizer's slots are non-zero, so the update rule is exercised, not just its first step).
 */
export async function recordStep(preset: PresetName, steps = 3, batch = 128): Promise<StepCase> {
  let graph: Uint8Array | undefined;
  let last: { feeds: Record<string, Feed>; reference: Record<string, Float32Array>; outputNames: string[] } | undefined;
  const recording: Runtime = {
    name: 'recording onnxruntime-node (cpu)',
    async compile(bytes, opts) {
      const inner: Compiled = await nodeRuntime.compile(bytes, opts);
      const isStep = inner.outputNames.some((n) => n.startsWith('new:params/'));
      if (isStep) graph = bytes.slice();
      return {
        inputNames: inner.inputNames,
        outputNames: inner.outputNames,
        async run(feeds) {
          // Copies: the engine may change its state buffers after the run (setWeights).
          const kept = isStep ? Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, copyFeed(f)])) : undefined;
          const out = await inner.run(feeds);
          if (kept) last = { feeds: kept, reference: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.slice()])), outputNames: [...inner.outputNames] };
          return out;
        },
        endProfiling: () => inner.endProfiling(),
        release: () => inner.release(),
      };
    },
  };
  const vae = VAE.fromPreset(preset, { seed: 1, runtime: recording });
  const x = loadMnist('train', { limit: steps * batch }).images;
  for (let s = 0; s < steps; s++) await vae.trainStep(x.subarray(s * batch * 784, (s + 1) * batch * 784));
  await vae.dispose();
  if (!graph || !last) throw new Error(`recordStep: ${preset}: no training-step graph went through the runtime`);
  return { preset, graph, ...last };
}

/**
 * A step case as one binary blob for the page: a little-endian u32 header length, a JSON header
 * ({ feeds: [{ name, dims, offset, length }] } with offsets in floats after the header, padded
 * to 4 bytes), then the float32 data. The page decodes it with `decodeFeeds` in page.js.
 */
export function encodeFeeds(feeds: Readonly<Record<string, Feed>>): Uint8Array {
  const entries: { name: string; dims: number[]; offset: number; length: number }[] = [];
  let total = 0;
  for (const [name, f] of Object.entries(feeds)) {
    entries.push({ name, dims: [...f.dims], offset: total, length: f.data.length });
    total += f.data.length;
  }
  let header = new TextEncoder().encode(JSON.stringify({ feeds: entries }));
  const pad = (4 - ((4 + header.length) % 4)) % 4;
  if (pad) header = Uint8Array.from([...header, ...new Array<number>(pad).fill(0x20)]);
  const out = new Uint8Array(4 + header.length + 4 * total);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  const body = new Float32Array(out.buffer, 4 + header.length, total);
  for (const [i, f] of Object.values(feeds).entries()) body.set(f.data, entries[i].offset);
  return out;
}

/** Largest absolute and relative (|a−b| / max(|b|, floor)) differences of two arrays. */
export function maxDiff(got: Float32Array, want: Float32Array, floor = 1e-3): { abs: number; rel: number; at: number } {
  if (got.length !== want.length) throw new RangeError(`maxDiff: expected ${want.length} values, got ${got.length}`);
  let abs = 0,
    rel = 0,
    at = -1;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= abs)) {
      abs = d;
      at = i;
    }
    rel = Math.max(rel, d / Math.max(Math.abs(want[i]), floor));
  }
  return { abs, rel, at };
}
