/**
 * The run in the browser: its manifest, explorer data and exported encoder/decoder, loaded as
 * the library's {@link OnnxLatentModel} on the web runtime (onnxruntime-web's plain wasm
 * backend on one thread: no cross-origin isolation needed). ORT's files come from the vaekit
 * server at /ort/, never from a CDN, so the page works with no network at all.
 */
import { OnnxLatentModel } from '../../src/models/exported.js';
import { webRuntime } from '../../src/runtime/web.js';
import type { ExplorerData } from '../../src/tools/explorer.js';

/** What the page knows about the run (manifest.json, narrowed to what it uses). */
export interface RunManifest {
  preset: string | null;
  inputShape: [number, number, number];
  latentDim: number;
  numClasses: number | null;
  variational: boolean;
  labelNames: string[] | null;
  dataset: { name: string } | null;
  training?: { epochsDone?: number };
}

/** A loaded run. */
export interface LoadedRun {
  manifest: RunManifest;
  data: ExplorerData;
  /** The run's model: a LatentModel, as the library's tools take it. */
  model: OnnxLatentModel;
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url, { cache: 'no-cache' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

/** Fetches the run's files from the server and starts both sessions. */
export async function loadRun(base = './'): Promise<LoadedRun> {
  const runtime = webRuntime({ wasmPaths: new URL('ort/', new URL(base, location.href)).href });
  const [manifest, data, dec, enc] = await Promise.all([
    fetchOk(`${base}run/manifest.json`).then((r) => r.json() as Promise<RunManifest>),
    fetchOk(`${base}run/explorer.json`).then((r) => r.json() as Promise<ExplorerData>),
    fetchOk(`${base}run/decoder.onnx`).then((r) => r.arrayBuffer()),
    fetchOk(`${base}run/encoder.onnx`).then((r) => r.arrayBuffer()),
  ]);
  const model = await OnnxLatentModel.load(runtime, new Uint8Array(enc), new Uint8Array(dec), {
    inputShape: manifest.inputShape,
    latentDim: manifest.latentDim,
    numClasses: manifest.numClasses,
    variational: manifest.variational,
  });
  return { manifest, data, model };
}
