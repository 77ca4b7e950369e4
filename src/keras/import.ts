/**
 * Keras models into vaekit: `importKeras` turns the bytes of a saved Keras encoder and decoder
 * (`.keras` or legacy `.h5`) into a trainable {@link VAE} with Keras's weights, and
 * `importKerasRun` writes it as a normal run folder (encoder.onnx, decoder.onnx, manifest.json,
 * checkpoint.bin, log.jsonl) that every vaekit command, `train --resume` included, accepts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { loadDataSource, type DataSourceOptions, type DataSplits } from '../data/source.js';
import type { VAEConfig } from '../models/vae.js';
import { VAE } from '../models/vae.js';
import { layerFromSpec } from '../nn/layers.js';
import { commitEpoch, describeData, makeManifest, type Manifest, type ModelSource } from '../run/run.js';
import { readKerasFile } from './files.js';
import { translateKeras, type KerasTranslation } from './translate.js';

/**
 * How an imported model keeps training (`vaekit train --resume`) when the caller does not say:
 * the lecture's objective and schedule, sum of squared errors + KL, Adam (1e-3), 30 epochs of 128.
 * A Keras file holds the encoder and decoder only; the objective lived in the training script.
 */
export const KERAS_IMPORT_TRAINING: Pick<VAEConfig, 'loss' | 'optimizer' | 'epochs' | 'batchSize'> = {
  loss: { reconstruction: 'sse', klReduction: 'sum', scale: 1, beta: 1 },
  optimizer: { name: 'adam' },
  epochs: 30,
  batchSize: 128,
};

/** Options of {@link importKeras}. */
export interface ImportKerasOptions {
  /** How to view a flat (e.g. 784) input as an image; default from the decoder's output, else square. */
  imageShape?: readonly [number, number, number];
  /** Objective, optimizer and schedule for further training (default {@link KERAS_IMPORT_TRAINING}). */
  training?: Partial<Pick<VAEConfig, 'loss' | 'optimizer' | 'epochs' | 'batchSize'>>;
  /** Names for the two files in errors and the manifest (default 'encoder', 'decoder'). */
  names?: { encoder: string; decoder: string };
  /** ORT threads of the model. */
  threads?: number;
}

/** The manifest of an imported run: a normal one, plus the Keras files it came from. */
export type ImportedManifest = Manifest & { source: ModelSource };

/** A model read from Keras files, with what the translation found. */
export interface KerasImport {
  vae: VAE;
  translation: KerasTranslation;
  formats: { encoder: 'keras' | 'h5'; decoder: 'keras' | 'h5' };
}

/** Reads, translates and builds; the detailed form of {@link importKeras}. */
export async function readKerasModel(encoder: Uint8Array, decoder: Uint8Array, opts: ImportKerasOptions = {}): Promise<KerasImport> {
  const names = opts.names ?? { encoder: 'encoder', decoder: 'decoder' };
  const [ef, df] = [await readKerasFile(encoder, names.encoder), await readKerasFile(decoder, names.decoder)];
  const t = translateKeras(ef, df, names, { imageShape: opts.imageShape });
  const config: VAEConfig = {
    inputShape: t.inputShape,
    latentDim: t.latentDim,
    encoder: t.encoder.map(layerFromSpec),
    decoder: t.decoder.map(layerFromSpec),
    ...KERAS_IMPORT_TRAINING,
    ...opts.training,
    variational: t.variational,
  };
  let vae: VAE;
  try {
    vae = new VAE(config, { threads: opts.threads });
  } catch (e) {
    throw new RangeError(`${names.encoder} + ${names.decoder}: vaekit cannot build this architecture: ${(e as Error).message}`);
  }
  try {
    vae.setWeights(vae.getWeights().map((w, i) => ({ name: w.name, shape: t.weights[i]?.shape ?? [], data: t.weights[i]?.data ?? new Float32Array(0) })));
  } catch (e) {
    await vae.dispose();
    throw new RangeError(`${names.encoder} + ${names.decoder}: the weights do not fit the architecture: ${(e as Error).message}`);
  }
  return { vae, translation: t, formats: { encoder: ef.format, decoder: df.format } };
}

/**
 * A Keras encoder and decoder (the bytes of `.keras` or legacy `.h5` files, as
 * `encoder.save(...)`, `decoder.save(...)` write them) as a trainable VAE with the same weights.
 * Throws one line naming the layer, its class and what vaekit supports when the model is not one
 * vaekit can represent exactly.
 */
export async function importKeras(encoder: Uint8Array, decoder: Uint8Array, opts: ImportKerasOptions = {}): Promise<VAE> {
  return (await readKerasModel(encoder, decoder, opts)).vae;
}

/** Options of {@link importKerasRun}. */
export interface ImportKerasRunOptions extends Omit<ImportKerasOptions, 'names' | 'imageShape'> {
  /** The Keras encoder file (.keras or .h5). */
  encoder: string;
  /** The Keras decoder file. */
  decoder: string;
  /** Run folder to write; it must not hold a run already. */
  out: string;
  /** The data the model belongs to (for the explorer, morphs, report and further training): `mnist` (default), `fashion-mnist`, a folder or a .npy. */
  data?: string;
  dataOptions?: DataSourceOptions;
}

/**
 * Imports a Keras encoder and decoder into a new run folder. Everything is checked and built in
 * memory first; only then are the files written (each atomically), so a refused import leaves
 * nothing behind.
 */
export async function importKerasRun(o: ImportKerasRunOptions): Promise<{ vae: VAE; manifest: ImportedManifest }> {
  const read = (p: string) => {
    try {
      return new Uint8Array(readFileSync(p));
    } catch (e) {
      throw new RangeError(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read it'}`);
    }
  };
  const bytes = [read(o.encoder), read(o.decoder)];
  if (existsSync(o.out) && readdirSync(o.out).length) throw new RangeError(`${o.out}: already exists and is not empty; choose a new run folder`);
  const data = o.data ?? 'mnist';
  const splits: DataSplits = loadDataSource(data, o.dataOptions ?? {});
  const {
    vae,
    translation: t,
    formats,
  } = await readKerasModel(bytes[0], bytes[1], {
    ...o,
    names: { encoder: o.encoder, decoder: o.decoder },
    imageShape: splits.train.shape as [number, number, number],
  });
  try {
    if (splits.train.shape.join() !== vae.inputShape.join())
      throw new RangeError(`\`data\` ${data}: images are ${splits.train.shape.join('×')}, the Keras model takes ${vae.inputShape.join('×')}`);
    const source: ModelSource = {
      kind: 'keras',
      encoder: { file: basename(o.encoder), format: formats.encoder },
      decoder: { file: basename(o.decoder), format: formats.decoder },
      sampling: t.sampling,
      kerasInputShape: t.kerasInputShape,
    };
    const manifest = makeManifest(vae, {
      preset: null,
      labelNames: splits.train.labelNames,
      dataset: describeData(data, o.dataOptions, splits.train, null, splits.test),
      training: { epochs: vae.config.epochs, epochsDone: 0, batchSize: vae.config.batchSize, seed: 1, beta: vae.config.loss.beta, klWarmup: 0, seconds: 0 },
      metrics: {},
      source,
    }) as ImportedManifest;
    const created = !existsSync(o.out);
    mkdirSync(o.out, { recursive: true });
    try {
      commitEpoch(o.out, vae, manifest, []);
    } catch (e) {
      if (created) rmSync(resolve(o.out), { recursive: true, force: true });
      throw e;
    }
    return { vae, manifest };
  } catch (e) {
    await vae.dispose();
    throw e;
  }
}
