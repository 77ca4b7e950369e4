/**
 * The native runtime: onnxruntime-node behind one small interface. Everything that runs a
 * model goes through `compile`, so the engine never touches ORT types directly.
 *
 * onnxruntime-node is imported lazily, on the first compile: a module that merely names
 * `nodeRuntime` (the engine's default) stays bundleable for the browser, where the page plugs in
 * its own runtime and this one never runs.
 *
 * Two devices: ORT's CPU execution provider, and the WebGPU execution provider bundled in
 * onnxruntime-node (Dawn; on Linux over Vulkan). ORT assigns each node to the first provider
 * that runs it, so a WebGPU session runs the nodes WebGPU lacks on the CPU, silently; what it
 * cannot do silently is start without a GPU adapter, which `checkDevice` turns into one line.
 */
import type * as Ort from 'onnxruntime-node';
import { conv, convTranspose, mul, relu } from '../graph/ops.js';
import { input } from '../graph/tensor.js';
import { nchwcProbe, toOnnx } from '../onnx/emit.js';
import type { Compiled, CompileOptions, Feed, Runtime } from './runtime.js';
import { vulkanProblem } from './vulkan.js';
import { cpuOnlyOnWebGpu, WEBGPU_MAX_NODE_OUTPUTS } from './webgpu-nodes.js';

export type { Compiled, CompileOptions, Feed, Runtime };

/** Where onnxruntime-node runs a model: its CPU execution provider or its bundled WebGPU one. */
export type Device = 'cpu' | 'webgpu';

/** The devices, in the order the CLI lists them. */
export const DEVICES: readonly Device[] = ['cpu', 'webgpu'];

/**
 * The import itself. A CommonJS package: Node's ESM loader hands its exports over as `default`,
 * a transpiler's interop (tsx) may hand them over as the namespace itself.
 */
const importOrt = () => import('onnxruntime-node').then((m) => (m.default ?? m) as typeof m.default);
type OrtModule = Awaited<ReturnType<typeof importOrt>>;
let ortModule: Promise<OrtModule> | null = null;

/**
 * onnxruntime-node, loaded once. Its first session is a one-node model with ORT's defaults: ORT
 * sets the floating-point mode of the thread that creates a process's first session once and for
 * all, and here that thread is JavaScript's own. It must keep IEEE arithmetic (denormal numbers
 * are JavaScript numbers too), so the first session may not ask for the flushing that the
 * training sessions ask of ORT's worker threads (see {@link compile}).
 */
function loadOrt(): Promise<OrtModule> {
  return (ortModule ??= importOrt().then(async (ort) => {
    const first = await ort.InferenceSession.create(oneNodeModel('ieee_main_thread'), { intraOpNumThreads: 1 });
    await first.release();
    return ort;
  }));
}

/** y = 2x: the smallest model a session can be made of, for probes. */
function oneNodeModel(name: string): Uint8Array {
  const x = input('x', [1]);
  return toOnnx({ inputs: [x], outputs: [{ name: 'y', tensor: mul(x, 2) }], name });
}

const webgpuChecks = new Map<Device, Promise<void>>();

/**
 * Resolves when models can run on `device`; otherwise rejects with one line naming what is
 * missing, e.g. "`device` webgpu: libvulkan1 is not installed (…)" or "`device` webgpu: no GPU
 * adapter (…)". Checked once per process (the answer does not change while it runs). The
 * runtime checks before its first compile; a front end may call it earlier, before loading data.
 */
export function checkDevice(device: Device): Promise<void> {
  if (device === 'cpu') return Promise.resolve();
  if (device !== 'webgpu') return Promise.reject(new Error(`\`device\`: expected one of ${DEVICES.join(', ')}, got '${String(device)}'`));
  let check = webgpuChecks.get(device);
  if (!check) {
    check = checkWebGpu();
    webgpuChecks.set(device, check);
  }
  return check;
}

async function checkWebGpu(): Promise<void> {
  const ort = await loadOrt();
  const fail = (why: string) => new Error(`\`device\` webgpu: ${why}`);
  const backend = ort.listSupportedBackends().find((b) => b.name === 'webgpu');
  if (!backend?.bundled) throw fail('this onnxruntime-node build has no WebGPU execution provider (onnxruntime-node bundles one on Linux x64, Windows and macOS)');
  // Before ORT tries: without Vulkan it says only "No supported adapters", naming nothing.
  const missing = vulkanProblem();
  if (missing) throw fail(missing);
  // A one-node model: creating its session is what fails when WebGPU finds no adapter.
  const probe = oneNodeModel('webgpu_probe');
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(probe, { executionProviders: ['webgpu'] });
  } catch (e) {
    const said = ortSays(e);
    if (/no supported adapters|failed to get a webgpu adapter/i.test(said)) throw fail(`no GPU adapter (ONNX Runtime's WebGPU execution provider: ${said})`);
    throw fail(`the WebGPU execution provider did not start (${said})`);
  }
  await session.release();
}

/** ORT's message without its source location and check expression: "/…/webgpu_context.cc:136 … was false. Failed to …" → "Failed to …". */
function ortSays(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).trim();
  const m = /\bwas false\.\s*([^]*)$/.exec(text) ?? /^\/\S+:\d+ \S+\s+([^]*)$/.exec(text);
  return (m ? m[1] : text).split('\n')[0].trim();
}

/** The WebGPU execution provider's options for a model (ORT refuses an empty list of CPU nodes). */
function webgpuProvider(bytes: Uint8Array): { name: 'webgpu'; forceCpuNodeNames?: string[] } {
  const cpu = cpuOnlyOnWebGpu(bytes);
  return cpu.length ? { name: 'webgpu', forceCpuNodeNames: cpu } : { name: 'webgpu' };
}

/** Loads ONNX model bytes into onnxruntime-node, on `device` (default the CPU). */
export async function compile(bytes: Uint8Array, opts: CompileOptions = {}, device: Device = 'cpu'): Promise<Compiled> {
  await checkDevice(device);
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [device === 'webgpu' ? webgpuProvider(bytes) : device],
    // WebGPU sessions use these threads for the nodes ORT leaves on the CPU.
    intraOpNumThreads: opts.threads ?? 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // ORT's worker threads flush denormal floats to zero, as TensorFlow's and XLA's do: Adam's
    // first moments of weights whose gradients have died out decay by β1 a step into the
    // denormal range, where every pass over them runs many times slower (a medium-dense step took
    // 5.0 ms after 4,000 steps against 3.3 at the start without this, 3.4 with it; Intel Xeon).
    extra: { session: { set_denormal_as_zero: '1' } },
    enableProfiling: opts.profilePrefix !== undefined,
    profileFilePrefix: opts.profilePrefix,
  });
  const tensor = (f: Feed) => new ort.Tensor('float32', f.data, f.dims as number[]);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const ortFeeds: Record<string, Ort.Tensor> = {};
      for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = tensor(f);
      // The binding copies each output into a new ArrayBuffer: the arrays are ours to keep.
      const out = await session.run(ortFeeds);
      const result: Record<string, Float32Array> = {};
      for (const name of session.outputNames) result[name] = out[name].data as Float32Array;
      return result;
    },
    endProfiling() {
      if (opts.profilePrefix !== undefined) session.endProfiling();
    },
    release: () => session.release(),
  };
}

let nchwcBlockAsked: Promise<number | undefined> | null = null;

/**
 * The NCHWc block of ONNX Runtime's CPU kernels, asked of ORT itself: ReorderInput pads the
 * channels of its input up to a whole block, so 4 channels come back as 8 (AVX2) or 16
 * (AVX-512). Then, because these kernels are ORT's internal ones and their filter layout is not
 * a published contract, a conv and a stride-2 transposed conv lowered onto them must give what
 * the standard ONNX ops give on random data, or they stay unused. Undefined where the kernels
 * are missing (the session refuses the node), fail that check, or VAEKIT_NCHWC=0 turns them off
 * (to compare, docs/PERFORMANCE.md).
 */
function nchwcBlock(): Promise<number | undefined> {
  return (nchwcBlockAsked ??= (async () => {
    if (globalThis.process?.env.VAEKIT_NCHWC === '0') return undefined; // (globalThis: this module is bundled for the page too)
    const ort = await loadOrt();
    const run = async (bytes: Uint8Array, feeds: Record<string, Feed>) => {
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      try {
        const ortFeeds: Record<string, Ort.Tensor> = {};
        for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor('float32', f.data, f.dims as number[]);
        const out = await session.run(ortFeeds);
        return out.y;
      } finally {
        await session.release();
      }
    };
    try {
      const block = (await run(nchwcProbe(), { x: { data: new Float32Array(4), dims: [1, 4, 1, 1] } })).dims[1];
      if (!Number.isInteger(block) || block < 4) return undefined;
      // Whole blocks in, a part block out, both strides, a bias: every path of the lowering.
      const [c, k] = [2 * block, block + 3];
      const x = input('x', [2, c, 6, 5]);
      const w = input('w', [k, c, 3, 3]);
      const wt = input('wt', [k, c, 3, 3]);
      const b = input('b', [c]);
      const y = convTranspose(relu(conv(x, w, { strides: [2, 2], pads: [0, 0, 1, 1] })), wt, { strides: [2, 2], pads: [0, 0, 1, 1] }, b);
      const random = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
      const feeds = {
        x: { data: random(2 * c * 30), dims: [2, c, 6, 5] },
        w: { data: random(k * c * 9), dims: [k, c, 3, 3] },
        wt: { data: random(k * c * 9).reverse(), dims: [k, c, 3, 3] },
        b: { data: random(c), dims: [c] },
      };
      const graph = (nchwc?: number) => toOnnx({ inputs: [x, w, wt, b], outputs: [{ name: 'y', tensor: y }], nchwcBlock: nchwc });
      const [want, got] = [(await run(graph(), feeds)).data as Float32Array, (await run(graph(block), feeds)).data as Float32Array];
      return want.length === got.length && want.every((v, i) => Math.abs(v - got[i]) <= 1e-4 * (1 + Math.abs(v))) ? block : undefined;
    } catch {
      return undefined;
    }
  })());
}

const runtimes: Record<Device, Runtime> = {
  cpu: { name: 'onnxruntime-node (cpu)', scan: true, nchwcBlock, compile: (bytes, opts) => compile(bytes, opts, 'cpu') },
  webgpu: { name: 'onnxruntime-node (webgpu)', maxNodeOutputs: WEBGPU_MAX_NODE_OUTPUTS, compile: (bytes, opts) => compile(bytes, opts, 'webgpu') },
};

/**
 * onnxruntime-node on `device`, as a {@link Runtime}. The WebGPU one checks on its first compile
 * that WebGPU can start ({@link checkDevice}) and rejects with one line when it cannot.
 */
export function nodeRuntimeFor(device: Device): Runtime {
  const r = runtimes[device];
  if (!r) throw new Error(`\`device\`: expected one of ${DEVICES.join(', ')}, got '${String(device)}'`);
  return r;
}

/** onnxruntime-node's CPU execution provider, as a {@link Runtime}. */
export const nodeRuntime: Runtime = runtimes.cpu;
