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
  latentDim: number;
  numClasses: number | null;
  /** Steer sliders on the page. */
  sliders: number;
  preset: string | null;
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
}

declare global {
  interface Window {
    __vaekit: VaekitHook;
  }
}
