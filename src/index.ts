/**
 * vaekit: variational autoencoders in TypeScript, trained and run by ONNX Runtime.
 * This file only re-exports the public API.
 */
export { VAE } from './models/vae.js';
export type { VAEConfig, CreateOptions, NamedWeight, StepMetrics, Encoding, TrainingState, LatentModel } from './models/vae.js';
export { PRESETS } from './models/presets.js';
export type { PresetName } from './models/presets.js';
export { Dense, Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D, Flatten, Reshape, Sequential, Layer, samePads } from './nn/layers.js';
export type { Activation, ConvLayerOptions, KerasShape, Weight } from './nn/layers.js';
export type { LossConfig } from './nn/losses.js';
export { adam, nadam, rmsprop, sgd, makeOptimizer } from './optim/optimizers.js';
export type { Optimizer, OptimizerSpec, AdamOptions, RmspropOptions, SgdOptions } from './optim/optimizers.js';
export { Rng } from './rng.js';
export * from './data/index.js';
export { imageGrid } from './viz/png.js';
export type { GridOptions } from './viz/png.js';
