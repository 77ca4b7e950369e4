/**
 * The two files Keras saves a model in, read into one form (the model's config as JSON and each
 * layer's weights by layer name, Keras layout and order), and the Keras 3 one written back:
 *
 *   .keras  (Keras 3) a zip of metadata.json, config.json and model.weights.h5, whose weights sit
 *           at layers/<snake_case class>[_k]/vars/<i>, with the layer's name in vars' `name` attribute;
 *   .h5     (legacy, Keras 2 and Keras 3's `save('x.h5')`) one HDF5 file: the config in the root's
 *           `model_config` attribute, weights under model_weights/<layer>/, listed in order by
 *           each layer group's `weight_names` attribute.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { attr, group, isHdf5, readHdf5, tensor, writeHdf5, writeTensor, type H5Tensor } from './h5.js';

/** A Keras layer or model as its config serializes it: `{ class_name, config, ... }`. */
export interface KerasObject {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  module?: string | null;
  registered_name?: string | null;
  inbound_nodes?: unknown[];
  build_config?: unknown;
}

/** A Keras model file read back. */
export interface KerasFile {
  /** Which of Keras's two formats it was. */
  format: 'keras' | 'h5';
  /** The model's config (class_name Functional, Model or Sequential). */
  model: KerasObject;
  /** Each layer's weights by layer name, in Keras order (kernel, then bias). */
  weights: Map<string, H5Tensor[]>;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Keras's file name for a layer class in model.weights.h5 (`Conv2DTranspose` → `conv2d_transpose`). */
export function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The paths Keras 3 gives a list of layers in model.weights.h5: snake_case class, `_1`, `_2` … for repeats. */
export function weightPaths(classNames: readonly string[]): string[] {
  const used = new Map<string, number>();
  return classNames.map((c) => {
    const base = snakeCase(c);
    const k = used.get(base) ?? 0;
    used.set(base, k + 1);
    return k === 0 ? base : `${base}_${k}`;
  });
}

/**
 * Reads a `.keras` or legacy `.h5` Keras model file. `what` names the file in errors, each one
 * line saying what was expected and what arrived.
 */
export async function readKerasFile(bytes: Uint8Array, what: string): Promise<KerasFile> {
  if (bytes.length >= 4 && ZIP_MAGIC.every((b, i) => bytes[i] === b)) return readZip(bytes, what);
  if (isHdf5(bytes)) return readLegacyH5(bytes, what);
  throw new RangeError(`${what}: expected a Keras model file (.keras zip or legacy .h5), got ${bytes.length === 0 ? 'an empty file' : 'neither a zip nor an HDF5 file'}`);
}

function parseModelJson(text: string, what: string): KerasObject {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`${what}: the model config is not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const o = j as KerasObject;
  if (!o || typeof o !== 'object' || typeof o.class_name !== 'string' || (typeof o.config !== 'object' && !Array.isArray(o.config)))
    throw new RangeError(`${what}: the model config has no class_name/config: not a Keras model`);
  return o;
}

async function readZip(bytes: Uint8Array, what: string): Promise<KerasFile> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new RangeError(`${what}: not a readable .keras zip (truncated or damaged: ${(e as Error).message.split('\n')[0]})`);
  }
  if (!files['config.json']) throw new RangeError(`${what}: a .keras file must hold config.json, this zip holds ${Object.keys(files).join(', ') || 'nothing'}`);
  if (!files['model.weights.h5']) throw new RangeError(`${what}: a .keras file must hold model.weights.h5 (the weights), this zip holds ${Object.keys(files).join(', ')}`);
  const model = parseModelJson(strFromU8(files['config.json']), what);
  const weights = await readHdf5(files['model.weights.h5'], `${what}: model.weights.h5`, (root) => {
    const out = new Map<string, H5Tensor[]>();
    const layers = group(root, 'layers');
    if (!layers) return out;
    // Layers are filed under class-derived names; the real layer name is vars' `name` attribute.
    // Files that lack it are matched by the class-derived name Keras would have given each layer.
    const byPath = new Map<string, string>();
    const list = modelLayers(model);
    weightPaths(list.map((l) => l.class_name)).forEach((p, i) => byPath.set(p, layerName(list[i])));
    for (const key of layers.keys()) {
      const vars = group(layers, `${key}/vars`);
      if (!vars) continue;
      const named = attr(vars, 'name');
      const name = typeof named === 'string' ? named : (byPath.get(key) ?? key);
      const ids = vars
        .keys()
        .filter((k) => /^\d+$/.test(k))
        .sort((a, b) => Number(a) - Number(b));
      out.set(
        name,
        ids.map((i) => tensor(vars, i, `${what}: layer '${name}'`)),
      );
    }
    return out;
  });
  return { format: 'keras', model, weights };
}

async function readLegacyH5(bytes: Uint8Array, what: string): Promise<KerasFile> {
  return readHdf5(bytes, what, (root) => {
    const cfg = attr(root, 'model_config');
    if (typeof cfg !== 'string')
      throw new RangeError(`${what}: an HDF5 file but not a Keras model (no 'model_config' attribute; weights-only files from save_weights cannot be imported)`);
    const model = parseModelJson(cfg, what);
    const mw = group(root, 'model_weights');
    if (!mw) throw new RangeError(`${what}: a Keras .h5 model without weights (no 'model_weights' group)`);
    const weights = new Map<string, H5Tensor[]>();
    const names = attr(mw, 'layer_names');
    for (const name of Array.isArray(names) ? names : mw.keys()) {
      const g = group(mw, name);
      if (!g) continue;
      const wn = attr(g, 'weight_names');
      weights.set(
        name,
        (Array.isArray(wn) ? wn : []).map((p) => tensor(g, p, `${what}: layer '${name}'`)),
      );
    }
    return { format: 'h5' as const, model, weights };
  });
}

/** The layer list of a Functional or Sequential config (Keras 2's bare-list Sequential too). */
export function modelLayers(model: KerasObject): KerasObject[] {
  const c = model.config as unknown;
  const layers = Array.isArray(c) ? c : (c as { layers?: unknown })?.layers;
  return Array.isArray(layers) ? (layers as KerasObject[]) : [];
}

/** A layer's name: Keras 3 puts it beside the config, Keras 2 inside. */
export function layerName(l: KerasObject): string {
  const n = l.name ?? (l.config as { name?: unknown })?.name;
  return typeof n === 'string' ? n : '?';
}

/** One layer of a model to write: its config object and its weights in Keras order. */
export interface LayerToWrite {
  object: KerasObject;
  weights: H5Tensor[];
}

/**
 * Writes a Keras 3 `.keras` file: `model` is the complete model config; `layers` are its layers in
 * the config's order (InputLayers included, as Keras 3's Functional lists them), with weights.
 */
export async function writeKerasFile(model: KerasObject, layers: readonly LayerToWrite[], kerasVersion: string): Promise<Uint8Array> {
  const paths = weightPaths(layers.map((l) => l.object.class_name));
  const h5 = await writeHdf5((root) => {
    const lg = root.create_group('layers');
    layers.forEach((l, i) => {
      const vars = lg.create_group(paths[i]).create_group('vars');
      vars.create_attribute('name', layerName(l.object));
      l.weights.forEach((w, k) => writeTensor(vars, String(k), w));
    });
    root.create_group('vars').create_attribute('name', String((model.config as { name?: unknown }).name ?? 'functional'));
  });
  const metadata = { keras_version: kerasVersion, date_saved: new Date().toISOString().slice(0, 19).replace('T', '@') };
  return zipSync({ 'metadata.json': strToU8(JSON.stringify(metadata)), 'config.json': strToU8(JSON.stringify(model)), 'model.weights.h5': h5 }, { level: 0 });
}
