/**
 * Training held in memory, for the browser (and any host without a file system): the model, its
 * data and schedule, pause/resume/stop between two steps, and after every epoch the run's files
 * as bytes — the same five files `vaekit train` commits to a run folder, so a run trained here
 * opens with `vaekit report/sample/serve` and continues with `vaekit train --resume`, and a run
 * trained in Node continues here. Stop keeps the last complete epoch: the model goes back to it.
 */
import type { Dataset } from '../data/dataset.js';
import { configForData, type PresetName } from '../models/presets.js';
import { VAE, type VAEConfig } from '../models/vae.js';
import { makeManifest, runFiles, runFromFiles, RUN_FILES, type Manifest, type RunFiles } from '../run/files.js';
import type { Runtime } from '../runtime/runtime.js';
import { lossTerms } from '../util/metrics.js';
import { parseCheckpoint } from './checkpoint-format.js';
import { fit, type BatchProgress, type EpochLog } from './fit.js';

/** Options of {@link TrainingSession.create}. */
export interface SessionOptions {
  /** Where the model runs (the page's web runtime). */
  runtime: Runtime;
  /** A preset, or … */
  preset?: PresetName;
  /** … a user-defined architecture, or … */
  config?: VAEConfig;
  /** … a run's files to continue (its architecture, weights, optimizer state and schedule). */
  resume?: RunFiles;
  /** The training images. */
  train: Dataset;
  /** What the manifest records as the data's source (`mnist`, `fashion-mnist`, `images`), so Node can load it again. */
  source: string;
  /** Images of the training split used, when limited (recorded, so a resumed run takes the same). */
  limit?: number;
  /** Epochs to reach (default the config's; a resumed run's own). */
  epochs?: number;
  batchSize?: number;
  /** β, the weight of the KL term (default the preset's). */
  beta?: number;
  /** Seeds weights, noise and shuffling (default 1). */
  seed?: number;
}

/** Progress of a session, after every step. */
export interface SessionProgress extends BatchProgress {
  /** Images per second this epoch. */
  imagesPerSecond: number;
  /** Seconds left at this epoch's rate (all remaining epochs). */
  etaSeconds: number;
}

/** What {@link TrainingSession.run} resolves to. */
export interface SessionResult {
  history: EpochLog[];
  /** True when `stop()` ended training (the model holds the last complete epoch). */
  stopped: boolean;
}

/** A model in training, held in memory. */
export class TrainingSession {
  /** The model; between epochs, its weights are those of the last complete epoch. */
  readonly vae: VAE;
  /** One line per completed epoch, resumed ones included. */
  readonly history: EpochLog[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  private readonly train: Dataset;
  private readonly preset: string | null;
  private readonly dataset: NonNullable<Manifest['dataset']>;
  private readonly limit: number | undefined;
  private seconds: number;
  private snapshot: RunFiles | null;
  private abort = new AbortController();
  private gate: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private running = false;

  private constructor(o: {
    vae: VAE;
    history: EpochLog[];
    epochs: number;
    batchSize: number;
    seed: number;
    train: Dataset;
    preset: string | null;
    dataset: NonNullable<Manifest['dataset']>;
    limit?: number;
    seconds: number;
    snapshot: RunFiles | null;
  }) {
    this.vae = o.vae;
    this.history = o.history;
    this.epochs = o.epochs;
    this.batchSize = o.batchSize;
    this.seed = o.seed;
    this.train = o.train;
    this.preset = o.preset;
    this.dataset = o.dataset;
    this.limit = o.limit;
    this.seconds = o.seconds;
    this.snapshot = o.snapshot;
  }

  /**
   * A new model (from a preset or config, fitted to the data's shape and classes), or a run's
   * files to continue. Resuming refuses data of another shape and a different seed or batch size.
   */
  static async create(o: SessionOptions): Promise<TrainingSession> {
    const dataset = { name: o.train.name, source: o.source, train: o.train.count, validation: 0 };
    if (o.resume) {
      const run = runFromFiles(o.resume, { runtime: o.runtime });
      const prev = run.manifest.training;
      const refuse = (what: string, was: unknown, now: unknown) => {
        void run.vae.dispose();
        throw new Error(`\`resume\`: the run was trained with ${what} ${String(was)}, not ${String(now)}`);
      };
      if (o.seed !== undefined && o.seed !== prev.seed) refuse('seed', prev.seed, o.seed);
      if (o.batchSize !== undefined && o.batchSize !== prev.batchSize) refuse('batch size', prev.batchSize, o.batchSize);
      if (o.train.shape.join('×') !== run.manifest.inputShape.join('×')) refuse('images of', run.manifest.inputShape.join('×'), o.train.shape.join('×'));
      return new TrainingSession({
        vae: run.vae,
        history: run.history,
        epochs: Math.max(o.epochs ?? prev.epochs, run.epochsDone),
        batchSize: prev.batchSize,
        seed: prev.seed,
        train: o.train,
        preset: run.manifest.preset,
        dataset: { ...dataset, source: run.manifest.dataset?.source ?? o.source },
        limit: o.limit ?? prev.limit,
        seconds: prev.seconds,
        snapshot: o.resume,
      });
    }
    if (!o.preset && !o.config) throw new TypeError('TrainingSession: give a `preset`, a `config` or a run to `resume`');
    const seed = o.seed ?? 1;
    const config = configForData(o.config ?? o.preset!, o.train, { beta: o.beta });
    const vae = new VAE(config, { seed, runtime: o.runtime });
    return new TrainingSession({
      vae,
      history: [],
      epochs: o.epochs ?? config.epochs,
      batchSize: o.batchSize ?? config.batchSize,
      seed,
      train: o.train,
      preset: o.preset ?? null,
      dataset,
      limit: o.limit,
      seconds: 0,
      snapshot: null,
    });
  }

  /** Epochs completed. */
  get epochsDone(): number {
    return this.history.at(-1)?.epoch ?? 0;
  }

  /** True while paused. */
  get paused(): boolean {
    return this.gate !== null;
  }

  /**
   * Trains up to `epochs`, calling `onBatch` after every step and `onEpoch` after every epoch
   * (awaited: the page redraws its panels there). Resolves when done or stopped.
   */
  async run(hooks: { onBatch?: (p: SessionProgress) => void; onEpoch?: (log: EpochLog) => void | Promise<void> } = {}): Promise<SessionResult> {
    if (this.running) throw new Error('TrainingSession: already training');
    this.running = true;
    this.abort = new AbortController();
    let lastYield = performance.now();
    const left = (p: BatchProgress) => (p.batches - p.batch) * (p.seen / p.batch) + (p.epochs - p.epoch) * this.train.count;
    try {
      const r = await fit(this.vae, this.train, {
        epochs: this.epochs,
        batchSize: this.batchSize,
        seed: this.seed,
        initialEpoch: this.epochsDone,
        signal: this.abort.signal,
        // One step per call: the page shows every step and pauses between any two.
        stepsPerRun: 1,
        onBatch: (p) => {
          const imagesPerSecond = p.seen / Math.max(p.seconds, 1e-9);
          hooks.onBatch?.({ ...p, imagesPerSecond, etaSeconds: left(p) / imagesPerSecond });
          if (this.gate) return this.gate;
          // ORT's wasm backend settles its promises at once, so a loop of steps would run as
          // microtasks only and starve the page (no repaint, no clicks) for a whole epoch: hand
          // the event loop a turn every ~40 ms.
          if (performance.now() - lastYield < 40) return undefined;
          return nextTurn().then(() => void (lastYield = performance.now()));
        },
        onEpoch: async (log) => {
          this.history.push(log);
          this.seconds += log.seconds;
          this.snapshot = runFiles(this.vae, this.manifest(), this.history);
          await hooks.onEpoch?.(log);
        },
      });
      // Stopped mid-epoch: the weights moved on; go back to the last complete epoch.
      if (r.stopped && this.snapshot) {
        const ck = parseCheckpoint(this.snapshot[RUN_FILES.checkpoint], RUN_FILES.checkpoint);
        this.vae.setWeights(ck.weights);
        this.vae.setTrainingState(ck.state);
      }
      return { history: this.history, stopped: r.stopped };
    } finally {
      this.running = false;
      this.resume();
    }
  }

  /** Holds training after the current step. */
  pause(): void {
    this.gate ??= new Promise((resolve) => (this.release = resolve));
  }

  /** Lets paused training go on. */
  resume(): void {
    this.release?.();
    this.gate = null;
    this.release = null;
  }

  /** Ends training after the current step; the model goes back to the last complete epoch. */
  stop(): void {
    this.abort.abort();
    this.resume();
  }

  /** The run's files at the last complete epoch (null before the first). */
  files(): RunFiles | null {
    return this.snapshot;
  }

  /** The manifest of the model as it is now. */
  private manifest(): Manifest {
    const last = this.history.at(-1);
    return makeManifest(this.vae, {
      preset: this.preset,
      labelNames: this.train.labelNames,
      dataset: this.dataset,
      training: {
        epochs: this.epochs,
        epochsDone: this.epochsDone,
        batchSize: this.batchSize,
        seed: this.seed,
        beta: this.vae.config.loss.beta,
        klWarmup: 0,
        binarize: false,
        validation: null,
        trainOnTest: false,
        ...(this.limit !== undefined ? { limit: this.limit } : {}),
        seconds: this.seconds,
      },
      metrics: last ? { train: lossTerms(last) } : {},
    });
  }
}

/** Resolves on a later turn of the event loop (a macrotask: the page repaints and takes input first). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof MessageChannel === 'undefined') return void setTimeout(resolve, 0);
    // A message arrives on the next turn without setTimeout's 4 ms clamp.
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
