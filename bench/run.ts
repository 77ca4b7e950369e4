/**
 * Training-step benchmark: vaekit against Keras 3 (TensorFlow), Keras 3 (JAX) and PyTorch, in one run.
 *
 *   npm run bench -- [--presets a,b] [--rounds R] [--steps K] [--steps-per-run S] [--peers keras-tf,keras-jax,torch]
 *                    [--keras-steps-per-execution N]
 *                    [--threads 2] [--python PATH] [--memory-steps 1000] [--epoch]
 *                    [--out bench/results/bench.json]
 *   npm run bench -- --setup          creates (or updates) the peers' venv, then exits
 *   npm run bench -- --device webgpu [--presets …] [--rounds R] [--steps K] [--out …]
 *                                     vaekit on onnxruntime-node's WebGPU beside vaekit on the CPU
 *
 * For every preset it times `VAE.trainStep` on one real MNIST batch of 128 images (from vaekit's
 * own loader) and, in the same run, each seed's model in three peers, driven over stdin:
 *   - keras-tf:  Keras 3 on TensorFlow, the seed's own model and train_step, compiled `fit`
 *                (bench/peer/keras_peer.py; the Keras default for a CPU-only TF is a tf.function
 *                graph without XLA);
 *   - keras-jax: the same Keras code on JAX (an XLA-compiled step; the seeds' GradientTape step
 *                in Keras 3's stateless JAX form);
 *   - torch:     the same models written in PyTorch (bench/peer/torch_peer.py), eager.
 * The peers get the same 128 images, as a temporary float32 .npy. Keras steps are timed per
 * batch by a fit callback (on_train_batch_begin → on_train_batch_end, reading the loss), torch
 * steps around zero_grad + forward + backward + step, vaekit around `await trainSteps` of up to
 * --steps-per-run steps (default 8, as `vaekit train` runs them; each counted at the run's time ÷
 * its steps; 1 times `trainStep` one call per step). The Keras peers take Keras' own
 * steps_per_execution from --keras-steps-per-execution (default 1, Keras' default and the seeds'),
 * each step then counted at its execution's time ÷ N. vaekit
 * and torch take a fixed eps drawn once (no RNG time in the step); the Keras models draw eps
 * inside their Sampling layer every step, as the seeds do.
 *
 * The sides alternate in rounds of K steps (vaekit, then each peer), so that all see the same
 * machine conditions (other load, frequency scaling) instead of one side getting a quiet minute
 * and another a busy one. Each figure is the median of the R×K per-step samples after a warm-up.
 * Every side runs slower for the first few steps of its turn (caches and cores just left by the
 * others); K = 32 (the default) keeps those a minority for every side, vaekit's runs of 8 included,
 * so that each median is a warm step's.
 * ratio = fastest peer's median ÷ vaekit's median: 1.0 or more means vaekit is at least as fast.
 *
 * Threads: every peer is limited to --threads (default 2) CPUs and threads before its framework
 * loads (CPU affinity mask, which JAX/XLA sizes its pool from; XLA_FLAGS; OMP/MKL variables;
 * tf.config.threading intra/inter-op pools; torch.set_num_threads), and reports back what the
 * framework says its limits are. As a measured check, every round also records process CPU
 * time ÷ wall time (the cores actually busy), for the peers and for vaekit (ORT, 2 intra-op
 * threads); a peer above its limit is flagged.
 *
 * Checks that the models are the same: each peer reports its parameter count and its forward
 * multiply-adds per image (read off its own built layers), which must equal vaekit's parameter
 * count and the FLOP table below; torch also counts a whole step's FLOPs with FlopCounterMode.
 * GFLOP/s is set against ONNX Runtime's own 2048³ MatMul rate, measured before and after the
 * presets in the same run: the practical ceiling of the machine.
 *
 * Then memory: resident set size after 100 and after --memory-steps lecture-conv steps on a fresh
 * model (the issue asks that the second be within 10% of the first). With --epoch, also one full
 * epoch of `vaekit train --preset lecture-conv --epochs 1` (60,000 MNIST images, the CLI in a
 * child process) against one epoch of Keras `fit` of the lecture's model on the same 60,000
 * images (TensorFlow backend); minutes.
 *
 * The peers' Python: --python, else $VAEKIT_BENCH_PYTHON, else bench/.venv/bin/python (git-ignored;
 * `npm run bench -- --setup` runs bench/setup-peers.sh to create it, or make it a symlink to an
 * existing venv). A peer whose framework is missing is reported and skipped, never fatal.
 *
 * With --device webgpu, no peers: for every preset, vaekit's step on that device beside the same
 * model's step on the CPU (same seed, batch and eps), alternating in rounds as above; the first
 * step's loss on both is reported as a check that they compute the same thing. WebGPU must start
 * (`checkDevice`: on Linux libvulkan1 and a Vulkan driver for a GPU), or the run stops with its
 * one-line reason. Results go to bench/results/bench-webgpu.json.
 *
 * Everything, raw per-step samples included, goes to a JSON file (written to a temporary name
 * and renamed, so a killed run never leaves half a file).
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { VAE, Rng, checkDevice, loadMnist, DEVICES, type Device, type PresetName } from 'vaekit';

const BATCH = 128;
const WARMUP_STEPS = 3;
/** The four seed systems the issue benchmarks (the others are variants of them). */
type BenchPreset = 'lecture-conv' | 'keras-conv2d' | 'geron-dense' | 'medium-dense';
const ALL_PRESETS: BenchPreset[] = ['lecture-conv', 'keras-conv2d', 'geron-dense', 'medium-dense'];
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_VENV = resolve(REPO, 'bench/.venv');
const SETUP_SCRIPT = resolve(REPO, 'bench/setup-peers.sh');
/** Pause between handing the cores from one side to the other: ORT, OpenMP and Eigen worker
 *  threads spin for a while after their last job before they sleep, and a spinning pool of the
 *  side that just finished would steal cycles from the side being timed. */
const SETTLE_MS = 200;
/** Importing TF or JAX and compiling the first step take seconds; a peer silent this long failed. */
const PEER_TIMEOUT_MS = 300_000;
/** A peer whose measured busy cores exceed its thread limit by more than this is flagged. */
const CPU_SLACK = 0.3;
/** ORT's MatMul ceiling: an n×n by n×n product, n = 2048, timed this many times after 2 warm-ups. */
const MATMUL_N = 2048;
const MATMUL_RUNS = 5;

/** The peers: which script, which arguments. */
const PEERS = {
  'keras-tf': { script: 'bench/peer/keras_peer.py', args: ['--backend', 'tensorflow'], label: 'Keras 3 / TensorFlow' },
  'keras-jax': { script: 'bench/peer/keras_peer.py', args: ['--backend', 'jax'], label: 'Keras 3 / JAX' },
  torch: { script: 'bench/peer/torch_peer.py', args: [], label: 'PyTorch' },
} as const;
type PeerName = keyof typeof PEERS;
const ALL_PEERS = Object.keys(PEERS) as PeerName[];

// ---- command line ------------------------------------------------------------------------------

const { values: argv } = parseArgs({
  options: {
    presets: { type: 'string', default: ALL_PRESETS.join(',') },
    rounds: { type: 'string', default: '6' },
    steps: { type: 'string', default: '32' },
    'steps-per-run': { type: 'string', default: '8' },
    'keras-steps-per-execution': { type: 'string', default: '1' },
    peers: { type: 'string', default: ALL_PEERS.join(',') },
    threads: { type: 'string', default: '2' },
    python: { type: 'string' },
    'memory-steps': { type: 'string', default: '1000' },
    epoch: { type: 'boolean', default: false },
    setup: { type: 'boolean', default: false },
    out: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
  },
  strict: true,
});
const device = list(argv.device!, DEVICES, '--device')[0] ?? 'cpu';
const presets = list(argv.presets!, ALL_PRESETS, '--presets');
const peerNames = argv.peers === 'none' ? [] : list(argv.peers!, ALL_PEERS, '--peers');
const rounds = positiveInt('--rounds', argv.rounds!);
const stepsPerRound = positiveInt('--steps', argv.steps!);
const stepsPerRun = positiveInt('--steps-per-run', argv['steps-per-run']!);
const kerasSpe = positiveInt('--keras-steps-per-execution', argv['keras-steps-per-execution']!);
const threads = positiveInt('--threads', argv.threads!);
const memorySteps = positiveInt('--memory-steps', argv['memory-steps']!);
// A given --out or --python is taken relative to where the user stands; the defaults live in the repository.
const outPath = argv.out ? resolve(argv.out) : resolve(REPO, device === 'cpu' ? 'bench/results/bench.json' : `bench/results/bench-${device}.json`);
const python = argv.python ? resolve(argv.python) : process.env.VAEKIT_BENCH_PYTHON || join(DEFAULT_VENV, 'bin/python');
if (rounds * stepsPerRound < 10) console.warn(`note: ${rounds}×${stepsPerRound} = ${rounds * stepsPerRound} samples per side; the issue asks for at least 10`);

// ---- FLOPs ---------------------------------------------------------------------------------------

/**
 * One layer that does multiply-adds, described by the shapes that set its cost.
 *  - dense: in × out MACs per image;
 *  - conv:  a k×k convolution evaluated at `positions` output pixels (H_out·W_out), k²·cin·cout
 *           MACs at each;
 *  - convT: a k×k transposed convolution, which scatters every one of its `positions` *input*
 *           pixels through the k²·cin·cout kernel (so stride 2 costs the same per input pixel
 *           as stride 1, and four times less per output pixel).
 * Pooling, upsampling, activations, the loss and the optimizer update are left out: they are
 * O(activations) or O(parameters), small beside the products, and leaving them out is the usual
 * convention for GFLOP/s figures.
 */
type CostLayer = { kind: 'dense'; in: number; out: number } | { kind: 'conv' | 'convT'; positions: number; k: number; cin: number; cout: number };

/** The preset architectures (src/models/presets.ts, SPEC.md §1) as cost layers, encoder heads included. */
const COST_LAYERS: Record<BenchPreset, CostLayer[]> = {
  'lecture-conv': [
    { kind: 'conv', positions: 28 * 28, k: 3, cin: 1, cout: 16 }, // 'same' → 28×28×16, pool → 14×14
    { kind: 'conv', positions: 14 * 14, k: 3, cin: 16, cout: 32 }, // → 14×14×32, pool → 7×7×32
    { kind: 'dense', in: 1568, out: 100 }, // z_mean
    { kind: 'dense', in: 1568, out: 100 }, // z_log_var
    { kind: 'dense', in: 100, out: 1568 },
    { kind: 'convT', positions: 7 * 7, k: 3, cin: 32, cout: 32 }, // stride 1 → 7×7×32, up → 14×14
    { kind: 'convT', positions: 14 * 14, k: 3, cin: 32, cout: 16 }, // stride 1 → 14×14×16, up → 28×28
    { kind: 'convT', positions: 28 * 28, k: 3, cin: 16, cout: 1 },
  ],
  'geron-dense': [
    { kind: 'dense', in: 784, out: 150 },
    { kind: 'dense', in: 150, out: 100 },
    { kind: 'dense', in: 100, out: 10 },
    { kind: 'dense', in: 100, out: 10 },
    { kind: 'dense', in: 10, out: 100 },
    { kind: 'dense', in: 100, out: 150 },
    { kind: 'dense', in: 150, out: 784 },
  ],
  'keras-conv2d': [
    { kind: 'conv', positions: 14 * 14, k: 3, cin: 1, cout: 32 }, // stride 2 → 14×14×32
    { kind: 'conv', positions: 7 * 7, k: 3, cin: 32, cout: 64 }, // stride 2 → 7×7×64
    { kind: 'dense', in: 3136, out: 16 },
    { kind: 'dense', in: 16, out: 2 },
    { kind: 'dense', in: 16, out: 2 },
    { kind: 'dense', in: 2, out: 3136 },
    { kind: 'convT', positions: 7 * 7, k: 3, cin: 64, cout: 64 }, // stride 2 → 14×14
    { kind: 'convT', positions: 14 * 14, k: 3, cin: 64, cout: 32 }, // stride 2 → 28×28
    { kind: 'convT', positions: 28 * 28, k: 3, cin: 32, cout: 1 }, // stride 1
  ],
  'medium-dense': [
    { kind: 'dense', in: 784, out: 256 },
    { kind: 'dense', in: 256, out: 2 },
    { kind: 'dense', in: 256, out: 2 },
    { kind: 'dense', in: 2, out: 256 },
    { kind: 'dense', in: 256, out: 784 },
  ],
};

/**
 * FLOPs of one training step of a batch: forward MACs per image × 2 (a multiply-add is two
 * FLOPs) × 3 (the backward pass computes two products of the forward's size, the gradients with
 * respect to the inputs and to the weights) × batch. The parameter count of the same table comes
 * back too, so the caller can check the table against the real model.
 */
function stepCost(preset: BenchPreset, batch: number): { macsPerImage: number; flopsPerStep: number; params: number } {
  let macs = 0;
  let params = 0;
  for (const l of COST_LAYERS[preset]) {
    if (l.kind === 'dense') {
      macs += l.in * l.out;
      params += l.in * l.out + l.out;
    } else {
      macs += l.positions * l.k * l.k * l.cin * l.cout;
      params += l.k * l.k * l.cin * l.cout + l.cout;
    }
  }
  return { macsPerImage: macs, flopsPerStep: macs * 2 * 3 * batch, params };
}

// ---- the peers -----------------------------------------------------------------------------------

/** A peer's first line (bench/peer/peer_common.py). */
interface PeerReady {
  ready: true;
  framework: string;
  version: string;
  params: number;
  macs_per_image: number;
  /** What the framework reports its thread limits to be. */
  threads: Record<string, unknown>;
  /** Keras only: whether `fit` compiles the step with XLA. */
  jit_compile?: boolean;
  /** torch only: one step's FLOPs as FlopCounterMode counts them. */
  flops_per_step_measured?: number;
}

/** One peer process, driven line by line over stdin/stdout. */
class Peer {
  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    /** The tail of the peer's stderr, for error messages. */
    private readonly stderr: { tail: string },
    /** Rejects when the process cannot be spawned at all (no such Python). */
    private readonly spawnError: Promise<never>,
  ) {}

  /** The peer's first line, set by `start`. */
  ready!: PeerReady;

  /** Starts a peer and waits for its 'ready' line; throws a one-line reason when it cannot. */
  static async start(script: string, args: string[]): Promise<Peer> {
    const proc = spawn(python, [resolve(REPO, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = { tail: '' };
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d: string) => (stderr.tail = (stderr.tail + d).slice(-4000)));
    proc.stdin.on('error', () => {}); // a peer that died is reported by the next read, not by EPIPE
    const spawnError = new Promise<never>((_, reject) => proc.once('error', (e) => reject(new Error(`cannot run ${python}: ${e.message}`))));
    spawnError.catch(() => {}); // raced in next(); keeps Node from calling it unhandled meanwhile
    const peer = new Peer(proc, createInterface({ input: proc.stdout })[Symbol.asyncIterator](), stderr, spawnError);
    try {
      const ready = JSON.parse(await peer.next('ready')) as PeerReady;
      if (!ready.ready) throw new Error(`unexpected first line: ${JSON.stringify(ready)}`);
      peer.ready = ready;
      return peer;
    } catch (e) {
      proc.kill();
      throw e;
    }
  }

  /** The next stdout line, or a one-line reason (the last line of stderr) when there is none. */
  private async next(what: string): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no '${what}' answer within ${PEER_TIMEOUT_MS / 1000} s`)), PEER_TIMEOUT_MS)));
    try {
      const r = await Promise.race([this.lines.next(), this.spawnError, timeout]);
      if (r.done) throw new Error(lastLine(this.stderr.tail) || `exited (code ${this.proc.exitCode}) before its '${what}' answer`);
      return r.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs k training steps in the peer: their times in ms (timed inside Python) and the busy cores. */
  async run(k: number): Promise<{ ms: number[]; cpu: number }> {
    this.proc.stdin.write(`run ${k}\n`);
    const line = await this.next('run');
    const msg = JSON.parse(line) as { ms?: number[]; cpu?: number; error?: string };
    if (!msg.ms) throw new Error(msg.error ?? line);
    return { ms: msg.ms, cpu: msg.cpu ?? NaN };
  }

  async quit(): Promise<void> {
    const exited = new Promise<void>((res) => (this.proc.exitCode !== null ? res() : this.proc.once('exit', () => res())));
    this.proc.stdin.end('quit\n');
    const t = setTimeout(() => this.proc.kill(), 5000);
    await exited;
    clearTimeout(t);
  }
}

// ---- timing --------------------------------------------------------------------------------------

interface SideResult {
  ms: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  gflops: number;
  /** Process CPU seconds ÷ wall seconds over each round's steps: the cores busy. */
  cpu: number[];
}

interface PeerResult extends SideResult {
  peer: PeerName;
  version: string;
  params: number;
  macsPerImage: number;
  threads: Record<string, unknown>;
  jitCompile?: boolean;
  flopsPerStepMeasured?: number;
  /** Model checks against vaekit: same parameters, same forward multiply-adds, threads within the limit. */
  checks: { params: boolean; macs: boolean; threads: boolean };
}

interface PresetResult {
  preset: BenchPreset;
  params: number;
  macsPerImage: number;
  flopsPerStep: number;
  vaekit: SideResult & { lastLoss: number };
  peers: Partial<Record<PeerName, PeerResult>>;
  /** Peers that could not start or died, with the reason. */
  peerErrors: Partial<Record<PeerName, string>>;
  fastestPeer: PeerName | null;
  /** fastest peer's median ms ÷ vaekit's median ms (≥ 1: vaekit at least as fast). */
  ratio: number | null;
}

/** Peers that failed to start for a reason that will not change between presets (no Python, no framework). */
const unavailable = new Map<PeerName, string>();
/** Things that went wrong during a preset, printed under its progress line. */
const notes: string[] = [];

async function benchPreset(preset: BenchPreset, x: Float32Array, dataPath: string): Promise<PresetResult> {
  const cost = stepCost(preset, BATCH);
  const vae = VAE.fromPreset(preset, { seed: 1 });
  if (vae.parameterCount !== cost.params) throw new Error(`${preset}: the FLOP table has ${cost.params} parameters, the model ${vae.parameterCount}; update COST_LAYERS`);
  // A fixed eps: every step does the same work and no RNG time lands inside the timing.
  const eps = new Rng(2).normalArray(BATCH * vae.latentDim);
  // Warm-up: the first step builds and compiles the ONNX graph; the next ones settle allocations.
  for (let i = 0; i < WARMUP_STEPS; i++) await vae.trainStep(x, eps);

  // Start the peers one after the other (their imports would otherwise fight for the cores),
  // warm each up (Keras compiles its step on the first batch), and keep them alive so that the
  // rounds below can alternate.
  const peers = new Map<PeerName, Peer>();
  const peerErrors: PresetResult['peerErrors'] = {};
  for (const name of peerNames) {
    if (unavailable.has(name)) {
      peerErrors[name] = unavailable.get(name)!;
      continue;
    }
    const spec = PEERS[name];
    let p: Peer | undefined;
    try {
      const spe = name === 'torch' ? [] : ['--steps-per-execution', String(kerasSpe)];
      p = await Peer.start(spec.script, [...spec.args, ...spe, '--preset', preset, '--data', dataPath, '--batch', String(BATCH), '--threads', String(threads)]);
      await p.run(WARMUP_STEPS);
      peers.set(name, p);
    } catch (e) {
      const reason = (e as Error).message;
      peerErrors[name] = reason;
      if (!p) {
        // Never said ready: most likely no venv or no framework; it will not do better on the next preset.
        unavailable.set(name, reason);
        notes.push(`peer ${name} unavailable: ${reason}`);
      } else {
        notes.push(`peer ${name} failed in warm-up: ${reason}`);
        await p.quit();
      }
    }
  }

  // Alternate: K vaekit steps, then K steps of each peer, R times, with a short pause at every
  // hand-over (see SETTLE_MS).
  const vk: number[] = [];
  const vCpu: number[] = [];
  const pk = new Map<PeerName, { ms: number[]; cpu: number[] }>();
  let lastLoss = NaN;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    // In runs of up to --steps-per-run steps, as `vaekit train` runs them (fit's stepsPerRun):
    // each step of a run is counted at the run's time ÷ its steps.
    for (let i = 0; i < stepsPerRound; i += stepsPerRun) {
      const k = Math.min(stepsPerRun, stepsPerRound - i);
      const t0 = performance.now();
      const ms = await vae.trainSteps(Array.from({ length: k }, () => ({ x, eps })));
      const per = (performance.now() - t0) / k;
      lastLoss = ms[k - 1].loss;
      for (let j = 0; j < k; j++) vk.push(per);
    }
    const c = process.cpuUsage(c0);
    vCpu.push((c.user + c.system) / 1000 / (performance.now() - w0));
    for (const [name, p] of peers) {
      await sleep(SETTLE_MS);
      try {
        const s = await p.run(stepsPerRound);
        const acc = pk.get(name) ?? { ms: [], cpu: [] };
        acc.ms.push(...s.ms);
        acc.cpu.push(s.cpu);
        pk.set(name, acc);
      } catch (e) {
        peerErrors[name] = `died: ${(e as Error).message}`;
        notes.push(`peer ${name} died: ${(e as Error).message}`);
        peers.delete(name);
        pk.delete(name);
        await p.quit();
      }
    }
    if (peers.size) await sleep(SETTLE_MS);
  }
  await vae.dispose();

  const result: PresetResult = {
    preset,
    params: vae.parameterCount,
    macsPerImage: cost.macsPerImage,
    flopsPerStep: cost.flopsPerStep,
    vaekit: { ...side(vk, vCpu, cost.flopsPerStep), lastLoss },
    peers: {},
    peerErrors,
    fastestPeer: null,
    ratio: null,
  };
  for (const [name, p] of peers) {
    await p.quit();
    const s = side(pk.get(name)!.ms, pk.get(name)!.cpu, cost.flopsPerStep);
    const r = p.ready;
    result.peers[name] = {
      peer: name,
      version: r.version,
      params: r.params,
      macsPerImage: r.macs_per_image,
      threads: r.threads,
      ...(r.jit_compile !== undefined ? { jitCompile: r.jit_compile } : {}),
      ...(r.flops_per_step_measured !== undefined ? { flopsPerStepMeasured: r.flops_per_step_measured } : {}),
      ...s,
      checks: { params: r.params === vae.parameterCount, macs: r.macs_per_image === cost.macsPerImage, threads: Math.max(...s.cpu) <= threads + CPU_SLACK },
    };
    if (r.params !== vae.parameterCount) notes.push(`warning: peer ${name} has ${r.params} parameters, vaekit ${vae.parameterCount}`);
    if (r.macs_per_image !== cost.macsPerImage) notes.push(`warning: peer ${name} does ${r.macs_per_image} MACs per image, vaekit's table ${cost.macsPerImage}`);
    const best = result.fastestPeer ? result.peers[result.fastestPeer]!.medianMs : Infinity;
    if (s.medianMs < best) result.fastestPeer = name;
  }
  if (result.fastestPeer) result.ratio = result.peers[result.fastestPeer]!.medianMs / result.vaekit.medianMs;
  return result;
}

function side(ms: number[], cpu: number[], flops: number): SideResult {
  const med = median(ms);
  return { ms, medianMs: med, minMs: Math.min(...ms), maxMs: Math.max(...ms), gflops: gflops(flops, med), cpu };
}

// ---- the ceiling: ONNX Runtime's own MatMul ----------------------------------------------------------

/**
 * GFLOP/s of one n×n by n×n MatMul in onnxruntime-node, with vaekit's session settings
 * (2 intra-op threads, sequential, all optimizations): the rate the machine's best GEMM path
 * reaches through the runtime vaekit uses, which no training step of small layers can beat.
 * The model is three lines of ONNX, written here with onnx-proto (vaekit's own writer takes
 * traced graphs, and a raw MatMul is all this needs).
 */
async function ortMatmulGflops(n: number): Promise<{ n: number; ms: number[]; medianMs: number; gflops: number }> {
  const { onnx } = onnxProto;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const io = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'vaekit-bench',
    graph: { name: 'matmul', node: [{ opType: 'MatMul', input: ['A', 'B'], output: ['Y'] }], input: [io('A'), io('B')], output: [io('Y')] },
  });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), {
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const rng = new Rng(3);
  const a = new ort.Tensor('float32', rng.normalArray(n * n), [n, n]);
  const b = new ort.Tensor('float32', rng.normalArray(n * n), [n, n]);
  const ms: number[] = [];
  for (let i = 0; i < 2 + MATMUL_RUNS; i++) {
    const t0 = performance.now();
    await session.run({ A: a, B: b });
    if (i >= 2) ms.push(performance.now() - t0);
  }
  await session.release();
  const med = median(ms);
  return { n, ms, medianMs: med, gflops: gflops(2 * n ** 3, med) };
}

// ---- memory --------------------------------------------------------------------------------------

interface MemoryResult {
  preset: PresetName;
  steps: number;
  checkpointStep: number;
  rssAtCheckpoint: number;
  rssAtEnd: number;
  ratio: number;
  seconds: number;
  /** Sampled every 100 steps, for a look at the trend. */
  trace: { step: number; rss: number; heapUsed: number; external: number }[];
}

/** RSS after step 100 and after the last step of a fresh lecture-conv model. */
async function memoryCheck(x: Float32Array, steps: number): Promise<MemoryResult> {
  const preset: PresetName = 'lecture-conv';
  const vae = VAE.fromPreset(preset, { seed: 1 });
  const eps = new Rng(2).normalArray(BATCH * vae.latentDim);
  const checkpoint = Math.min(100, steps);
  const trace: MemoryResult['trace'] = [];
  let rssAtCheckpoint = NaN;
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    await vae.trainStep(x, eps);
    if (i === checkpoint) rssAtCheckpoint = process.memoryUsage().rss;
    if (i % 100 === 0 || i === steps) {
      const m = process.memoryUsage();
      trace.push({ step: i, rss: m.rss, heapUsed: m.heapUsed, external: m.external });
    }
  }
  const rssAtEnd = process.memoryUsage().rss;
  const seconds = (performance.now() - t0) / 1000;
  await vae.dispose();
  return { preset, steps, checkpointStep: checkpoint, rssAtCheckpoint, rssAtEnd, ratio: rssAtEnd / rssAtCheckpoint, seconds, trace };
}

// ---- one epoch: `vaekit train` against Keras fit ---------------------------------------------------

interface EpochResult {
  images: number;
  /** `vaekit train --preset lecture-conv --epochs 1`: the epoch as its log.jsonl records it, and the whole command. */
  vaekit: { epochSeconds: number; commandSeconds: number; loss: number; command: string } | { error: string };
  /** Keras fit of the lecture's model, one epoch (TF backend, fresh process): the epoch by callback, and the whole fit call. */
  kerasTf: { epochSeconds: number; fitSeconds: number; steps: number; jitCompile: boolean; logs: Record<string, number> } | { error: string };
}

/** Times one epoch of both, one after the other (never together: they would share the cores). */
async function epochCheck(tmp: string): Promise<EpochResult> {
  const train = loadMnist('train');
  const result: EpochResult = { images: train.count, vaekit: { error: 'not run' }, kerasTf: { error: 'not run' } };

  const runDir = join(tmp, 'epoch-run');
  const cli = resolve(REPO, 'dist/cli/main.js');
  const args = [cli, 'train', '--preset', 'lecture-conv', '--epochs', '1', '--out', runDir];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const commandSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) result.vaekit = { error: lastLine(r.stderr || r.stdout || `exit ${r.status}`) };
  else {
    const log = JSON.parse(readFileSync(join(runDir, 'log.jsonl'), 'utf8').trim().split('\n')[0]) as { seconds: number; loss: number };
    result.vaekit = { epochSeconds: log.seconds, commandSeconds, loss: log.loss, command: 'vaekit train --preset lecture-conv --epochs 1' };
  }

  await sleep(SETTLE_MS);
  const data = join(tmp, 'train.npy');
  writeNpy(data, train.images, [train.count, 784]);
  const k = spawnSync(
    python,
    [resolve(REPO, PEERS['keras-tf'].script), ...PEERS['keras-tf'].args, '--preset', 'lecture-conv', '--epoch', '--data', data, '--threads', String(threads)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (k.status !== 0) result.kerasTf = { error: lastLine(k.stderr || k.error?.message || `exit ${k.status}`) };
  else {
    const e = JSON.parse(lastLine(k.stdout)) as { epoch_s: number; fit_s: number; steps: number; jit_compile: boolean; logs: Record<string, number> };
    result.kerasTf = { epochSeconds: e.epoch_s, fitSeconds: e.fit_s, steps: e.steps, jitCompile: e.jit_compile, logs: e.logs };
  }
  return result;
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (argv.setup) {
    // The venv the peers run in; bench/setup-peers.sh says what it installs.
    const venv = process.env.VAEKIT_BENCH_VENV || DEFAULT_VENV;
    console.log(`setting up the peers' venv at ${venv} (bench/setup-peers.sh)`);
    const r = spawnSync('bash', [SETUP_SCRIPT, venv], { stdio: 'inherit' });
    if (r.status !== 0) fail(`bench/setup-peers.sh failed (exit ${r.status}); see its output above`);
    console.log(`done; now: npm run bench${venv === DEFAULT_VENV ? '' : ` -- --python ${join(venv, 'bin/python')}`}`);
    return;
  }

  const require = createRequire(import.meta.url);
  const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAvgAtStart: os.loadavg(),
    loadAvgAtEnd: [] as number[],
    node: process.version,
    onnxruntimeNode: ortVersion,
    python,
    gitCommit: gitCommit(),
  };
  console.log(
    `vaekit training-step benchmark: batch ${BATCH}, ${WARMUP_STEPS} warm-up steps, ${rounds} rounds × ${stepsPerRound} steps per side (vaekit in runs of ${Math.min(stepsPerRun, stepsPerRound)}), median of ${rounds * stepsPerRound}`,
  );
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.platform}, node ${machine.node}, onnxruntime-node ${ortVersion}, load average ${machine.loadAvgAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  if (device !== 'cpu') {
    await deviceBench(device, machine);
    return;
  }
  if (peerNames.length) {
    console.log(`peers: ${peerNames.join(', ')} in ${python}, each limited to ${threads} threads`);
    if (!existsSync(python)) console.log(`  no Python at ${python}: run \`npm run bench -- --setup\`, or pass --python / set VAEKIT_BENCH_PYTHON`);
  }

  // One real MNIST batch, the same for vaekit and every peer (handed over as a temporary .npy).
  const x = loadMnist('train', { limit: BATCH }).images;
  const tmp = mkdtempSync(join(os.tmpdir(), 'vaekit-bench-'));
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const dataPath = join(tmp, 'batch.npy');
  writeNpy(dataPath, x, [BATCH, 784]);

  const t0 = performance.now();
  process.stdout.write(`  ONNX Runtime MatMul ${MATMUL_N}³ …`);
  const matmul = [await ortMatmulGflops(MATMUL_N)];
  process.stdout.write(` ${fmt(matmul[0].gflops)} GFLOP/s\n`);

  const results: PresetResult[] = [];
  for (const preset of presets) {
    process.stdout.write(`  ${preset} …`);
    const t = performance.now();
    const r = await benchPreset(preset, x, dataPath);
    results.push(r);
    process.stdout.write(
      ` vaekit ${fmt(r.vaekit.medianMs)} ms` +
        Object.values(r.peers)
          .map((p) => `, ${p.peer} ${fmt(p.medianMs)} ms`)
          .join('') +
        ` (${((performance.now() - t) / 1000).toFixed(0)} s)\n`,
    );
    for (const n of notes.splice(0)) console.log(`    ${n}`);
  }

  process.stdout.write(`  ONNX Runtime MatMul ${MATMUL_N}³ again …`);
  matmul.push(await ortMatmulGflops(MATMUL_N));
  process.stdout.write(` ${fmt(matmul[1].gflops)} GFLOP/s\n`);
  const ceiling = Math.max(...matmul.map((m) => m.gflops));

  process.stdout.write(`  memory: ${memorySteps} lecture-conv steps …`);
  const memory = await memoryCheck(x, memorySteps);
  process.stdout.write(` (${memory.seconds.toFixed(0)} s)\n`);

  let epoch: EpochResult | undefined;
  if (argv.epoch) {
    process.stdout.write('  one epoch of lecture-conv: vaekit train, then Keras fit (TensorFlow) …');
    epoch = await epochCheck(tmp);
    process.stdout.write(' done\n');
  }
  machine.loadAvgAtEnd = os.loadavg();

  // ---- report ----
  console.log();
  const versions = new Map<PeerName, string>();
  for (const r of results) for (const p of Object.values(r.peers)) versions.set(p.peer, p.version + (p.jitCompile === undefined ? '' : p.jitCompile ? ', XLA' : ', no XLA'));
  for (const [name, v] of versions) console.log(`${name.padEnd(9)} ${v}`);
  for (const name of peerNames) if (!versions.has(name)) console.log(`${name.padEnd(9)} unavailable: ${unavailable.get(name) ?? 'failed on every preset (see above)'}`);
  console.log(`ceiling   ONNX Runtime MatMul ${MATMUL_N}³: ${matmul.map((m) => fmt(m.gflops)).join(' and ')} GFLOP/s (before and after the presets)\n`);

  const head = ['preset', 'vaekit ms/step (GFLOP/s)', ...peerNames.map((n) => `${n} ms/step (GFLOP/s)`), 'fastest peer ÷ vaekit'];
  const rows = results.map((r) => [
    r.preset,
    `${fmt(r.vaekit.medianMs)} (${fmt(r.vaekit.gflops)})`,
    ...peerNames.map((n) => {
      const p = r.peers[n];
      return p ? `${fmt(p.medianMs)} (${fmt(p.gflops)})` : '–';
    }),
    r.ratio === null ? '–' : `${r.ratio.toFixed(2)}× (${r.fastestPeer})`,
  ]);
  printTable(head, rows);
  console.log(`median ms per training step at batch ${BATCH}; GFLOP/s counts the layer products only: forward MACs × 2 × 3 (forward + backward) × ${BATCH}.`);
  console.log(`vaekit at ${results.map((r) => `${r.preset} ${((100 * r.vaekit.gflops) / ceiling).toFixed(0)}%`).join(', ')} of the ${fmt(ceiling)} GFLOP/s MatMul ceiling.`);

  console.log("\nchecks (params = vaekit's, MACs/image = the FLOP table, busy cores = CPU s ÷ wall s, max over rounds;");
  console.log(" FlopCounter: torch's own count of a whole step, which skips the first layer's input gradient):");
  for (const r of results) {
    const cells = [`vaekit ${Math.max(...r.vaekit.cpu).toFixed(2)} cores`];
    for (const p of Object.values(r.peers)) {
      const bad = [
        !p.checks.params && `params ${p.params} ≠ ${r.params}`,
        !p.checks.macs && `MACs ${p.macsPerImage} ≠ ${r.macsPerImage}`,
        !p.checks.threads && 'OVER THE THREAD LIMIT',
      ].filter(Boolean);
      const measured = p.flopsPerStepMeasured ? `, FlopCounter ${(p.flopsPerStepMeasured / 1e9).toFixed(3)} vs ${(r.flopsPerStep / 1e9).toFixed(3)} GFLOP` : '';
      cells.push(`${p.peer} ${Math.max(...p.cpu).toFixed(2)} cores${measured}, ${bad.length ? bad.join(', ') : 'ok'}`);
    }
    console.log(`  ${r.preset.padEnd(13)} ${cells.join('; ')}`);
  }
  console.log('thread limits as the peers report them:');
  const seen = new Set<string>();
  for (const r of results)
    for (const p of Object.values(r.peers)) {
      const t = JSON.stringify(p.threads);
      if (!seen.has(p.peer + t)) console.log(`  ${p.peer.padEnd(9)} ${t}`);
      seen.add(p.peer + t);
    }

  const speed = results.map((r) => ({ preset: r.preset, ratio: r.ratio, fastestPeer: r.fastestPeer, met: r.ratio !== null && r.ratio >= 1 }));
  console.log('\ntargets:');
  for (const t of speed)
    console.log(
      `  ${t.preset.padEnd(13)} fastest peer ÷ vaekit ${t.ratio === null ? '   –  ' : `${t.ratio.toFixed(2).padStart(5)}×`}  ${t.ratio === null ? 'no peer' : t.met ? 'met (≥ 1.0×)' : 'NOT met (< 1.0×)'}`,
    );
  const memMet = memory.ratio <= 1.1 && memory.ratio >= 0.9;
  console.log(
    `  memory (lecture-conv, fresh model): RSS after step ${memory.checkpointStep} ${mib(memory.rssAtCheckpoint)} MiB, after step ${memory.steps} ${mib(memory.rssAtEnd)} MiB, ratio ${memory.ratio.toFixed(3)} (within 10%: ${memMet ? 'met' : 'NOT met'})`,
  );
  let epochMet: boolean | null = null;
  if (epoch) {
    const v = epoch.vaekit;
    const k = epoch.kerasTf;
    const vs = 'error' in v ? `error: ${v.error}` : `${v.epochSeconds.toFixed(1)} s epoch (${v.commandSeconds.toFixed(1)} s for the whole command)`;
    const ks = 'error' in k ? `error: ${k.error}` : `${k.epochSeconds.toFixed(1)} s epoch (${k.fitSeconds.toFixed(1)} s for the fit call, ${k.steps} steps)`;
    if (!('error' in v) && !('error' in k)) epochMet = v.epochSeconds <= k.epochSeconds;
    console.log(`  one lecture-conv epoch on ${epoch.images} images: vaekit train ${vs}; Keras fit (TF) ${ks}${epochMet === null ? '' : epochMet ? ' — met' : ' — NOT met'}`);
  }

  const report = {
    date: new Date().toISOString(),
    command: process.argv.slice(1).join(' '),
    settings: {
      batch: BATCH,
      warmupSteps: WARMUP_STEPS,
      rounds,
      stepsPerRound,
      stepsPerRun,
      kerasStepsPerExecution: kerasSpe,
      threads,
      memorySteps,
      settleMs: SETTLE_MS,
      presets,
      peers: peerNames,
    },
    machine,
    peers: Object.fromEntries(
      peerNames.map((n) => [n, versions.has(n) ? { available: true, version: versions.get(n) } : { available: false, reason: unavailable.get(n) ?? 'failed on every preset' }]),
    ),
    matmulCeiling: matmul,
    results,
    targets: { speed, memory: { ratio: memory.ratio, met: memMet }, ...(epoch ? { epoch: { met: epochMet } } : {}) },
    memory,
    ...(epoch ? { epoch } : {}),
    totalSeconds: (performance.now() - t0) / 1000,
  };
  mkdirSync(dirname(outPath), { recursive: true });
  const tmpOut = `${outPath}.${process.pid}.tmp`;
  writeFileSync(tmpOut, JSON.stringify(report, null, 2) + '\n');
  renameSync(tmpOut, outPath);
  console.log(`\nwrote ${outPath}`);
}

// ---- --device: vaekit on a device beside vaekit on the CPU -------------------------------------------

interface DeviceResult {
  preset: BenchPreset;
  /** The first step's loss on the CPU and on the device: same weights, batch and eps, so they agree to float tolerance. */
  firstLoss: { cpu: number; device: number };
  cpu: { ms: number[]; medianMs: number };
  device: { ms: number[]; medianMs: number };
  /** CPU median ÷ device median (> 1: the device is faster). */
  speedup: number;
}

/** The --device run: every preset on `dev` and on the CPU, alternating rounds; a table and a JSON file. */
async function deviceBench(dev: Device, machine: object): Promise<void> {
  try {
    await checkDevice(dev);
  } catch (e) {
    fail((e as Error).message.replace(/`device`/, '--device'));
  }
  console.log(`vaekit on ${dev} beside vaekit on the CPU (${threads} intra-op threads), each preset from seed 1`);
  const x = loadMnist('train', { limit: BATCH }).images;
  const results: DeviceResult[] = [];
  for (const preset of presets) {
    process.stdout.write(`  ${preset} …`);
    const t = performance.now();
    const models = { cpu: VAE.fromPreset(preset, { seed: 1, threads }), device: VAE.fromPreset(preset, { seed: 1, threads, device: dev }) };
    const eps = new Rng(2).normalArray(BATCH * models.cpu.latentDim);
    const firstLoss = { cpu: (await models.cpu.trainStep(x, eps)).loss, device: (await models.device.trainStep(x, eps)).loss };
    for (let i = 1; i < WARMUP_STEPS; i++) for (const m of Object.values(models)) await m.trainStep(x, eps);
    const ms = { cpu: [] as number[], device: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const side of ['cpu', 'device'] as const) {
        await sleep(SETTLE_MS);
        for (let i = 0; i < stepsPerRound; i++) {
          const t0 = performance.now();
          await models[side].trainStep(x, eps);
          ms[side].push(performance.now() - t0);
        }
      }
    }
    await Promise.all(Object.values(models).map((m) => m.dispose()));
    const r: DeviceResult = {
      preset,
      firstLoss,
      cpu: { ms: ms.cpu, medianMs: median(ms.cpu) },
      device: { ms: ms.device, medianMs: median(ms.device) },
      speedup: median(ms.cpu) / median(ms.device),
    };
    results.push(r);
    process.stdout.write(` cpu ${fmt(r.cpu.medianMs)} ms, ${dev} ${fmt(r.device.medianMs)} ms (${((performance.now() - t) / 1000).toFixed(0)} s)\n`);
  }
  console.log(`\nmedian ms per training step at batch ${BATCH}, ${rounds} rounds × ${stepsPerRound} steps per side:`);
  printTable(
    ['preset', 'cpu ms', `${dev} ms`, `${dev} speed-up`, 'first loss cpu', `first loss ${dev}`],
    results.map((r) => [r.preset, fmt(r.cpu.medianMs), fmt(r.device.medianMs), `${r.speedup.toFixed(2)}×`, r.firstLoss.cpu.toPrecision(7), r.firstLoss.device.toPrecision(7)]),
  );
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(`${outPath}.tmp`, JSON.stringify({ kind: 'device', device: dev, batch: BATCH, rounds, stepsPerRound, threads, machine, results }, null, 1));
  renameSync(`${outPath}.tmp`, outPath);
  console.log(`\nwrote ${outPath}`);
}

// ---- helpers -------------------------------------------------------------------------------------

/** Writes float32 data as a NumPy .npy file (format 1.0: magic, header dict padded to 64 bytes, data). */
function writeNpy(path: string, data: Float32Array, shape: number[]): void {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = Buffer.from(`${dict}${' '.repeat(pad % 64)}\n`, 'latin1');
  const pre = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  writeFileSync(path, Buffer.concat([pre, header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function gflops(flops: number, ms: number): number {
  return flops / (ms / 1000) / 1e9;
}

/** Three significant figures, enough for timings that vary by a few percent. */
function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

/** The commit measured, with '+dirty' when the working tree differs from it (the benchmark
 *  runs dist/, built from the working tree, so a bare commit id could mislead). */
function gitCommit(): string | null {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : '');
  } catch {
    return null;
  }
}

/** A comma-separated flag, each item checked against the allowed values. */
function list<T extends string>(s: string, allowed: readonly T[], flag: string): T[] {
  const items = s
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const v of items) if (!allowed.includes(v as T)) fail(`${flag}: unknown '${v}', expected some of ${allowed.join(', ')}`);
  return items as T[];
}

function positiveInt(flag: string, s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} expects a positive integer, got '${s}'`);
  return n;
}

function fail(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

await main();
