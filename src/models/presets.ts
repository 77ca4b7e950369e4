/**
 * The seed systems (the course material vaekit reproduces), layer for layer, and their variants. Each preset is a function
 * of the image shape (default 28×28×1, the seeds'), so the same architecture trains on the
 * user's own images, e.g. 32×32×3; every call gives fresh layer objects.
 */
import { Conv2D, Conv2DTranspose, Dense, Flatten, MaxPooling2D, Reshape, UpSampling2D } from '../nn/layers.js';
import type { ValidationSize } from '../data/batches.js';
import type { VAEConfig } from './config.js';

/** Names of the built-in presets. */
export type PresetName = 'lecture-conv' | 'lecture-conv-2022' | 'ae-2d' | 'geron-dense' | 'keras-conv2d' | 'cvae' | 'medium-dense';

/** Shape of one image, [height, width, channels]. */
export type ImageShape = readonly [number, number, number];

const MNIST: ImageShape = [28, 28, 1];

/** Conv presets halve the image twice: both sides must divide by 4. */
function quarter(preset: string, [h, w]: ImageShape): [number, number] {
  if (h % 4 !== 0 || w % 4 !== 0) throw new RangeError(`${preset}: needs height and width divisible by 4 (it halves them twice), got ${h}×${w}; resize the images (\`size\`)`);
  return [h / 4, w / 4];
}

/** The SciNet lecture's model (2026): conv encoder/decoder, latent 100, SSE + KL, Adam, 30 epochs of 128. */
function lectureConv(shape: ImageShape = MNIST): VAEConfig {
  const [qh, qw] = quarter('lecture-conv', shape);
  return {
    inputShape: [...shape],
    latentDim: 100,
    encoder: [
      new Conv2D(16, 3, { activation: 'relu', padding: 'same' }),
      new MaxPooling2D(2),
      new Conv2D(32, 3, { activation: 'relu', padding: 'same' }),
      new MaxPooling2D(2),
      new Flatten(),
    ],
    decoder: [
      new Dense(qh * qw * 32, { activation: 'relu' }),
      new Reshape([qh, qw, 32]),
      new Conv2DTranspose(32, 3, { activation: 'relu', padding: 'same' }),
      new UpSampling2D(2),
      new Conv2DTranspose(16, 3, { activation: 'relu', padding: 'same' }),
      new UpSampling2D(2),
      new Conv2DTranspose(shape[2], 3, { activation: 'sigmoid', padding: 'same' }),
    ],
    loss: { reconstruction: 'sse', klReduction: 'sum', scale: 1, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 30,
    batchSize: 128,
  };
}

/** The keras.io example: strided convs, latent 2, BCE + KL, Adam, 30 epochs of 128. */
function kerasConv2d(shape: ImageShape = MNIST): VAEConfig {
  const [qh, qw] = quarter('keras-conv2d', shape);
  return {
    inputShape: [...shape],
    latentDim: 2,
    encoder: [
      new Conv2D(32, 3, { activation: 'relu', strides: 2, padding: 'same' }),
      new Conv2D(64, 3, { activation: 'relu', strides: 2, padding: 'same' }),
      new Flatten(),
      new Dense(16, { activation: 'relu' }),
    ],
    decoder: [
      new Dense(qh * qw * 64, { activation: 'relu' }),
      new Reshape([qh, qw, 64]),
      new Conv2DTranspose(64, 3, { activation: 'relu', strides: 2, padding: 'same' }),
      new Conv2DTranspose(32, 3, { activation: 'relu', strides: 2, padding: 'same' }),
      new Conv2DTranspose(shape[2], 3, { activation: 'sigmoid', padding: 'same' }),
    ],
    loss: { reconstruction: 'bce', klReduction: 'sum', scale: 1, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 30,
    batchSize: 128,
  };
}

/** Preset name → a fresh config for images of the given shape. */
export const PRESETS: Record<PresetName, (shape?: ImageShape) => VAEConfig> = {
  'lecture-conv': lectureConv,
  /** The lecture's 2022 version: the same model trained with RMSprop, 50 epochs of 64. */
  'lecture-conv-2022': (shape) => ({ ...lectureConv(shape), optimizer: { name: 'rmsprop' }, epochs: 50, batchSize: 64 }),
  /**
   * The lecture's motivation: a plain autoencoder with a 2-D latent space (the lecture's conv
   * layers, one Dense(2) code, no sampling, no KL), whose test codes show gaps.
   */
  'ae-2d': (shape) => ({ ...lectureConv(shape), latentDim: 2, variational: false }),
  /** Géron, Hands-On ML ch. 17: dense 150-100-10, (SSE + KL)/784, Nadam, 25 epochs, Fashion-MNIST. */
  'geron-dense': (shape = MNIST) => {
    const pixels = shape[0] * shape[1] * shape[2];
    return {
      inputShape: [...shape],
      latentDim: 10,
      encoder: [new Flatten(), new Dense(150, { activation: 'relu' }), new Dense(100, { activation: 'relu' })],
      decoder: [new Dense(100, { activation: 'relu' }), new Dense(150, { activation: 'relu' }), new Dense(pixels), new Reshape(shape[2] === 1 ? [shape[0], shape[1]] : [...shape])],
      // Keras "mse" averages over the pixels, and the book divides the latent loss by 784 too.
      loss: { reconstruction: 'sse', klReduction: 'sum', scale: pixels, beta: 1 },
      optimizer: { name: 'nadam' },
      epochs: 25,
      batchSize: 128,
    };
  },
  'keras-conv2d': kerasConv2d,
  /** Conditional VAE on the keras.io architecture: the one-hot label joins the encoder's features and z. */
  cvae: (shape) => ({ ...kerasConv2d(shape), numClasses: 10 }),
  /** Medium article: 784-256-2 dense, 784·MSE + KL averaged over batch and latent dims, Adam, 30 epochs. */
  'medium-dense': (shape = MNIST) => {
    const pixels = shape[0] * shape[1] * shape[2];
    return {
      inputShape: [...shape],
      latentDim: 2,
      encoder: [new Flatten(), new Dense(256, { activation: 'relu' })],
      decoder: [new Dense(256, { activation: 'relu' }), new Dense(pixels, { activation: 'sigmoid' })],
      loss: { reconstruction: 'sse', klReduction: 'mean', scale: 1, beta: 1 },
      optimizer: { name: 'adam' },
      epochs: 30,
      batchSize: 128,
    };
  },
};

/** How each preset's seed trained it (its data, held-out split, extra data), when the user does not say otherwise. */
export const PRESET_TRAINING: Record<PresetName, { data: string; validation?: ValidationSize; trainOnTest?: boolean }> = {
  'lecture-conv': { data: 'mnist' },
  'lecture-conv-2022': { data: 'mnist' },
  'ae-2d': { data: 'mnist' },
  'geron-dense': { data: 'fashion-mnist', validation: { last: 5000 } }, // Géron: the last 5,000 training images
  'keras-conv2d': { data: 'mnist', trainOnTest: true }, // keras.io fits on train + test (70k)
  cvae: { data: 'mnist' },
  'medium-dense': { data: 'mnist' },
};

/**
 * The architecture a run trains, fitted to its data: a preset built for the images' shape (or a
 * user's config as it is), as many classes as the data names (conditional models), and the β
 * and objective the caller chose. One place for the rule `vaekit train` and the page both follow.
 */
export function configForData(
  base: PresetName | VAEConfig,
  data: { shape: ImageShape; labelNames: readonly string[] | null },
  o: { beta?: number; objective?: VAEConfig['objective'] } = {},
): VAEConfig {
  const config: VAEConfig = typeof base === 'string' ? { ...PRESETS[base](data.shape) } : { ...base };
  if (config.numClasses && data.labelNames) config.numClasses = data.labelNames.length;
  if (o.beta !== undefined) config.loss = { ...config.loss, beta: o.beta };
  if (o.objective !== undefined) config.objective = o.objective;
  return config;
}
