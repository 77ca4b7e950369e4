/**
 * The four seed systems of SPEC.md §1, layer for layer. Each preset is a function so that every
 * model gets fresh layer objects.
 */
import { Conv2D, Conv2DTranspose, Dense, Flatten, MaxPooling2D, Reshape, UpSampling2D } from '../nn/layers.js';
import type { VAEConfig } from './vae.js';

/** Names of the built-in presets. */
export type PresetName = 'lecture-conv' | 'lecture-conv-2022' | 'ae-2d' | 'geron-dense' | 'keras-conv2d' | 'cvae' | 'medium-dense';

/** The lecture's conv encoder body (before the latent heads). */
function lectureEncoder() {
  return [
    new Conv2D(16, 3, { activation: 'relu', padding: 'same' }),
    new MaxPooling2D(2),
    new Conv2D(32, 3, { activation: 'relu', padding: 'same' }),
    new MaxPooling2D(2),
    new Flatten(),
  ];
}

/** The lecture's decoder: Dense → (7,7,32) → Conv2DTranspose/UpSampling up to 28×28×1. */
function lectureDecoder() {
  return [
    new Dense(7 * 7 * 32, { activation: 'relu' }),
    new Reshape([7, 7, 32]),
    new Conv2DTranspose(32, 3, { activation: 'relu', padding: 'same' }),
    new UpSampling2D(2),
    new Conv2DTranspose(16, 3, { activation: 'relu', padding: 'same' }),
    new UpSampling2D(2),
    new Conv2DTranspose(1, 3, { activation: 'sigmoid', padding: 'same' }),
  ];
}

/** Preset name → a fresh config. */
export const PRESETS: Record<PresetName, () => VAEConfig> = {
  /** SciNet lecture (2026): conv encoder/decoder, latent 100, SSE + KL, Adam, 30 epochs of 128. */
  'lecture-conv': () => ({
    inputShape: [28, 28, 1],
    latentDim: 100,
    encoder: lectureEncoder(),
    decoder: lectureDecoder(),
    loss: { reconstruction: 'sse', klReduction: 'sum', scale: 1, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 30,
    batchSize: 128,
  }),
  /** SciNet lecture (2022): the same model trained with RMSprop, 50 epochs of 64. */
  'lecture-conv-2022': () => ({
    ...PRESETS['lecture-conv'](),
    optimizer: { name: 'rmsprop' },
    epochs: 50,
    batchSize: 64,
  }),
  /**
   * The lecture's motivation: a plain autoencoder with a 2-D latent space (the lecture's conv
   * layers, one Dense(2) code, no sampling, no KL), whose test codes show gaps.
   */
  'ae-2d': () => ({
    ...PRESETS['lecture-conv'](),
    latentDim: 2,
    variational: false,
  }),
  /** Géron, Hands-On ML ch. 17: dense 150-100-10, (SSE + KL)/784, Nadam, Fashion-MNIST. */
  'geron-dense': () => ({
    inputShape: [28, 28, 1],
    latentDim: 10,
    encoder: [new Flatten(), new Dense(150, { activation: 'relu' }), new Dense(100, { activation: 'relu' })],
    decoder: [new Dense(100, { activation: 'relu' }), new Dense(150, { activation: 'relu' }), new Dense(28 * 28), new Reshape([28, 28])],
    loss: { reconstruction: 'sse', klReduction: 'sum', scale: 784, beta: 1 },
    optimizer: { name: 'nadam' },
    epochs: 25,
    batchSize: 128,
  }),
  /** keras.io VAE example: strided convs, latent 2, BCE + KL, Adam. */
  'keras-conv2d': () => ({
    inputShape: [28, 28, 1],
    latentDim: 2,
    encoder: [
      new Conv2D(32, 3, { activation: 'relu', strides: 2, padding: 'same' }),
      new Conv2D(64, 3, { activation: 'relu', strides: 2, padding: 'same' }),
      new Flatten(),
      new Dense(16, { activation: 'relu' }),
    ],
    decoder: [
      new Dense(7 * 7 * 64, { activation: 'relu' }),
      new Reshape([7, 7, 64]),
      new Conv2DTranspose(64, 3, { activation: 'relu', strides: 2, padding: 'same' }),
      new Conv2DTranspose(32, 3, { activation: 'relu', strides: 2, padding: 'same' }),
      new Conv2DTranspose(1, 3, { activation: 'sigmoid', padding: 'same' }),
    ],
    loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 30,
    batchSize: 128,
  }),
  /** Conditional VAE on the keras.io architecture: the one-hot digit joins the encoder's features and z. */
  cvae: () => ({
    ...PRESETS['keras-conv2d'](),
    numClasses: 10,
  }),
  /** Medium article: 784-256-2 dense, 784·MSE + KL averaged over batch and latent dims, Adam. */
  'medium-dense': () => ({
    inputShape: [28, 28, 1],
    latentDim: 2,
    encoder: [new Flatten(), new Dense(256, { activation: 'relu' })],
    decoder: [new Dense(256, { activation: 'relu' }), new Dense(28 * 28, { activation: 'sigmoid' })],
    loss: { reconstruction: 'sse', klReduction: 'mean', scale: 1, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 30,
    batchSize: 128,
  }),
};
