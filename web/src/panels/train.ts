/**
 * Train: a model trained in this page with the library's {@link TrainingSession} — a seed preset
 * or a JSON config, on a data set from the catalog (data/index.json) or on the user's own folder
 * of images (picked or dropped, decoded in this page: web/src/images.ts) —
 * with a progress bar, live loss curves, pause/resume and stop; after every epoch the explorer's
 * panels redraw from the model as it is. Download gives the run's files as one .zip that the
 * `vaekit` commands open. A run opened by `vaekit serve` can continue training here.
 */
import { CATALOG_PATH, loadCatalogDataset, type DataCatalog } from '../../../src/data/catalog.js';
import type { Dataset } from '../../../src/data/dataset.js';
import { configFromJSON, type VAEConfigJSON } from '../../../src/models/config.js';
import { PRESETS, type PresetName } from '../../../src/models/presets.js';
import { runZip, type RunFiles } from '../../../src/run/files.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import type { EpochLog } from '../../../src/train/fit.js';
import { TrainingSession, type SessionProgress } from '../../../src/train/session.js';
import { curvesSvg } from '../../../src/viz/plots.js';
import type { OwnImagesInfo, TrainRequest } from '../hook.js';
import { droppedFiles, imagesDataset, pickedFiles, type PickedFile } from '../images.js';
import { $, option, showError, track } from '../page.js';

/** What the panel needs from the page. */
export interface TrainDeps {
  runtime: Runtime;
  /** The run the page opened (its five files), to continue; null in the studio. */
  run: { files: RunFiles; source: string | null } | null;
  /** Called after every epoch with the session (the page redraws its panels); awaited. */
  onEpoch(session: TrainingSession, test: Dataset): Promise<void>;
}

/** The panel's calls, for the test hook and the page. */
export interface TrainPanel {
  /** Sets the form from `req` and trains, as the Train button does. */
  train(req: TrainRequest): Promise<EpochLog[]>;
  /** The run's files at the last complete epoch. */
  exportRun(): RunFiles;
}

const CONTINUE = 'continue';
/** The data option for the user's own images (TrainRequest.data). */
export const OWN_IMAGES = 'own-images';
/** The size own images are resized to: what `vaekit train --data FOLDER --size 28` gives, as the seed presets take. */
const OWN_SIZE: [number, number] = [28, 28];

/** Wires the Train panel. */
export function setupTrain(deps: TrainDeps): TrainPanel {
  const presetBox = $<HTMLSelectElement>('train-preset');
  const dataBox = $<HTMLSelectElement>('train-data');
  const limitBox = $<HTMLInputElement>('train-limit');
  const epochsBox = $<HTMLInputElement>('train-epochs');
  const batchBox = $<HTMLInputElement>('train-batch');
  const betaBox = $<HTMLInputElement>('train-beta');
  const seedBox = $<HTMLInputElement>('train-seed');
  const redrawBox = $<HTMLInputElement>('train-redraw');
  const startButton = $<HTMLButtonElement>('train-start');
  const pauseButton = $<HTMLButtonElement>('train-pause');
  const stopButton = $<HTMLButtonElement>('train-stop');
  const downloadButton = $<HTMLButtonElement>('train-download');
  const progress = $<HTMLProgressElement>('train-progress');
  const status = $('train-status');

  if (deps.run) presetBox.append(option(CONTINUE, 'continue this run'));
  for (const name of Object.keys(PRESETS)) presetBox.append(option(name, name));
  presetBox.append(option('config', 'JSON config…'));
  presetBox.value = deps.run ? CONTINUE : 'lecture-conv';
  let config: unknown = null;
  presetBox.addEventListener('change', () => {
    $('train-config-box').hidden = presetBox.value !== 'config';
  });
  $<HTMLInputElement>('train-config').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file)
      void file.text().then(
        (t) => (config = JSON.parse(t) as unknown),
        (err: unknown) => showError(err),
      );
  });

  // The user's own images: decoded when picked or dropped, kept until the next pick.
  const ownBox = $('train-own');
  const ownInfo = $('train-own-info');
  let own: Promise<Dataset> | null = null;
  // Last in the list: the catalog's data sets are inserted before it.
  const ownOption = option(OWN_IMAGES, 'your images…');
  dataBox.append(ownOption);
  const showOwn = () => {
    ownBox.hidden = dataBox.value !== OWN_IMAGES;
  };
  const takeOwn = (files: PickedFile[]) => {
    dataBox.value = OWN_IMAGES;
    showOwn();
    ownInfo.textContent = `decoding ${files.length} files…`;
    own = imagesDataset(files, OWN_SIZE);
    void own.then(
      (d) => {
        ownInfo.textContent = `${d.name}: ${d.count} images, ${d.shape.join('×')}, ${d.labelNames ? `${d.labelNames.length} classes (${d.labelNames.join(', ')})` : 'no classes'}`;
      },
      (err: unknown) => {
        ownInfo.textContent = 'no images';
        showError(err);
      },
    );
  };
  dataBox.addEventListener('change', showOwn);
  showOwn();
  $<HTMLInputElement>('train-files').addEventListener('change', (e) => {
    const list = (e.target as HTMLInputElement).files;
    if (list && list.length > 0) takeOwn(pickedFiles(list));
  });
  // A drop anywhere on the Train panel takes the folder (and keeps the browser from opening the file).
  const section = $('train');
  section.addEventListener('dragover', (e) => {
    e.preventDefault();
    ownBox.classList.add('dragging');
  });
  section.addEventListener('dragleave', () => ownBox.classList.remove('dragging'));
  section.addEventListener('drop', (e) => {
    e.preventDefault();
    ownBox.classList.remove('dragging');
    if (e.dataTransfer) void droppedFiles(e.dataTransfer).then(takeOwn, showError);
  });
  window.__vaekit.ownImages = async (): Promise<OwnImagesInfo | null> => {
    if (!own) return null;
    const d = await own;
    return { name: d.name, count: d.count, shape: [...d.shape], labelNames: d.labelNames, labels: d.labels ? Array.from(d.labels) : null, images: Array.from(d.images) };
  };

  // The data sets the server (or the static site) offers.
  let catalog: DataCatalog = { format: 'vaekit-data', datasets: [] };
  const catalogLoaded = fetch(CATALOG_PATH, { cache: 'no-cache' })
    .then((r) => (r.ok ? (r.json() as Promise<DataCatalog>) : catalog))
    .then((c) => {
      catalog = c;
      const ownChosen = dataBox.value === OWN_IMAGES && own !== null;
      for (const d of c.datasets) dataBox.insertBefore(option(d.name, d.title), ownOption);
      if (!ownChosen && c.datasets.length > 0) dataBox.value = c.datasets[0].name;
      if (deps.run?.source && c.datasets.some((d) => d.name === deps.run!.source)) dataBox.value = deps.run.source;
      showOwn();
    });
  let session: TrainingSession | null = null;
  const curve: { x: number[]; loss: number[] } = { x: [], loss: [] };
  const epochLoss: { x: number[]; loss: number[] } = { x: [], loss: [] };
  const drawCurves = () => {
    if (!curve.x.length) return;
    $('train-curves').innerHTML = curvesSvg(
      [
        { name: 'loss (running mean this epoch)', values: curve.loss, x: curve.x },
        { name: 'epoch mean', values: epochLoss.loss, x: epochLoss.x, dashed: true },
      ],
      { xLabel: 'epoch', yLabel: 'loss per image', width: 560, height: 260 },
    );
  };
  const setRunning = (running: boolean) => {
    startButton.disabled = running;
    pauseButton.disabled = !running;
    stopButton.disabled = !running;
    pauseButton.textContent = 'Pause';
  };

  /** Loads the data and makes the session the form describes. */
  const prepare = async (): Promise<{ session: TrainingSession; test: Dataset }> => {
    if (dataBox.value === OWN_IMAGES) {
      if (!own) throw new Error('no images yet: choose or drop a folder of PNG or JPEG images');
      // All of them (no limit), and the explorer shows the same images: there is no test split.
      const images = await own;
      return make(images, images, 'images', undefined);
    }
    await catalogLoaded;
    const limit = Number(limitBox.value) || undefined;
    {
      const entry = catalog.datasets.find((d) => d.name === dataBox.value);
      if (!entry) throw new Error(`no data set '${dataBox.value}' here (the catalog offers ${catalog.datasets.map((d) => d.name).join(', ') || 'none'})`);
      const get = async (url: string) => {
        const r = await fetch(url);
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        return new Uint8Array(await r.arrayBuffer());
      };
      const [train, test] = await Promise.all([loadCatalogDataset(entry, 'train', get, { limit }), loadCatalogDataset(entry, 'test', get, { limit: 2000 })]);
      return make(train, test, entry.name, limit);
    }
  };

  const make = async (train: Dataset, test: Dataset, source: string, limit: number | undefined): Promise<{ session: TrainingSession; test: Dataset }> => {
    const common = {
      runtime: deps.runtime,
      train,
      source,
      limit,
      epochs: Number(epochsBox.value),
      batchSize: Number(batchBox.value),
      seed: Number(seedBox.value),
    };
    const choice = presetBox.value;
    if (choice === CONTINUE) {
      const files = session?.files() ?? deps.run!.files;
      return { session: await TrainingSession.create({ ...common, resume: files, batchSize: undefined, seed: undefined }), test };
    }
    const beta = Number(betaBox.value);
    if (choice === 'config') {
      if (config === null) throw new Error('no config yet: choose a JSON config file');
      return { session: await TrainingSession.create({ ...common, config: configFromJSON(config as VAEConfigJSON), beta }), test };
    }
    return { session: await TrainingSession.create({ ...common, preset: choice as PresetName, beta }), test };
  };

  const start = async (): Promise<EpochLog[]> => {
    setRunning(true);
    status.textContent = 'loading data…';
    try {
      const previous = session;
      const made = await prepare();
      if (previous && previous !== made.session) await previous.vae.dispose().catch(() => undefined);
      session = made.session;
      const s = session;
      curve.x = [];
      curve.loss = [];
      epochLoss.x = s.history.map((h) => h.epoch);
      epochLoss.loss = s.history.map((h) => h.loss);
      progress.max = s.epochs;
      const r = await s.run({
        onBatch: (p: SessionProgress) => {
          const at = p.epoch - 1 + p.batch / p.batches;
          progress.value = at;
          curve.x.push(at);
          curve.loss.push(p.metrics.loss);
          status.textContent = `epoch ${p.epoch}/${p.epochs} · batch ${p.batch}/${p.batches} · loss ${p.metrics.loss.toFixed(2)} · ${Math.round(p.imagesPerSecond)} images/s · ETA ${clock(p.etaSeconds)}`;
          if (p.batch % 10 === 0 || p.batch === p.batches) drawCurves();
        },
        onEpoch: async (log) => {
          epochLoss.x.push(log.epoch);
          epochLoss.loss.push(log.loss);
          drawCurves();
          downloadButton.disabled = false;
          if (redrawBox.checked) await deps.onEpoch(s, made.test);
        },
      });
      status.textContent = r.stopped
        ? `stopped: the model holds epoch ${s.epochsDone} (the last complete one)`
        : `done: ${s.epochsDone} epochs, loss ${s.history.at(-1)?.loss.toFixed(2) ?? '—'}`;
      // A finished session continues where it ended.
      if (!presetBox.querySelector(`option[value="${CONTINUE}"]`)) presetBox.prepend(option(CONTINUE, 'continue this run'));
      if (s.files()) presetBox.value = CONTINUE;
      return r.history;
    } finally {
      setRunning(false);
    }
  };

  // Training is not `track`ed: `idle()` means the panels are drawn, and they redraw during training.
  startButton.addEventListener('click', () => void start().catch(showError));
  pauseButton.addEventListener('click', () => {
    if (!session) return;
    if (session.paused) session.resume();
    else session.pause();
    pauseButton.textContent = session.paused ? 'Resume' : 'Pause';
  });
  stopButton.addEventListener('click', () => session?.stop());
  downloadButton.addEventListener('click', () => {
    const files = session?.files();
    if (!files) return;
    const url = URL.createObjectURL(new Blob([runZip(files) as BlobPart], { type: 'application/zip' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `vaekit-run-epoch${session!.epochsDone}.zip`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });

  return {
    async train(req) {
      await catalogLoaded;
      presetBox.value = req.preset ?? 'lecture-conv';
      if (req.data !== undefined) dataBox.value = req.data;
      showOwn();
      limitBox.value = req.limit === undefined ? '' : String(req.limit);
      if (req.epochs !== undefined) epochsBox.value = String(req.epochs);
      if (req.batchSize !== undefined) batchBox.value = String(req.batchSize);
      if (req.beta !== undefined) betaBox.value = String(req.beta);
      if (req.seed !== undefined) seedBox.value = String(req.seed);
      redrawBox.checked = req.redraw ?? true;
      return start();
    },
    exportRun() {
      const files = session?.files();
      if (!files) throw new Error('no run yet: train at least one epoch');
      return files;
    },
  };
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}
