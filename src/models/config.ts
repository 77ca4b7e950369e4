/**
 * A VAEConfig as plain JSON and back: how a run's manifest records any architecture, preset or
 * user-defined, so that loading a run rebuilds exactly the model that was trained.
 */
import { z } from 'zod';
import { layerFromSpec, type KerasShape, type Layer, type LayerSpec } from '../nn/layers.js';
import { parseWith, show, zBool, zInt, zNumber, zOneOf } from '../util/check.js';
import type { LossConfig } from '../nn/losses.js';
import type { OptimizerSpec } from '../optim/optimizers.js';
import { OBJECTIVES, type ObjectiveSpec } from '../objectives/index.js';

/** Everything that defines a VAE: architecture, objective, optimizer and training schedule. */
export interface VAEConfig {
  /** Keras shape of one image, e.g. [28, 28, 1]. */
  inputShape: readonly [number, number, number];
  /** Size of the latent space. */
  latentDim: number;
  /** Layers from the image to the features the two heads read. */
  encoder: Layer[];
  /** Layers from z to the image (its output must hold H·W·C values). */
  decoder: Layer[];
  /** How the objective's terms are measured and weighed. */
  loss: LossConfig;
  /** The optimizer and its hyper-parameters. */
  optimizer: OptimizerSpec;
  /** Training schedule the seed used (read by `fit`). */
  epochs: number;
  /** Batch size the seed used (read by `fit`). */
  batchSize: number;
  /** false: a plain autoencoder (one Dense head, z = its output, no KL term). Default true. */
  variational?: boolean;
  /** Number of classes of a conditional VAE: the one-hot label joins the encoder's features and z. */
  numClasses?: number;
  /** The training objective (default the ELBO; `{ name: 'iwae', samples: k }` for the IWAE bound). */
  objective?: ObjectiveSpec;
}

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
  /** The training objective; omitted: the ELBO. An IWAE without `samples` takes 5. */
  objective?: { name: 'elbo' } | { name: 'iwae'; samples?: number };
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
    // Written only when set, so configs of ELBO runs read as before.
    ...(c.objective && c.objective.name !== 'elbo' ? { objective: { ...c.objective } } : {}),
  };
}

/** Most weights an architecture read from JSON may have (each is a float32, with optimizer slots beside it). */
export const MAX_PARAMETERS = 50_000_000;

const activation = zOneOf(['linear', 'relu', 'sigmoid', 'tanh', 'leaky_relu']);
const layerName = z.string({ error: 'a string' }).optional();
const size = (max: number) => zInt(1, max);
/** The fields the two convolution layers share (Keras' constructor arguments). */
function convSchema(type: 'Conv2D' | 'Conv2DTranspose') {
  return z.object({
    type: z.literal(type),
    filters: size(4096),
    kernelSize: size(64),
    strides: size(64).optional(),
    padding: zOneOf(['same', 'valid']).optional(),
    activation: activation.optional(),
    name: layerName,
  });
}
/** Each known layer type's fields; a type not listed is refused by `layerFromSpec` in its own words. */
const LAYER_SCHEMAS: Record<string, z.ZodType> = {
  Dense: z.object({ type: z.literal('Dense'), units: size(65536), activation: activation.optional(), useBias: zBool().optional(), name: layerName }),
  Conv2D: convSchema('Conv2D'),
  Conv2DTranspose: convSchema('Conv2DTranspose'),
  MaxPooling2D: z.object({ type: z.literal('MaxPooling2D'), pool: size(64), strides: size(64).optional(), name: layerName }),
  UpSampling2D: z.object({ type: z.literal('UpSampling2D'), factor: size(64), name: layerName }),
  Flatten: z.object({ type: z.literal('Flatten'), name: layerName }),
  Reshape: z.object({
    type: z.literal('Reshape'),
    target: z.array(size(65536), { error: 'a list of sizes' }).min(1, { error: 'one to three sizes' }).max(3, { error: 'one to three sizes' }),
    name: layerName,
  }),
};
const layers = z.array(z.unknown(), { error: 'a list of layers' });
const rate = zNumber({ above: 0 });
const fraction = zNumber({ min: 0, max: 1 });

/** The JSON form of a config, field by field, with the flags' ranges (`--beta` ≥ 0 is `loss.beta` ≥ 0). */
export const CONFIG_SCHEMA = z.strictObject(
  {
    inputShape: z.tuple([size(4096), size(4096), size(4)], { error: '[height, width, channels]' }),
    latentDim: size(4096),
    encoder: layers,
    decoder: layers,
    loss: z
      .strictObject(
        { reconstruction: zOneOf(['sse', 'bce']), klReduction: zOneOf(['sum', 'mean']), scale: zNumber({ above: 0 }), beta: zNumber({ min: 0 }) },
        { error: 'an object' },
      )
      .partial()
      .optional(),
    optimizer: z
      .object(
        {
          name: zOneOf(['adam', 'nadam', 'rmsprop', 'sgd']),
          learningRate: rate.optional(),
          beta1: fraction.optional(),
          beta2: fraction.optional(),
          epsilon: rate.optional(),
          rho: fraction.optional(),
          momentum: fraction.optional(),
          nesterov: zBool().optional(),
        },
        { error: 'an object' },
      )
      .optional(),
    epochs: zInt(1).optional(), // as --epochs
    batchSize: zInt(1).optional(), // as --batch-size
    variational: zBool().optional(),
    numClasses: zInt(2, 100_000).nullable().optional(),
    objective: z.strictObject({ name: zOneOf(OBJECTIVES), samples: zInt(1, 10_000).optional() }, { error: 'an object' }).optional(),
  },
  { error: 'an object' },
);

/** The objective a JSON config names (IWAE's samples default to 5, Burda et al.'s usual k). */
function objectiveFromJSON(o: VAEConfigJSON['objective']): ObjectiveSpec | undefined {
  if (!o) return undefined;
  if (o.name === 'elbo') {
    if ('samples' in o && o.samples !== undefined) throw new RangeError("objective.samples: only the 'iwae' objective draws several samples");
    return { name: 'elbo' };
  }
  return { name: 'iwae', samples: o.samples ?? 5 };
}

/**
 * Rebuilds a config with fresh layers. Every field is checked by type and range (one line naming
 * the field: a TypeError for the wrong kind, a RangeError out of range), and the whole model by
 * its size ({@link MAX_PARAMETERS}).
 */
export function configFromJSON(j: VAEConfigJSON): VAEConfig {
  const c = parseWith('', CONFIG_SCHEMA, j, 'architecture');
  const specs = (side: 'encoder' | 'decoder') =>
    c[side].map((l, i) => {
      if (l === null || typeof l !== 'object' || Array.isArray(l)) throw new TypeError(`${side}[${i}] expects a layer (an object with a type), got ${show(l)}`);
      const type = (l as { type?: unknown }).type;
      if (typeof type !== 'string') throw new TypeError(`${side}[${i}].type expects one of ${Object.keys(LAYER_SCHEMAS).join(', ')}, got ${show(type)}`);
      const schema = Object.hasOwn(LAYER_SCHEMAS, type) ? LAYER_SCHEMAS[type] : null;
      return schema ? (parseWith(`${side}[${i}].`, schema, l, `${side}[${i}]`) as LayerSpec) : (l as LayerSpec);
    });
  const config: VAEConfig = {
    inputShape: c.inputShape,
    latentDim: c.latentDim,
    epochs: c.epochs ?? 30, // the seeds' usual schedule, when the file does not say
    batchSize: c.batchSize ?? 128,
    encoder: specs('encoder').map(layerFromSpec),
    decoder: specs('decoder').map(layerFromSpec),
    loss: { reconstruction: 'sse', klReduction: 'sum', scale: 1, beta: 1, ...c.loss },
    optimizer: (c.optimizer ?? { name: 'adam' }) as OptimizerSpec,
    variational: c.variational ?? true,
    numClasses: c.numClasses ?? undefined,
    objective: objectiveFromJSON(c.objective as VAEConfigJSON['objective']),
  };
  if (config.objective === undefined) delete config.objective;
  const n = parameterCount(config);
  if (n > MAX_PARAMETERS)
    throw new RangeError(`architecture: ${n.toLocaleString('en-US')} weights, more than the limit of ${MAX_PARAMETERS.toLocaleString('en-US')} (make the layers smaller)`);
  return config;
}

/** Weights a config's model has (encoder, the two heads, decoder), from its layers' shapes alone. */
export function parameterCount(c: VAEConfig): number {
  const count = (specs: readonly Layer[], shape: KerasShape, prefix: string) => {
    let n = 0;
    for (const l of specs.map((x) => layerFromSpec(x.toJSON()))) {
      shape = l.build(shape, prefix);
      for (const w of l.weights) n += w.kerasShape.reduce((a, b) => a * b, 1);
    }
    return { n, shape };
  };
  const k = c.numClasses ?? 0;
  const enc = count(c.encoder, c.inputShape, 'encoder/');
  const features = enc.shape.reduce((a, b) => a * b, 1) + k;
  const heads = ((c.variational ?? true) ? 2 : 1) * (features + 1) * c.latentDim;
  return enc.n + heads + count(c.decoder, [c.latentDim + k], 'decoder/').n;
}
