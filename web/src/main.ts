/**
 * The latent-space explorer page: Generate, Steer, Map, Morph and Reconstruct over one run,
 * every image decoded here with onnxruntime-web. Plain DOM and canvas; one module per panel
 * (panels/), the shared plumbing in page.ts, and every piece of latent maths from the library
 * (src/tools/latent.ts) through the run's model, a `LatentModel` like any other.
 *
 * Tests drive it through `window.__vaekit` (ready, idle, decodeLatencyMs) and the elements'
 * data-testid attributes.
 */
import { Rng } from '../../src/rng.js';
import { drawPrior } from '../../src/tools/latent.js';
import { decodeImages } from './draw.js';
import type { Latency, ReadyInfo, VaekitHook } from './hook.js';
import { loadRun } from './model.js';
import { $, errors, fit, idle, option, showError, track, type Page } from './page.js';
import { setupGenerate } from './panels/generate.js';
import { setupMap } from './panels/map.js';
import { setupMorph } from './panels/morph.js';
import { setupReconstruct } from './panels/reconstruct.js';
import { setupSteer } from './panels/steer.js';
import './style.css';

async function main(): Promise<ReadyInfo> {
  const { model, manifest, data } = await loadRun('./');
  const L = model.latentDim;
  const K = model.numClasses ?? 0;
  const names = data.labelNames ?? manifest.labelNames ?? [];
  // ?seed=N makes the page's draws repeatable (screenshots, tests).
  const seedParam = Number(new URLSearchParams(location.search).get('seed'));
  const labelListeners: (() => void)[] = [];
  const page: Page = {
    model,
    manifest,
    data,
    rng: new Rng(Number.isInteger(seedParam) && seedParam > 0 ? seedParam : Date.now() >>> 0),
    bigScale: fit(model.inputShape[1], 140),
    className: (k) => names[k] ?? String(k),
    label: 0,
    labels: (n, cls) => (K ? new Int32Array(n).fill(cls ?? page.label) : undefined),
    onLabel: (f) => labelListeners.push(f),
    // A plain autoencoder has no prior: the library draws from a Gaussian fitted to its codes.
    fitted: manifest.variational ? undefined : { mean: data.codeStats.mean, std: data.codeStats.std },
  };

  // Header: what the run is, and the label picker of conditional models.
  const kind = manifest.variational ? (K ? 'conditional VAE' : 'VAE') : 'autoencoder';
  document.title = `vaekit explorer · ${manifest.preset ?? 'custom model'}`;
  $('run-info').textContent = [manifest.preset ?? 'custom model', kind, `latent ${L}`, data.dataset, `${model.inputShape.join('×')}`].join(' · ');
  if (K) {
    const picker = $<HTMLSelectElement>('label-picker');
    for (let k = 0; k < K; k++) picker.append(option(String(k), page.className(k)));
    $('label-box').hidden = false;
    picker.addEventListener('change', () => {
      page.label = Number(picker.value);
      for (const f of labelListeners) f();
    });
  }

  const testImages = decodeImages(data.images.data);
  const first = {
    generate: setupGenerate(page),
    steer: setupSteer(page),
    map: setupMap(page),
    morph: setupMorph(page, testImages),
    reconstruct: setupReconstruct(page, testImages),
  };
  first.generate();
  first.steer();
  await first.map();
  first.morph();
  first.reconstruct();
  await idle();
  if (errors.length) throw new Error(errors[0]);

  // Latency of the decoder in this page, shown in the footer.
  const lat = await decodeLatency(page, 64, 5);
  $('latency').textContent = `decoder: ${lat.perImageMs.toFixed(2)} ms per image (batches of 64)`;
  hook.decodeLatencyMs = (n = 64, runs = 10) => track(decodeLatency(page, n, runs));
  return { latentDim: L, numClasses: manifest.numClasses, sliders: data.sliders.directions.length, preset: manifest.preset };
}

/** Times decoder calls of n prior draws (after one warm-up call). */
async function decodeLatency(page: Page, n: number, runs: number): Promise<Latency> {
  const { model } = page;
  const z = drawPrior(model.latentDim, n, { rng: new Rng(12345) });
  const K = model.numClasses;
  const labels = K ? Int32Array.from({ length: n }, (_, i) => i % K) : undefined;
  await model.decode(z, labels); // warm-up
  const callsMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await model.decode(z, labels);
    callsMs.push(performance.now() - t0);
  }
  const m = median(callsMs);
  return { n, perImageMs: m / n, medianCallMs: m, callsMs };
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const hook: VaekitHook = {
  ready: null as unknown as VaekitHook['ready'],
  idle,
  decodeLatencyMs: () => Promise.reject(new Error('the model is not loaded yet')),
  errors,
};
window.__vaekit = hook;
hook.ready = main();
hook.ready.catch((e) => showError(e));
