/**
 * A Keras encoder and decoder (as read by ./files.ts) translated into a vaekit architecture and
 * its weights. vaekit's VAE is: encoder body (a chain of layers from the image to flat
 * features) → two linear Dense heads (z_mean, z_log_var) → sampling → decoder (a chain from z
 * to the image). The Keras graph is matched against that shape by structure, not by names:
 *
 *   - the heads are the two Dense layers of equal width reading the same tensor;
 *   - the sampling step is whatever single layer (a `Lambda`, a custom `Sampling`, …) takes both
 *     heads, the first argument being the mean, or vaekit's own export of it (eps as an input,
 *     Rescaling 0.5 → exp → Multiply → Add), or absent when the encoder outputs just the heads;
 *   - everything else must be a layer vaekit has, with options vaekit has.
 *
 * Anything else is refused with one line naming the layer, its class and what is supported:
 * an imported model is the Keras model, or nothing.
 */
import type { Activation, LayerSpec } from '../nn/layers.js';
import type { H5Tensor } from './h5.js';
import { layerName, modelLayers, type KerasFile, type KerasObject } from './files.js';

/** Keras layer classes vaekit can represent, as listed in errors. */
export const SUPPORTED_LAYERS =
  'InputLayer, Dense, Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D, Flatten, Reshape, Activation/ReLU/LeakyReLU (linear, relu, sigmoid, tanh, leaky_relu 0.2), and a sampling layer taking the two heads';

const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'leaky_relu'];
/** Keras merge layers: taking the two heads, they are arithmetic, not a sampling step. */
const MERGE = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot']);
const MODELS = new Set(['Functional', 'Model', 'Sequential']);

/** One layer call of the graph. */
interface Node {
  name: string;
  cls: string;
  cfg: Record<string, unknown>;
  /** Names of the layers whose outputs it takes, in argument order. */
  inputs: string[];
}

/** A model's layers as a graph. */
interface Graph {
  nodes: Map<string, Node>;
  inputs: string[];
  outputs: string[];
}

/** What a Keras file's translation gives, for one half. */
export interface TranslatedHalf {
  /** vaekit layer specs, in order. */
  layers: LayerSpec[];
  /** The Keras layer each spec with weights takes them from, in order. */
  weightSources: string[];
}

/** A Keras encoder/decoder pair as a vaekit architecture with its weights (Keras layout and order). */
export interface KerasTranslation {
  /** Keras shape of one input image, as vaekit will use it. */
  inputShape: [number, number, number];
  /** The shape of the Keras encoder's input (e.g. [784] for a flat one). */
  kerasInputShape: number[];
  latentDim: number;
  variational: boolean;
  encoder: LayerSpec[];
  decoder: LayerSpec[];
  /** All weights in vaekit's order: encoder body, z_mean, z_log_var, decoder. */
  weights: H5Tensor[];
  /** How the sampling step was recognised, for the manifest, e.g. `Lambda 'lambda'`. */
  sampling: string;
}

class Unsupported extends RangeError {}

function fail(what: string, message: string): never {
  throw new Unsupported(`${what}: ${message}`);
}

function layerFail(what: string, n: Pick<Node, 'name' | 'cls'>, why: string): never {
  fail(what, `layer '${n.name}' (${n.cls}) ${why}; vaekit supports ${SUPPORTED_LAYERS}`);
}

/** Layer names a Keras 3 (`{args, kwargs}`) or Keras 2 (`[[name, node, tensor, kwargs], …]`) inbound node refers to. */
function inboundNames(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap((t) => (Array.isArray(t) && typeof t[0] === 'string' ? [t[0]] : []));
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as { class_name?: unknown; config?: { keras_history?: unknown } };
      if (o.class_name === '__keras_tensor__' && Array.isArray(o.config?.keras_history)) out.push(String(o.config.keras_history[0]));
      else Object.values(v).forEach(visit);
    }
  };
  visit((node as { args?: unknown })?.args);
  return out;
}

/** `['x', 0, 0]` or `[['x', 0, 0], …]` → names. */
function endpointNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [v[0]];
  return v.flatMap((e) => (Array.isArray(e) && typeof e[0] === 'string' ? [e[0]] : []));
}

function shapeOf(cfg: Record<string, unknown>): number[] | null {
  const s = (cfg.batch_shape ?? cfg.batch_input_shape) as unknown;
  if (Array.isArray(s)) return s.slice(1) as number[];
  const t = cfg.shape ?? cfg.input_shape;
  return Array.isArray(t) ? (t as number[]) : null;
}

/** The model's layers as a graph; Sequential models become a chain from a (possibly implicit) input. */
function graphOf(model: KerasObject, what: string): Graph {
  if (!MODELS.has(model.class_name)) fail(what, `expected a Keras model (Functional or Sequential), got class '${model.class_name}'`);
  const layers = modelLayers(model);
  if (!layers.length) fail(what, `the ${model.class_name} model has no layers`);
  const nodes = new Map<string, Node>();
  const add = (n: Node) => {
    if (nodes.has(n.name)) fail(what, `two layers are named '${n.name}'`);
    nodes.set(n.name, n);
  };
  if (model.class_name === 'Sequential') {
    let prev: string | null = null;
    const first = layers[0];
    if (first.class_name !== 'InputLayer') {
      // Keras 2 keeps the input shape on the first layer; Keras 3 in build_input_shape.
      const shape =
        shapeOf(first.config ?? {}) ??
        (Array.isArray((model.config as { build_input_shape?: unknown }).build_input_shape)
          ? ((model.config as { build_input_shape: number[] }).build_input_shape.slice(1) as number[])
          : null);
      if (!shape) fail(what, 'a Sequential model without an input shape (it was never built)');
      add({ name: '__input__', cls: 'InputLayer', cfg: { batch_shape: [null, ...shape] }, inputs: [] });
      prev = '__input__';
    }
    for (const l of layers) {
      const name = layerName(l);
      add({ name, cls: l.class_name, cfg: l.config ?? {}, inputs: prev ? [prev] : [] });
      prev = name;
    }
    const ins = [...nodes.values()].filter((n) => n.cls === 'InputLayer').map((n) => n.name);
    return { nodes, inputs: ins, outputs: [prev!] };
  }
  for (const l of layers) {
    const name = layerName(l);
    const inbound = l.inbound_nodes ?? [];
    if (inbound.length > 1) fail(what, `layer '${name}' (${l.class_name}) is called ${inbound.length} times (a shared layer); vaekit's layers are each used once`);
    add({ name, cls: l.class_name, cfg: l.config ?? {}, inputs: inbound.length ? inboundNames(inbound[0]) : [] });
  }
  for (const n of nodes.values()) for (const i of n.inputs) if (!nodes.has(i)) fail(what, `layer '${n.name}' takes the output of '${i}', which is not in the model`);
  const cfg = model.config as { input_layers?: unknown; output_layers?: unknown };
  const inputs = endpointNames(cfg.input_layers);
  const outputs = endpointNames(cfg.output_layers);
  return { nodes, inputs: inputs.length ? inputs : [...nodes.values()].filter((n) => n.cls === 'InputLayer').map((n) => n.name), outputs };
}

/** A Keras activation (string, or Keras 3's serialized function) as vaekit's, or null. */
function activationOf(v: unknown): Activation | null {
  const name =
    v === null || v === undefined ? 'linear' : typeof v === 'string' ? v : typeof (v as { config?: unknown }).config === 'string' ? (v as { config: string }).config : null;
  if (name === null) return null;
  return ACTIVATIONS.includes(name as Activation) ? (name as Activation) : null;
}

/** A square, single-valued size option (`3`, `[3, 3]`), or null. */
function square(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (Array.isArray(v) && v.length >= 1 && v.every((d) => d === v[0]) && Number.isInteger(v[0])) return v[0] as number;
  return null;
}

function channelsLast(what: string, n: Node): void {
  const f = n.cfg.data_format;
  if (f !== undefined && f !== null && f !== 'channels_last') layerFail(what, n, `uses data_format '${String(f)}'; vaekit's layers are channels_last`);
}

/**
 * Translates a chain of Keras layers (no InputLayer) into vaekit specs. Activation layers fold
 * into the nearest Dense/Conv before them whose own activation is linear: every activation vaekit
 * has is elementwise and non-decreasing, so it commutes with Flatten, Reshape, UpSampling2D and
 * MaxPooling2D in between.
 */
function translateChain(chain: Node[], what: string, weights: Map<string, H5Tensor[]>): TranslatedHalf {
  const layers: LayerSpec[] = [];
  const sources: (string | null)[] = [];
  const attach = (n: Node, a: Activation | null, why: string) => {
    if (a === null) layerFail(what, n, why);
    if (a === 'linear') return;
    for (let i = layers.length - 1; i >= 0; i--) {
      const s = layers[i];
      if (s.type === 'Dense' || s.type === 'Conv2D' || s.type === 'Conv2DTranspose') {
        if (s.activation !== 'linear') layerFail(what, n, `applies ${a} after '${s.name}', which already applies ${s.activation}; vaekit has one activation per layer`);
        s.activation = a;
        return;
      }
    }
    layerFail(what, n, `applies ${a} to the input itself, with no Dense or convolution before it to carry it`);
  };
  for (const n of chain) {
    const c = n.cfg;
    switch (n.cls) {
      case 'Dense': {
        const a = activationOf(c.activation);
        if (a === null) layerFail(what, n, `has activation ${JSON.stringify(c.activation)}`);
        if (!Number.isInteger(c.units)) layerFail(what, n, 'has no integer units');
        layers.push({ type: 'Dense', units: c.units as number, activation: a, useBias: c.use_bias !== false, name: n.name });
        sources.push(n.name);
        break;
      }
      case 'Conv2D':
      case 'Conv2DTranspose': {
        channelsLast(what, n);
        const k = square(c.kernel_size);
        const s = square(c.strides ?? 1);
        const a = activationOf(c.activation);
        if (k === null) layerFail(what, n, `has kernel_size ${JSON.stringify(c.kernel_size)}; vaekit's kernels are square`);
        if (s === null) layerFail(what, n, `has strides ${JSON.stringify(c.strides)}; vaekit's strides are equal in both directions`);
        if (c.padding !== 'same' && c.padding !== 'valid') layerFail(what, n, `has padding ${JSON.stringify(c.padding)}`);
        if (a === null) layerFail(what, n, `has activation ${JSON.stringify(c.activation)}`);
        if (square(c.dilation_rate ?? 1) !== 1) layerFail(what, n, `has dilation_rate ${JSON.stringify(c.dilation_rate)}; vaekit's convolutions are not dilated`);
        if ((c.groups ?? 1) !== 1) layerFail(what, n, `has groups ${JSON.stringify(c.groups)}`);
        if (c.output_padding !== undefined && c.output_padding !== null) layerFail(what, n, `has output_padding ${JSON.stringify(c.output_padding)}`);
        if (c.use_bias === false) layerFail(what, n, 'has no bias (use_bias=False); vaekit convolutions have one');
        layers.push({ type: n.cls, filters: c.filters as number, kernelSize: k, strides: s, padding: c.padding, activation: a, name: n.name });
        sources.push(n.name);
        break;
      }
      case 'MaxPooling2D':
      case 'MaxPool2D': {
        channelsLast(what, n);
        const p = square(c.pool_size ?? 2);
        const s = c.strides === null || c.strides === undefined ? p : square(c.strides);
        if (p === null || s === null) layerFail(what, n, `has pool_size ${JSON.stringify(c.pool_size)} and strides ${JSON.stringify(c.strides)}; vaekit's are square`);
        if ((c.padding ?? 'valid') !== 'valid') layerFail(what, n, `has padding ${JSON.stringify(c.padding)}; vaekit's pooling is 'valid'`);
        layers.push({ type: 'MaxPooling2D', pool: p, strides: s, name: n.name });
        sources.push(null);
        break;
      }
      case 'UpSampling2D': {
        channelsLast(what, n);
        const f = square(c.size ?? 2);
        if (f === null) layerFail(what, n, `has size ${JSON.stringify(c.size)}; vaekit's upsampling is square`);
        if ((c.interpolation ?? 'nearest') !== 'nearest') layerFail(what, n, `has interpolation ${JSON.stringify(c.interpolation)}; vaekit's is 'nearest'`);
        layers.push({ type: 'UpSampling2D', factor: f, name: n.name });
        sources.push(null);
        break;
      }
      case 'Flatten':
        channelsLast(what, n);
        layers.push({ type: 'Flatten', name: n.name });
        sources.push(null);
        break;
      case 'Reshape': {
        const t = c.target_shape;
        if (!Array.isArray(t) || !t.every((d) => Number.isInteger(d) && d > 0)) layerFail(what, n, `has target_shape ${JSON.stringify(t)}; vaekit needs it spelled out (no -1)`);
        layers.push({ type: 'Reshape', target: t as number[], name: n.name });
        sources.push(null);
        break;
      }
      case 'Activation':
        attach(n, activationOf(c.activation), `has activation ${JSON.stringify(c.activation)}`);
        break;
      case 'ReLU': {
        const slope = Number(c.negative_slope ?? 0);
        const plain = (c.max_value === null || c.max_value === undefined) && Number(c.threshold ?? 0) === 0;
        attach(
          n,
          plain && slope === 0 ? 'relu' : plain && Math.abs(slope - 0.2) < 1e-6 ? 'leaky_relu' : null,
          `has max_value ${JSON.stringify(c.max_value)}, negative_slope ${slope}, threshold ${JSON.stringify(c.threshold)}`,
        );
        break;
      }
      case 'LeakyReLU': {
        const slope = Number(c.negative_slope ?? c.alpha ?? 0.3);
        attach(n, Math.abs(slope - 0.2) < 1e-6 ? 'leaky_relu' : null, `has negative_slope ${slope}; vaekit's leaky_relu has 0.2`);
        break;
      }
      default:
        layerFail(what, n, MODELS.has(n.cls) ? 'is a nested model; save the model with its layers inline' : 'is not a layer vaekit has');
    }
    // Weights in the file must be exactly those the vaekit layer trains (none for the others).
    const spec = layers.at(-1);
    const own = sources.at(-1) === n.name;
    const want = !own ? 0 : spec?.type === 'Dense' ? (spec.useBias ? 2 : 1) : 2;
    const got = weights.get(n.name)?.length ?? 0;
    const expected = ['none', '1 (kernel)', '2 (kernel, bias)'][want];
    if (got !== want) fail(what, `layer '${n.name}' (${n.cls}) has ${got} weight arrays in the file, expected ${expected}`);
  }
  return { layers, weightSources: sources.filter((s): s is string => s !== null) };
}

/** Walks back from `end` through single-input layers to an InputLayer; returns the chain (no input) and the input. */
function chainTo(g: Graph, end: string, what: string): { chain: Node[]; input: Node } {
  const chain: Node[] = [];
  let cur = g.nodes.get(end)!;
  while (cur.cls !== 'InputLayer') {
    chain.unshift(cur);
    if (cur.inputs.length !== 1) layerFail(what, cur, `takes ${cur.inputs.length} inputs; vaekit's encoder and decoder are chains of single-input layers`);
    cur = g.nodes.get(cur.inputs[0])!;
  }
  return { chain, input: cur };
}

function consumers(g: Graph, name: string): Node[] {
  return [...g.nodes.values()].filter((n) => n.inputs.includes(name));
}

function only<T>(xs: T[]): T | null {
  return xs.length === 1 ? xs[0] : null;
}

/**
 * vaekit's own export of the sampling step (./export.ts): z = Add(mean, Multiply(Activation exp(
 * Rescaling 0.5 (logVar)), eps)), eps an InputLayer. Returns its nodes when `a`, `b` are wired so.
 */
function exportedSampling(g: Graph, mean: string, logVar: string): Node[] | null {
  const r = only(consumers(g, logVar));
  if (r?.cls !== 'Rescaling' || Number(r.cfg.scale) !== 0.5 || Number(r.cfg.offset ?? 0) !== 0) return null;
  const e = only(consumers(g, r.name));
  if (e?.cls !== 'Activation' || e.cfg.activation !== 'exponential') return null;
  const m = only(consumers(g, e.name));
  if (m?.cls !== 'Multiply' || m.inputs.length !== 2) return null;
  const eps = g.nodes.get(m.inputs.find((i) => i !== e.name) ?? '');
  if (eps?.cls !== 'InputLayer') return null;
  const add = only(consumers(g, m.name));
  if (add?.cls !== 'Add' || add.inputs.length !== 2 || !add.inputs.includes(mean)) return null;
  if (consumers(g, mean).some((n) => n !== add)) return null;
  return [r, e, m, eps, add];
}

/** The encoder's structure: body chain, heads and the sampling step. */
function splitEncoder(g: Graph, what: string, weights: Map<string, H5Tensor[]>) {
  const dense = [...g.nodes.values()].filter((n) => n.cls === 'Dense' && n.inputs.length === 1);
  const pairs: [Node, Node][] = [];
  for (let i = 0; i < dense.length; i++)
    for (let j = i + 1; j < dense.length; j++) if (dense[i].inputs[0] === dense[j].inputs[0] && dense[i].cfg.units === dense[j].cfg.units) pairs.push([dense[i], dense[j]]);
  if (pairs.length > 1)
    fail(
      what,
      `found ${pairs.length} pairs of equal Dense layers reading one tensor (${pairs.map(([a, b]) => `${a.name}/${b.name}`).join(', ')}); expected exactly one pair: the z_mean and z_log_var heads`,
    );
  let heads: Node[];
  let sampling: Node[] = [];
  let described: string;
  if (pairs.length === 0) {
    // A plain autoencoder: one output, a Dense code.
    const out = only(g.outputs.map((o) => g.nodes.get(o)!));
    if (!out || out.cls !== 'Dense')
      fail(
        what,
        `expected a VAE encoder (two Dense heads of equal width reading one tensor, then a sampling step) or an autoencoder (one Dense output); outputs are ${g.outputs.map((o) => `'${o}' (${g.nodes.get(o)?.cls})`).join(', ')}`,
      );
    heads = [out];
    described = 'none (autoencoder)';
  } else {
    const [a, b] = pairs[0];
    const users = [...new Set([...consumers(g, a.name), ...consumers(g, b.name)])];
    const s = only(users);
    if (users.length === 0) {
      // The encoder outputs the heads only: the first output is the mean.
      heads = g.outputs.indexOf(b.name) >= 0 && g.outputs.indexOf(b.name) < g.outputs.indexOf(a.name) ? [b, a] : [a, b];
      described = 'none in the file (the encoder outputs the two heads)';
    } else if (s && s.inputs.length === 2 && s.inputs.includes(a.name) && s.inputs.includes(b.name) && !MERGE.has(s.cls) && !MODELS.has(s.cls)) {
      if (weights.get(s.name)?.length)
        fail(what, `layer '${s.name}' (${s.cls}) takes the two heads like a sampling layer but has ${weights.get(s.name)!.length} weight arrays; vaekit's sampling step has none`);
      heads = s.inputs.map((i) => g.nodes.get(i)!);
      sampling = [s];
      described = `${s.cls} '${s.name}'`;
    } else {
      const own = exportedSampling(g, a.name, b.name) ?? exportedSampling(g, b.name, a.name);
      if (!own) {
        const names = users.map((u) => `'${u.name}' (${u.cls})`).join(', ');
        fail(what, `cannot recognise the sampling step: the heads '${a.name}' and '${b.name}' feed ${names}; expected one Lambda or custom layer taking both heads (z_mean first)`);
      }
      heads = own[4].inputs.includes(a.name) ? [a, b] : [b, a];
      sampling = own;
      described = "vaekit's exported sampling (eps as an input)";
    }
  }
  for (const h of heads) {
    if (activationOf(h.cfg.activation) !== 'linear') layerFail(what, h, `is a head of the encoder with activation ${JSON.stringify(h.cfg.activation)}; vaekit's heads are linear`);
    if (h.cfg.use_bias === false) layerFail(what, h, 'is a head of the encoder without bias; vaekit heads have one');
    if ((weights.get(h.name)?.length ?? 0) !== 2)
      fail(what, `layer '${h.name}' (Dense, a head) has ${weights.get(h.name)?.length ?? 0} weight arrays in the file, expected 2 (kernel, bias)`);
  }
  const { chain, input } = chainTo(g, heads[0].inputs[0], what);
  const known = new Set([input.name, ...chain.map((n) => n.name), ...heads.map((h) => h.name), ...sampling.map((n) => n.name)]);
  for (const n of g.nodes.values()) if (!known.has(n.name)) layerFail(what, n, 'is not on the path from the image to the heads and the sampling step');
  return { chain, input, heads, described };
}

/** Keras input shape → vaekit image shape, for flat inputs guessing from the decoder or the size. */
function imageShape(kerasShape: number[], decoderOut: readonly number[] | undefined, hint: readonly [number, number, number] | undefined, what: string): [number, number, number] {
  const n = kerasShape.reduce((a, b) => a * b, 1);
  if (kerasShape.length === 3) return kerasShape as [number, number, number];
  if (kerasShape.length === 2) return [kerasShape[0], kerasShape[1], 1];
  if (kerasShape.length !== 1) fail(what, `expected an image input ([H, W, C], [H, W] or flat [H·W·C]), got shape [${kerasShape.join(', ')}]`);
  if (hint && hint.reduce((a, b) => a * b, 1) === n) return [...hint];
  if (decoderOut?.length === 3 && decoderOut.reduce((a, b) => a * b, 1) === n) return [...decoderOut] as [number, number, number];
  if (decoderOut?.length === 2 && decoderOut[0] * decoderOut[1] === n) return [decoderOut[0], decoderOut[1], 1];
  for (const c of [1, 3]) {
    const s = Math.round(Math.sqrt(n / c));
    if (s * s * c === n) return [s, s, c];
  }
  return [1, n, 1];
}

/**
 * Translates a Keras encoder and decoder into a vaekit architecture and weights, or throws one
 * line naming what vaekit cannot represent. `imageShape` says how to view a flat input (default:
 * from the decoder's output shape, else a square gray or RGB image).
 */
export function translateKeras(
  enc: KerasFile,
  dec: KerasFile,
  names: { encoder: string; decoder: string },
  opts: { imageShape?: readonly [number, number, number] } = {},
): KerasTranslation {
  const eg = graphOf(enc.model, names.encoder);
  const { chain, input, heads, described } = splitEncoder(eg, names.encoder, enc.weights);
  const dataInputs = eg.inputs.filter((i) => eg.nodes.get(i)?.cls === 'InputLayer' && i === input.name);
  if (!dataInputs.length) fail(names.encoder, `the image input '${input.name}' is not among the model's inputs`);
  const kerasInputShape = shapeOf(input.cfg);
  if (!kerasInputShape || !kerasInputShape.every((d) => Number.isInteger(d) && d > 0))
    fail(names.encoder, `input '${input.name}' has no fixed shape (${JSON.stringify(input.cfg.batch_shape ?? input.cfg.batch_input_shape)}); vaekit needs one`);
  const latentDim = Number(heads[0].cfg.units);

  const dg = graphOf(dec.model, names.decoder);
  if (dg.inputs.length !== 1) fail(names.decoder, `expected a decoder with one input (z), got ${dg.inputs.length}`);
  if (dg.outputs.length !== 1) fail(names.decoder, `expected a decoder with one output (the image), got ${dg.outputs.length}`);
  const d = chainTo(dg, dg.outputs[0], names.decoder);
  const known = new Set([d.input.name, ...d.chain.map((n) => n.name)]);
  for (const n of dg.nodes.values()) if (!known.has(n.name)) layerFail(names.decoder, n, 'is not on the path from z to the image');
  const zShape = shapeOf(d.input.cfg);
  if (!zShape || zShape.length !== 1 || zShape[0] !== latentDim)
    fail(
      names.decoder,
      `takes z of shape [${zShape?.join(', ') ?? '?'}], but the encoder gives ${latentDim} latent dimensions: not the decoder of this encoder${zShape?.length === 1 && zShape[0] > latentDim ? ' (conditional decoders, which also take a label, cannot be imported)' : ''}`,
    );

  const body = translateChain(chain, names.encoder, enc.weights);
  const decoder = translateChain(d.chain, names.decoder, dec.weights);
  const lastShape = (() => {
    const last = d.chain.at(-1);
    return last?.cls === 'Reshape' ? (last.cfg.target_shape as number[]) : undefined;
  })();
  const inputShape = imageShape(kerasInputShape, lastShape, opts.imageShape, names.encoder);
  // A flat or 2-D input: vaekit feeds images, so a Flatten first gives the Keras layers exactly their input.
  const encoder = kerasInputShape.length === 3 || body.layers[0]?.type === 'Flatten' ? body.layers : [{ type: 'Flatten' as const, name: 'flatten_input' }, ...body.layers];
  const take = (file: KerasFile, src: string) => file.weights.get(src)!;
  const weights = [...body.weightSources.flatMap((s) => take(enc, s)), ...heads.flatMap((h) => take(enc, h.name)), ...decoder.weightSources.flatMap((s) => take(dec, s))];
  return { inputShape, kerasInputShape, latentDim, variational: heads.length === 2, encoder, decoder: decoder.layers, weights, sampling: described };
}
