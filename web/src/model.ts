/**
 * The run in the browser: its manifest, explorer data and exported encoder/decoder, loaded as
 * the library's {@link OnnxLatentModel} on the page's web runtime, and its checkpoint and log
 * (when served) so the Train panel can continue it. ORT's files come from the vaekit server (or
 * the static site) at ort/, never from a CDN, so the page works with no network at all.
 */
import { OnnxLatentModel } from '../../src/models/exported.js';
import { RUN_FILES, type RunFiles } from '../../src/run/files.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { ExplorerData } from '../../src/tools/explorer.js';

/** What the page knows about the run (manifest.json, narrowed to what it uses). */
export interface RunManifest {
  preset: string | null;
  inputShape: [number, number, number];
  latentDim: number;
  numClasses: number | null;
  variational: boolean;
  labelNames: string[] | null;
  dataset: { name: string; source?: string } | null;
  training?: { epochsDone?: number };
}

/** A loaded run. */
export interface LoadedRun {
  manifest: RunManifest;
  data: ExplorerData;
  /** The run's model: a LatentModel, as the library's tools take it. */
  model: OnnxLatentModel;
  /** The run's five files, when the checkpoint is served (to continue training); else null. */
  files: RunFiles | null;
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url, { cache: 'no-cache' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

/** Fetches the run's files and starts both sessions; null when the page has no run (the studio). */
export async function loadRun(runtime: Runtime, base = './'): Promise<LoadedRun | null> {
  const head = await fetch(`${base}run/${RUN_FILES.manifest}`, { cache: 'no-cache' });
  if (head.status === 404) return null;
  if (!head.ok) throw new Error(`${base}run/${RUN_FILES.manifest}: HTTP ${head.status}`);
  const bytes = (url: string) => fetchOk(url).then(async (r) => new Uint8Array(await r.arrayBuffer()));
  const optional = (url: string) => fetch(url, { cache: 'no-cache' }).then(async (r) => (r.ok ? new Uint8Array(await r.arrayBuffer()) : null));
  const [manifestBytes, data, dec, enc, checkpoint, log] = await Promise.all([
    head.arrayBuffer().then((b) => new Uint8Array(b)),
    fetchOk(`${base}run/explorer.json`).then((r) => r.json() as Promise<ExplorerData>),
    bytes(`${base}run/${RUN_FILES.decoder}`),
    bytes(`${base}run/${RUN_FILES.encoder}`),
    optional(`${base}run/${RUN_FILES.checkpoint}`),
    optional(`${base}run/${RUN_FILES.log}`),
  ]);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as RunManifest;
  const model = await OnnxLatentModel.load(runtime, enc, dec, {
    inputShape: manifest.inputShape,
    latentDim: manifest.latentDim,
    numClasses: manifest.numClasses,
    variational: manifest.variational,
  });
  const files = checkpoint
    ? {
        [RUN_FILES.manifest]: manifestBytes,
        [RUN_FILES.encoder]: enc,
        [RUN_FILES.decoder]: dec,
        [RUN_FILES.checkpoint]: checkpoint,
        [RUN_FILES.log]: log ?? new Uint8Array(0),
      }
    : null;
  return { manifest, data, model, files };
}
