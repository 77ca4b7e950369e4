/**
 * vaekit models out to Keras: `exportKeras` writes the encoder and the decoder as Keras 3
 * `.keras` files that `keras.models.load_model` opens with no custom objects and no unsafe
 * deserialization. The sampling step is built from Keras's own layers with the noise as a
 * second input, exactly vaekit's encoder.onnx interface:
 *
 *   encoder([x, eps]) → [z_mean, z_log_var, z],   z = z_mean + exp(0.5 · z_log_var) · eps
 *                       (Rescaling(0.5) → Activation('exponential') → Multiply with eps → Add)
 *   decoder(z) → image
 *
 * `importKeras` recognises that structure, so export → import is exact.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedWeight, VAE } from '../models/vae.js';
import { layerFromSpec, Sequential, type KerasShape, type Layer } from '../nn/layers.js';
import { loadRun } from '../run/run.js';
import { writeFileAtomic } from '../util/files.js';
import { writeKerasFile, type KerasObject, type LayerToWrite } from './files.js';

/** The Keras version whose `.keras` format vaekit writes (and checks against, bench/keras/check_export.py). */
export const KERAS_FORMAT_VERSION = '3.15.1';

/** A symbolic tensor of the Keras graph being written: the layer that made it and its shape (no batch). */
interface Sym {
  layer: string;
  shape: KerasShape;
}

/** Builds the layer list of a Keras Functional config, one call at a time. */
class FunctionalWriter {
  private readonly written: LayerToWrite[] = [];
  private readonly parents = new Map<string, string[]>();
  private readonly used = new Set<string>();
  /** The layers in Keras's order (set by `model`). */
  layers: LayerToWrite[] = [];

  /** A name not taken yet: `base`, `base_1`, … (Keras needs unique layer names). */
  unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  input(name: string, shape: KerasShape): Sym {
    const n = this.unique(name);
    this.parents.set(n, []);
    this.written.push({
      object: {
        module: 'keras.layers',
        class_name: 'InputLayer',
        config: { batch_shape: [null, ...shape], dtype: 'float32', sparse: false, name: n },
        registered_name: null,
        name: n,
        inbound_nodes: [],
      },
      weights: [],
    });
    return { layer: n, shape };
  }

  /** Calls a layer on one tensor, or (merge layers) on a list of them. */
  call(className: string, name: string, config: Record<string, unknown>, inputs: Sym | Sym[], outShape: KerasShape, weights: NamedWeight[] = []): Sym {
    const n = this.unique(name);
    const t = (s: Sym) => ({ class_name: '__keras_tensor__', config: { shape: [null, ...s.shape], dtype: 'float32', keras_history: [s.layer, 0, 0] } });
    const args = Array.isArray(inputs) ? [inputs.map(t)] : [t(inputs)];
    this.parents.set(
      n,
      (Array.isArray(inputs) ? inputs : [inputs]).map((s) => s.layer),
    );
    this.written.push({
      object: {
        module: 'keras.layers',
        class_name: className,
        config: { name: n, trainable: true, dtype: 'float32', ...config },
        registered_name: null,
        name: n,
        inbound_nodes: [{ args, kwargs: {} }],
      },
      weights: weights.map((w) => ({ shape: w.shape, data: w.data })),
    });
    return { layer: n, shape: outShape };
  }

  /** Applies built vaekit layers in order, each with its weights. */
  chain(x: Sym, layers: readonly Layer[], weightsOf: (l: Layer) => NamedWeight[]): Sym {
    for (const l of layers) {
      const spec = l.toJSON();
      const [cls, cfg] = kerasConfig(spec);
      x = this.call(cls, l.name, cfg, x, l.outputShape, weightsOf(l));
    }
    return x;
  }

  /**
   * Keras's own order of a Functional model's layers (keras/src/ops/function.py `map_graph`):
   * by decreasing depth (distance to the outputs), ties by first visit of a depth-first walk
   * from the outputs. model.weights.h5 files each layer under its class name numbered in this
   * order, so the config must list the layers in it for Keras to load the weights into the
   * right ones.
   */
  private kerasOrder(outputs: Sym[]): LayerToWrite[] {
    const visit = new Map<string, number>();
    const postorder: string[] = [];
    const walk = (n: string) => {
      if (visit.has(n)) return;
      visit.set(n, visit.size);
      for (const p of this.parents.get(n)!) walk(p);
      postorder.push(n);
    };
    outputs.forEach((o) => walk(o.layer));
    const depth = new Map<string, number>();
    for (const n of [...postorder].reverse()) {
      const d = depth.get(n) ?? 0;
      depth.set(n, d);
      for (const p of this.parents.get(n)!) depth.set(p, Math.max(depth.get(p) ?? 0, d + 1));
    }
    const byName = new Map(this.written.map((l) => [l.object.name!, l]));
    return [...depth.keys()].sort((a, b) => depth.get(b)! - depth.get(a)! || visit.get(a)! - visit.get(b)!).map((n) => byName.get(n)!);
  }

  model(name: string, inputs: Sym[], outputs: Sym[]): KerasObject {
    this.layers = this.kerasOrder(outputs);
    if (this.layers.length !== this.written.length) throw new Error('exportKeras: a layer is not connected to the outputs');
    // One input or output is written bare, as Keras does; a list would make Keras expect a list.
    const ends = (ss: Sym[]) => (ss.length === 1 ? [ss[0].layer, 0, 0] : ss.map((s) => [s.layer, 0, 0]));
    return {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: { name, trainable: true, layers: this.layers.map((l) => l.object), input_layers: ends(inputs), output_layers: ends(outputs) },
      registered_name: 'Functional',
      build_config: { input_shape: null },
    };
  }
}

/** A vaekit layer spec as a Keras 3 class name and config. */
function kerasConfig(s: ReturnType<Layer['toJSON']>): [string, Record<string, unknown>] {
  switch (s.type) {
    case 'Dense':
      return ['Dense', { units: s.units, activation: s.activation, use_bias: s.useBias }];
    case 'Conv2D':
    case 'Conv2DTranspose':
      return [
        s.type,
        {
          filters: s.filters,
          kernel_size: [s.kernelSize, s.kernelSize],
          strides: [s.strides, s.strides],
          padding: s.padding,
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: s.activation,
          use_bias: true,
          ...(s.type === 'Conv2D' ? { groups: 1 } : { output_padding: null }),
        },
      ];
    case 'MaxPooling2D':
      return ['MaxPooling2D', { pool_size: [s.pool, s.pool], strides: [s.strides, s.strides], padding: 'valid', data_format: 'channels_last' }];
    case 'UpSampling2D':
      return ['UpSampling2D', { size: [s.factor, s.factor], data_format: 'channels_last', interpolation: 'nearest' }];
    case 'Flatten':
      return ['Flatten', { data_format: 'channels_last' }];
    case 'Reshape':
      return ['Reshape', { target_shape: [...s.target] }];
  }
}

/** Options of {@link exportKeras}. */
export interface ExportKerasOptions {
  /**
   * The Keras input shape, e.g. [784] for a model imported from a flat-input Keras encoder
   * (default: the image shape). Needs the same number of values, and an encoder that starts with
   * Flatten unless it is [H, W, C].
   */
  inputShape?: readonly number[];
}

/** The two `.keras` files of a model. */
export interface KerasExport {
  encoder: Uint8Array;
  decoder: Uint8Array;
}

/**
 * The model as two Keras 3 `.keras` files (bytes): the encoder takes `[x, eps]` and gives
 * `[z_mean, z_log_var, z]` (a plain autoencoder: `x` → `z`), the decoder takes z and gives the
 * image, with vaekit's current weights. Conditional models cannot be exported (one line says so).
 */
export async function exportKeras(vae: VAE, opts: ExportKerasOptions = {}): Promise<KerasExport> {
  const inputShape = opts.inputShape ?? vae.inputShape;
  if (inputShape.reduce((a, b) => a * b, 1) !== vae.inputShape.reduce((a, b) => a * b, 1) || (inputShape.length !== 3 && vae.config.encoder[0]?.toJSON().type !== 'Flatten'))
    throw new RangeError(
      `exportKeras: inputShape [${inputShape.join(', ')}] does not fit the model's [${vae.inputShape.join(', ')}] (a flat or 2-D input needs the encoder to start with Flatten)`,
    );
  if (vae.numClasses) throw new RangeError(`exportKeras: conditional models (${vae.numClasses} classes) cannot be exported to Keras yet; unconditional ones can`);
  const all = vae.getWeights();
  // Build fresh copies of the layers, as the VAE does, for their final names and output shapes.
  const enc = new Sequential(vae.config.encoder.map((l) => layerFromSpec(l.toJSON())));
  const features = enc.build(vae.inputShape, 'encoder/');
  const dec = new Sequential(vae.config.decoder.map((l) => layerFromSpec(l.toJSON())));
  dec.build([vae.latentDim], 'decoder/');
  const weightsOf = (prefix: string) => (l: { name: string }) => all.filter((w) => w.name.startsWith(`${prefix}${l.name}/`));

  const e = new FunctionalWriter();
  // A flat (or 2-D) Keras input: the encoder's leading Flatten takes it as it is.
  const x = e.input('x', inputShape);
  const eps = vae.variational ? e.input('eps', [vae.latentDim]) : null;
  const h = e.chain(x, enc.layers, weightsOf('encoder/'));
  const L = [vae.latentDim];
  const head = (name: string) => e.call('Dense', name, { units: vae.latentDim, activation: 'linear', use_bias: true }, h, L, weightsOf('encoder/')({ name }));
  let encoder: KerasObject;
  if (eps) {
    const mean = head('z_mean');
    const logVar = head('z_log_var');
    const half = e.call('Rescaling', 'half_log_var', { scale: 0.5, offset: 0.0 }, logVar, L);
    const std = e.call('Activation', 'std', { activation: 'exponential' }, half, L);
    const noise = e.call('Multiply', 'scaled_eps', {}, [std, eps], L);
    const z = e.call('Add', 'z', {}, [mean, noise], L);
    encoder = e.model('encoder', [x, eps], [mean, logVar, z]);
  } else {
    encoder = e.model('encoder', [x], [head('z')]);
  }
  if (features.length !== 1) throw new RangeError(`exportKeras: the encoder body must end flat, got [${features.join(',')}]`);

  const d = new FunctionalWriter();
  const z = d.input('z', L);
  const image = d.chain(z, dec.layers, weightsOf('decoder/'));
  const decoder = d.model('decoder', [z], [image]);
  // Every weight lands in exactly one Keras layer (a mismatch would be a bug here, not bad input).
  const written = [...e.layers, ...d.layers].reduce((a, l) => a + l.weights.length, 0);
  if (written !== all.length) throw new Error(`exportKeras: wrote ${written} of the model's ${all.length} weights`);
  return { encoder: await writeKerasFile(encoder, e.layers, KERAS_FORMAT_VERSION), decoder: await writeKerasFile(decoder, d.layers, KERAS_FORMAT_VERSION) };
}

/** File names `exportKerasRun` writes. */
export const KERAS_FILES = { encoder: 'encoder.keras', decoder: 'decoder.keras' } as const;

/**
 * Exports a run folder's model into `out` (created if needed) as encoder.keras and decoder.keras;
 * a run imported from Keras keeps its Keras input shape (e.g. flat 784).
 */
export async function exportKerasRun(run: string, out: string): Promise<{ encoder: string; decoder: string }> {
  const { vae, manifest } = loadRun(run);
  try {
    // An imported model goes back with the input shape its Keras file had.
    const files = await exportKeras(vae, { inputShape: manifest.source?.kerasInputShape });
    if (!existsSync(out)) mkdirSync(out, { recursive: true });
    const paths = { encoder: join(out, KERAS_FILES.encoder), decoder: join(out, KERAS_FILES.decoder) };
    writeFileAtomic(paths.encoder, files.encoder);
    writeFileAtomic(paths.decoder, files.decoder);
    return paths;
  } finally {
    await vae.dispose();
  }
}
