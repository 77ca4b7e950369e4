/**
 * onnxruntime-node on a device: the CPU runtime runs models; WebGPU either runs a training step
 * that matches the CPU's within float tolerance, or refuses in one line naming what is missing
 * (on a machine without a GPU, the usual case here: no libvulkan1, no Vulkan driver, or no
 * adapter). Where Chromium's SwiftShader is installed (CI installs Chromium), WebGPU also runs on
 * it, a Vulkan driver on the CPU, in a child process, and must match the CPU. The CLI's
 * `--device` prints the refusal and exits 1; Commander refuses a device that is not one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkDevice, DEVICES, nodeRuntime, nodeRuntimeFor, VAE, type CompileOptions } from '../../src/index.js';
import { mul } from '../../src/graph/ops.js';
import { input } from '../../src/graph/tensor.js';
import { toOnnx } from '../../src/onnx/emit.js';
import { vulkanProblem } from '../../src/runtime/vulkan.js';
import { cpuOnlyOnWebGpu } from '../../src/runtime/webgpu-nodes.js';
import { cli, oneLineError, root, vaekitIn } from '../cli/helpers.js';
import { compareSteps, type StepComparison } from './webgpu-step.js';

/**
 * The refusal's exact shape: "`device` webgpu: <what is missing> (<why or what to do>)", one
 * line. Each cause this module names, and nothing else.
 */
const REFUSAL =
  /^`device` webgpu: (libvulkan1 is not installed \(.*apt-get install libvulkan1\)|no Vulkan driver is installed \(.*\)|no GPU adapter \(ONNX Runtime's WebGPU execution provider: .+\)|the WebGPU execution provider did not start \(.+\)|this onnxruntime-node build has no WebGPU execution provider \(.+\))$/;

/** Whether WebGPU starts here: true, or the refusal's message. */
async function webgpuHere(): Promise<true | string> {
  try {
    await checkDevice('webgpu');
    return true;
  } catch (e) {
    return (e as Error).message;
  }
}

test('nodeRuntimeFor: cpu is nodeRuntime, runs a model; the names say the device', async () => {
  assert.equal(nodeRuntimeFor('cpu'), nodeRuntime);
  assert.deepEqual(DEVICES, ['cpu', 'webgpu']);
  assert.equal(nodeRuntimeFor('cpu').name, 'onnxruntime-node (cpu)');
  assert.equal(nodeRuntimeFor('webgpu').name, 'onnxruntime-node (webgpu)');
  assert.throws(() => nodeRuntimeFor('tpu' as 'cpu'), /^Error: `device`: expected one of cpu, webgpu, got 'tpu'$/);
  await checkDevice('cpu');
  const x = input('x', ['N', 3]);
  const model = await nodeRuntimeFor('cpu').compile(toOnnx({ inputs: [x], outputs: [{ name: 'y', tensor: mul(x, 3) }] }));
  const out = await model.run({ x: { data: Float32Array.of(1, 2, 3, 4, 5, 6), dims: [2, 3] } });
  assert.deepEqual([...out.y], [3, 6, 9, 12, 15, 18]);
  await model.release();
});

test('VAE: `device` picks the runtime; `device` and `runtime` together are refused', async () => {
  assert.throws(() => VAE.fromPreset('medium-dense', { device: 'cpu', runtime: nodeRuntime }), /give `runtime` or `device`, not both/);
  const m = VAE.fromPreset('medium-dense', { device: 'cpu', seed: 3 });
  const x = new Float32Array(4 * 784).fill(0.5);
  const r = await m.trainStep(x, new Float32Array(4 * m.latentDim));
  assert.ok(Number.isFinite(r.loss));
  await m.dispose();
});

test("training sessions ask ORT's worker threads to flush denormals, and JavaScript's own arithmetic stays IEEE", async () => {
  // ORT sets the flushing of the thread that creates a process's first session, JavaScript's
  // here; this file's first session is the runtime's own, so this test sees what a user sees.
  const x = input('x', ['N']);
  const model = await nodeRuntime.compile(toOnnx({ inputs: [x], outputs: [{ name: 'y', tensor: mul(x, 0.5) }] }));
  const tiny = Number('5e-324'); // the smallest denormal double (read at run time: not folded)
  const denormalFloat = Float32Array.of(1e-40);
  await model.run({ x: { data: Float32Array.of(1, 2), dims: [2] } });
  assert.equal(tiny * 2, 1e-323, 'a denormal double flushed to zero on the JavaScript thread');
  assert.ok(denormalFloat[0] * 2 > 0, 'a denormal float flushed to zero on the JavaScript thread');
  await model.release();
});

test("cpuOnlyOnWebGpu: the training step's MaxPools with indices (for the gradient), none in the exported encoder", async () => {
  const graphs: Uint8Array[] = [];
  const capture = { name: 'capture', compile: (bytes: Uint8Array, opts?: CompileOptions) => (graphs.push(bytes), nodeRuntime.compile(bytes, opts)) };
  const m = VAE.fromPreset('lecture-conv', { runtime: capture });
  await m.trainStep(new Float32Array(2 * 784), new Float32Array(2 * m.latentDim));
  assert.equal(graphs.length, 1);
  const names = cpuOnlyOnWebGpu(graphs[0]);
  assert.equal(names.length, 2, `one per MaxPooling2D layer, got ${names.join(', ')}`);
  assert.deepEqual(cpuOnlyOnWebGpu(m.exportEncoder()), []);
  assert.deepEqual(cpuOnlyOnWebGpu(VAE.fromPreset('medium-dense').exportEncoder()), []);
  await m.dispose();
});

/** Chromium's SwiftShader: a Vulkan driver on the CPU, with the Vulkan loader Chromium ships beside it. */
const SWIFTSHADER = { icd: '/usr/lib/chromium/vk_swiftshader_icd.json', loaderDir: '/usr/lib/chromium' };

/** One step on both devices agrees: the same loss, weights within float tolerance. */
function assertSameStep(results: StepComparison[]) {
  assert.equal(results.length, 2);
  for (const r of results) {
    assert.ok(Math.abs(r.loss.cpu - r.loss.webgpu) <= 1e-5 * Math.abs(r.loss.cpu), `${r.model}: loss cpu ${r.loss.cpu}, webgpu ${r.loss.webgpu}`);
    assert.ok(r.worstWeightDiff <= 1e-5, `${r.model}: ${r.worstWeight} differs by ${r.worstWeightDiff} after one step`);
  }
}

test('webgpu: one training step matches the CPU within float tolerance, or WebGPU refuses in one line', async () => {
  const here = await webgpuHere();
  if (here === true) return assertSameStep(await compareSteps());
  assert.match(here, REFUSAL);
  assert.ok(!here.includes('\n'), 'one line');
  // The refusal comes again from every compile (it is checked once per process), here as a step's error.
  const m = VAE.fromPreset('medium-dense', { device: 'webgpu' });
  await assert.rejects(m.trainStep(new Float32Array(2 * 784)), (e: Error) => e.message === here);
  await m.dispose();
});

test(
  "webgpu on a CPU Vulkan driver (Chromium's SwiftShader): one training step matches the CPU",
  { skip: !(existsSync(SWIFTSHADER.icd) && existsSync(`${SWIFTSHADER.loaderDir}/libvulkan.so.1`)) && 'no Chromium SwiftShader here' },
  () => {
    // A child process: the Vulkan loader reads its environment once, when ORT first loads it.
    const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER.icd, LD_LIBRARY_PATH: [process.env.LD_LIBRARY_PATH, SWIFTSHADER.loaderDir].filter(Boolean).join(':') };
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./webgpu-step.ts', import.meta.url))], { encoding: 'utf8', env, cwd: root });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `no result (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
    assertSameStep(JSON.parse(line.slice('RESULT '.length)) as StepComparison[]);
  },
);

const dir = mkdtempSync(join(tmpdir(), 'vaekit-device-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const vaekit = vaekitIn(dir);

test('CLI: --device webgpu refuses in one line and exits 1 where WebGPU cannot start; --device tpu is refused', async () => {
  const here = await webgpuHere();
  if (here !== true) {
    // Where Vulkan drivers are installed but none offers an adapter, Dawn (inside ORT) writes its own
    // warnings to stderr before refusing; point the Vulkan loader at no driver folder, so that the
    // check here names the missing piece before ORT starts, as on a machine without a GPU.
    const empty = join(dir, 'no-drivers');
    const noDrivers = { ...process.env, HOME: empty, XDG_CONFIG_HOME: empty, XDG_CONFIG_DIRS: empty, XDG_DATA_HOME: empty, XDG_DATA_DIRS: empty };
    const missing = vulkanProblem(noDrivers);
    if (missing) {
      const hidden = vaekitEnv(noDrivers, 'train', '--device', 'webgpu', '-p', 'medium-dense', '--limit', '100', '-o', join(dir, 'run'));
      assert.equal(hidden.code, 1, hidden.err);
      oneLineError(hidden, /^vaekit: --device webgpu: (libvulkan1 is not installed|no Vulkan driver is installed) \(.*\)$/);
      assert.equal(hidden.err.trim(), `vaekit: --device webgpu: ${missing}`);
    }
    // As the machine is: the refusal is the last line, the exit status 1, the run never started.
    for (const cmd of [
      ['train', '--device', 'webgpu', '-p', 'medium-dense', '--limit', '100', '-o', join(dir, 'run')],
      ['evaluate', join(dir, 'no-such-run'), '--device', 'webgpu'],
    ]) {
      const r = vaekit(...cmd);
      assert.equal(r.code, 1, r.err);
      assert.equal(r.out, '');
      assert.match(r.err.trim().split('\n').at(-1) ?? '', /^vaekit: --device webgpu: \S.*\)$/);
      assert.equal(r.err.match(/vaekit:/g)?.length, 1, r.err);
      assert.doesNotMatch(r.err, /\.(ts|js):\d+/, 'no JavaScript stack');
    }
  }
  oneLineError(vaekit('train', '--device', 'tpu', '-o', join(dir, 'run')), /--device expects one of cpu, webgpu, got 'tpu'/);
  oneLineError(vaekit('evaluate', join(dir, 'run'), '--device', 'gpu'), /--device expects one of cpu, webgpu, got 'gpu'/);
});

/** `vaekit ARGS...` in the test folder with environment `env`. */
function vaekitEnv(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
