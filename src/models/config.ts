/**
 * A VAEConfig as plain JSON and back: how a run's manifest records any architecture, preset or
 * user-defined, so that loading a run rebuilds exactly the model that was trained.
 */
import { layerFromSpec, type LayerSpec } from '../nn/layers.js';
import type { LossConfig } from '../nn/losses.js';
import type { OptimizerSpec } from '../optim/optimizers.js';
import type { VAEConfig } from './vae.js';

/**
 * The JSON form of a {@link VAEConfig}. Written in full; when read (e.g. `vaekit train --config`),
 * what is left out takes the seeds' defaults: SSE + KL, Adam, 30 epochs of 128, variational.
 */
export interface VAEConfigJSON {
  inputShape: [number, number, number];
  latentDim: number;
  encoder: LayerSpec[];
  decoder: LayerSpec[];
  loss?: Partial<LossConfig>;
  optimizer?: OptimizerSpec;
  epochs?: number;
  batchSize?: number;
  variational?: boolean;
  numClasses?: number | null;
}

/** Serializes a config (its layers by their specs). */
export function configToJSON(c: VAEConfig): VAEConfigJSON {
  return {
    inputShape: [...c.inputShape],
    latentDim: c.latentDim,
    encoder: c.encoder.map((l) => l.toJSON()),
    decoder: c.decoder.map((l) => l.toJSON()),
    loss: { ...c.loss },
    optimizer: { ...c.optimizer },
    epochs: c.epochs,
    batchSize: c.batchSize,
    variational: c.variational ?? true,
    numClasses: c.numClasses ?? null,
  };
}

/** Rebuilds a config with fresh layers; throws a one-line RangeError naming what is malformed. */
export function configFromJSON(j: VAEConfigJSON): VAEConfig {
  if (!j || typeof j !== 'object') throw new RangeError('architecture: expected an object');
  for (const k of ['inputShape', 'latentDim', 'encoder', 'decoder'] as const)
    if (j[k] === undefined) throw new RangeError(`architecture: missing '${k}'`);
  if (!Array.isArray(j.encoder) || !Array.isArray(j.decoder)) throw new RangeError('architecture: encoder and decoder must be lists of layers');
  return {
    inputShape: j.inputShape,
    latentDim: j.latentDim,
    epochs: 30, // the seeds' usual schedule, when the file does not say
    batchSize: 128,
    ...(j.epochs !== undefined ? { epochs: j.epochs } : {}),
    ...(j.batchSize !== undefined ? { batchSize: j.batchSize } : {}),
    encoder: j.encoder.map(layerFromSpec),
    decoder: j.decoder.map(layerFromSpec),
    loss: { ...{ reconstruction: 'sse' as const, klReduction: 'sum' as const, scale: 1, beta: 1 }, ...j.loss },
    optimizer: j.optimizer ?? { name: 'adam' },
    variational: j.variational ?? true,
    numClasses: j.numClasses ?? undefined,
  };
}
