/**
 * The page's test hook, `window.__vaekit` (types only: the page fills it in, tests read it).
 * End-to-end tests wait on `ready` and `idle()` instead of guessing with timeouts.
 */

/** What `decodeLatencyMs` measures. */
export interface Latency {
  /** Images per decoder call. */
  n: number;
  /** Median milliseconds per image (median call time / n). */
  perImageMs: number;
  /** Median milliseconds per call. */
  medianCallMs: number;
  /** Every timed call, in ms. */
  callsMs: number[];
}

/** What `window.__vaekit.ready` resolves to. */
export interface ReadyInfo {
  /** 'explorer': the page opened a run; 'studio': no run, only the Train panel until the first epoch. */
  mode: 'explorer' | 'studio';
  /** The run's latent size (null in the studio). */
  latentDim: number | null;
  numClasses: number | null;
  /** Steer sliders on the page (0 in the studio). */
  sliders: number;
  preset: string | null;
}

/** What `window.__vaekit.train` takes: the Train panel's form. */
export interface TrainRequest {
  /** A preset name, or 'continue' (the opened or last trained run). Default 'lecture-conv'. */
  preset?: string;
  /**
   * A catalog data set ('mnist', 'fashion-mnist'), or 'own-images': the folder last picked
   * (`[data-testid=train-files]`) or dropped on the Train panel, resized to 28×28; `limit` does
   * not apply to it, and the explorer shows the same images (no test split).
   */
  data?: string;
  epochs?: number;
  /** Training images (the first ones); all when absent. */
  limit?: number;
  batchSize?: number;
  beta?: number;
  seed?: number;
  /** Redraw the explorer's panels after every epoch (default true). */
  redraw?: boolean;
}

/** The data set the page made from the user's own images (what `ownImages` resolves to). */
export interface OwnImagesInfo {
  /** The folder's name ('images' for loose files). */
  name: string;
  count: number;
  /** [height, width, channels]. */
  shape: number[];
  labelNames: string[] | null;
  labels: number[] | null;
  /** Every pixel, count × height × width × channels, HWC, in [0, 1]. */
  images: number[];
}

/** One epoch's figures, as `train` resolves them. */
export interface EpochFigures {
  epoch: number;
  loss: number;
  reconstruction: number;
  kl: number;
  seconds: number;
  imagesPerSecond: number;
}

/** The test hook on `window.__vaekit`. */
export interface VaekitHook {
  /** Resolves once the model is loaded and every section has drawn (rejects on a load error). */
  ready: Promise<ReadyInfo>;
  /** Resolves when no decode is running or waiting. */
  idle(): Promise<void>;
  /** Times decoder calls of n random latent vectors (after one warm-up call): defaults 64 and 10. */
  decodeLatencyMs(n?: number, runs?: number): Promise<Latency>;
  /** Error messages shown on the page. */
  errors: string[];
  /** The runtime the page chose, e.g. 'onnxruntime-web (wasm, 2 threads)' (set before `ready` resolves). */
  backend: string;
  /** Trains as the Train panel's button does, with its form set from `req`; resolves to every epoch's figures (resumed ones included). */
  train(req: TrainRequest): Promise<EpochFigures[]>;
  /** Decodes latent vectors (row-major, n × latentDim) with the model the panels show; resolves to the images' pixels. */
  decode(z: number[], labels?: number[]): Promise<number[]>;
  /**
   * The data set made from the images last picked or dropped on the Train panel (null before any);
   * set by the Train panel, so tests compare it with Node's `loadImageFolder`.
   */
  ownImages?(): Promise<OwnImagesInfo | null>;
  /** The run's files at the last complete epoch, by name (what Download zips). */
  exportRun(): Promise<Record<string, Uint8Array>>;
}

declare global {
  interface Window {
    __vaekit: VaekitHook;
  }
}
