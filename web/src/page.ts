/**
 * What every panel of the explorer shares: element lookup, the error box, tracking of running
 * decodes (so tests and the busy flag can wait until the page is settled), and the loaded run.
 */
import type { ExplorerData } from '../../src/tools/explorer.js';
import type { Rng } from '../../src/rng.js';
import type { LatentModel } from '../../src/models/latent.js';
import type { RunManifest } from './model.js';

/** The element with this id (the page's HTML must have it). */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: #${id} is missing`);
  return el as T;
}

/** A new `<option>`. */
export function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

/** Error messages shown on the page (the test hook exposes them). */
export const errors: string[] = [];

/** Shows an error in the page's error box and records it. */
export function showError(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  errors.push(msg);
  const box = $('error');
  box.textContent = `Error: ${msg}`;
  box.hidden = false;
  console.error(e);
}

// Every decode is tracked, so tests (and the busy flag) can wait until the page is settled.
let inflight = 0;
let waiters: (() => void)[] = [];

/** Counts `p` as running work until it settles. */
export function track<T>(p: Promise<T>): Promise<T> {
  inflight++;
  $('cards').setAttribute('aria-busy', 'true');
  return p.finally(() => {
    if (--inflight > 0) return;
    $('cards').setAttribute('aria-busy', 'false');
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
}

/** Resolves when no tracked work is running. */
export function idle(): Promise<void> {
  return inflight === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
}

/**
 * Keeps an interactive view current: while one render runs, only the latest request waits, so
 * a fast slider never queues a backlog of stale decodes.
 */
export class Live {
  private pending: (() => Promise<void>) | null = null;
  private running = false;

  request(job: () => Promise<void>): void {
    this.pending = job;
    if (!this.running) void track(this.loop());
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending) {
        const job = this.pending;
        this.pending = null;
        try {
          await job();
        } catch (e) {
          showError(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Scale (CSS px per image px) that makes an image about `target` CSS px wide. */
export function fit(w: number, target: number): number {
  return Math.max(1, Math.floor(target / w));
}

// Each panel's markup as the page shipped it: redrawing for a new model (after an epoch of
// training) starts from fresh elements, so no listener of the previous model survives.
const pristine = new Map<string, string>();

/** Puts the sections back as the page shipped them (the first call records them). */
export function resetSections(ids: readonly string[]): void {
  for (const id of ids) {
    const el = $(id);
    if (!pristine.has(id)) pristine.set(id, el.innerHTML);
    else el.innerHTML = pristine.get(id)!;
  }
}

/** The loaded run and the page-wide state every panel reads. */
export interface Page {
  model: LatentModel;
  manifest: RunManifest;
  data: ExplorerData;
  /** The page's generator (?seed=N makes it repeatable). */
  rng: Rng;
  /** CSS pixels per image pixel for the large single images. */
  bigScale: number;
  /** The class name of label k. */
  className(k: number): string;
  /** The class chosen in the header's picker (conditional models; 0 otherwise). */
  label: number;
  /**
   * Labels for n images of a conditional model (the picked class unless `cls` is given), or
   * undefined for an unconditional one: exactly what the model's encode/decode expect.
   */
  labels(n: number, cls?: number): Int32Array | undefined;
  /** Called when the picked class changes. */
  onLabel(f: () => void): void;
  /** For a plain autoencoder (no prior): the Gaussian fitted to its test codes, for the library's prior draws. */
  fitted: { mean: number[]; std: number[] } | undefined;
}
