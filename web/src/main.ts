/**
 * The explorer page: Train a model here (the studio, or continuing the opened run), then
 * Generate, Steer, Map, Morph and Reconstruct over it, every image decoded and every training
 * step run here with onnxruntime-web. Plain DOM and canvas; one module per panel
 * (panels/), the shared plumbing in page.ts, and every piece of latent maths from the library
 * (src/tools/latent.ts) through the run's model, a `LatentModel` like any other.
 *
 * Tests drive it through `window.__vaekit` (ready, idle, decodeLatencyMs, train, exportRun) and the elements'
 * data-testid attributes.
 */
import type { LatentModel } from '../../src/models/latent.js';
import { Rng } from '../../src/rng.js';
import { RUN_FILES } from '../../src/run/files.js';
import { chooseBackend, webRuntime, type WebBackend } from '../../src/runtime/web.js';
import { buildExplorerData, type ExplorerData } from '../../src/tools/explorer.js';
import { drawPrior } from '../../src/tools/latent.js';
import { decodeImages } from './draw.js';
import type { Latency, ReadyInfo, VaekitHook } from './hook.js';
import { loadRun, type RunManifest } from './model.js';
import { $, errors, fit, idle, option, resetSections, showError, track, type Page } from './page.js';
import { setupGenerate } from './panels/generate.js';
import { setupMap } from './panels/map.js';
import { setupMorph } from './panels/morph.js';
import { setupReconstruct } from './panels/reconstruct.js';
import { setupSteer } from './panels/steer.js';
import { setupTrain } from './panels/train.js';
import './style.css';

const SECTIONS = ['generate', 'steer', 'map', 'morph', 'reconstruct'] as const;
const params = new URLSearchParams(location.search);

async function main(): Promise<ReadyInfo> {
  // The backend: WebGPU where the browser offers it, else wasm on as many threads as isolation allows; ?backend=wasm|webgpu overrides.
  const prefer = params.get('backend');
  const choice = await chooseBackend(prefer === 'wasm' || prefer === 'webgpu' ? (prefer as WebBackend) : undefined);
  // ?threads=N caps the wasm threads (benchmarks compare 1 and 2).
  const threads = Math.max(1, Math.min(choice.threads, Number(params.get('threads')) || choice.threads));
  const runtime = webRuntime({ wasmPaths: new URL('ort/', location.href).href, backend: choice.backend, threads });
  hook.backend = runtime.name;
  $('backend').textContent = runtime.name + (choice.reason.includes('(') || choice.reason.includes(':') ? ` — ${choice.reason}` : '');

  const run = await loadRun(runtime, './');
  const train = setupTrain({
    runtime,
    run: run?.files ? { files: run.files, source: run.manifest.dataset?.source ?? null } : null,
    // After every epoch: the explorer's data from the model as it is, and every panel redrawn.
    async onEpoch(session, test) {
      const manifest = JSON.parse(new TextDecoder().decode(session.files()![RUN_FILES.manifest])) as RunManifest;
      const data = await buildExplorerData(session.vae, test, { variational: session.vae.variational, labelNames: manifest.labelNames, dataFrom: 'run', points: 1000 });
      await showExplorer(session.vae, manifest, data);
    },
  });
  hook.train = (req) =>
    train
      .train(req)
      .then((h) => h.map((e) => ({ epoch: e.epoch, loss: e.loss, reconstruction: e.reconstruction, kl: e.kl, seconds: e.seconds, imagesPerSecond: e.imagesPerSecond })));
  hook.exportRun = () => Promise.resolve(train.exportRun());

  if (!run) {
    // The studio: nothing to explore until the first epoch.
    document.title = 'vaekit studio';
    $('run-info').textContent = 'studio: no run yet — train one below';
    $('cards').hidden = true;
    return { mode: 'studio', latentDim: null, numClasses: null, sliders: 0, preset: null };
  }
  const info = await showExplorer(run.model, run.manifest, run.data);
  // Latency of the decoder in this page, shown in the footer.
  const lat = await decodeLatency(run.model, 64, 5);
  $('latency').textContent = `decoder: ${lat.perImageMs.toFixed(2)} ms per image (batches of 64)`;
  hook.decodeLatencyMs = (n = 64, runs = 10) => track(decodeLatency(run.model, n, runs));
  return info;
}

/** Sets up every explorer panel over a model (the opened run, or the model in training) and draws them. */
async function showExplorer(model: LatentModel, manifest: RunManifest, data: ExplorerData): Promise<ReadyInfo> {
  await idle(); // the previous model's renders
  hook.decode = async (z, labels) => [...(await model.decode(Float32Array.from(z), labels ? Int32Array.from(labels) : undefined))];
  resetSections(SECTIONS);
  $('cards').hidden = false;
  const L = model.latentDim;
  const K = model.numClasses ?? 0;
  const names = data.labelNames ?? manifest.labelNames ?? [];
  // ?seed=N makes the page's draws repeatable (screenshots, tests).
  const seedParam = Number(params.get('seed'));
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
  const epochs = manifest.training?.epochsDone;
  document.title = `vaekit explorer · ${manifest.preset ?? 'custom model'}`;
  $('run-info').textContent = [manifest.preset ?? 'custom model', kind, `latent ${L}`, data.dataset, `${model.inputShape.join('×')}`, ...(epochs ? [`epoch ${epochs}`] : [])].join(
    ' · ',
  );
  const picker = $<HTMLSelectElement>('label-picker');
  picker.replaceChildren();
  $('label-box').hidden = !K;
  if (K) {
    for (let k = 0; k < K; k++) picker.append(option(String(k), page.className(k)));
    picker.onchange = () => {
      page.label = Number(picker.value);
      for (const f of labelListeners) f();
    };
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
  return { mode: 'explorer', latentDim: L, numClasses: manifest.numClasses, sliders: data.sliders.directions.length, preset: manifest.preset };
}

/** Times decoder calls of n prior draws (after one warm-up call). */
async function decodeLatency(model: LatentModel, n: number, runs: number): Promise<Latency> {
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
  backend: '',
  train: () => Promise.reject(new Error('the page is not ready yet')),
  exportRun: () => Promise.reject(new Error('the page is not ready yet')),
  decode: () => Promise.reject(new Error('no model yet')),
};
window.__vaekit = hook;
hook.ready = main();
hook.ready.catch((e) => showError(e));
