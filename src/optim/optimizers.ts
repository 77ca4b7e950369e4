/**
 * Optimizers as in-graph update rules, with Keras 3's formulas and defaults. Each one says what
 * state it keeps per weight (slots) and globally, and traces one update; the training step graph
 * feeds the state in and takes the updated state out, so nothing is updated outside ONNX.
 */
import * as op from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';

/** One global scalar of optimizer state, with its initial value. */
export interface GlobalState {
  name: string;
  init: number;
}

/** An optimizer's in-graph update rule. */
export interface Optimizer {
  readonly name: string;
  /** Names of the per-weight state tensors (same shape as the weight, zero-initialized). */
  readonly slots: readonly string[];
  /** Global scalars besides the step counter. */
  readonly globals: readonly GlobalState[];
  /** The hyper-parameters, for manifests and logs. */
  readonly config: Readonly<Record<string, number | boolean>>;
  /**
   * Traces the update of every weight at 1-based step `t` (a scalar tensor). Returns the new
   * weights, new slots (same order) and new globals.
   */
  update(
    t: Tensor,
    globals: Readonly<Record<string, Tensor>>,
    params: ReadonlyArray<{ w: Tensor; g: Tensor; slots: Readonly<Record<string, Tensor>> }>,
  ): { params: Array<{ w: Tensor; slots: Record<string, Tensor> }>; globals: Record<string, Tensor> };
}

function positive(what: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${what} must be a positive number, got ${v}`);
  return v;
}
function unit(what: string, v: number): number {
  if (!(v >= 0 && v < 1)) throw new RangeError(`${what} must be in [0, 1), got ${v}`);
  return v;
}

/** Adam options (Keras defaults). */
export interface AdamOptions {
  learningRate?: number; // 1e-3
  beta1?: number; // 0.9
  beta2?: number; // 0.999
  epsilon?: number; // 1e-7
}

/** Adam-family hyper-parameters with Keras' defaults, checked. */
function adamConfig(name: string, o: AdamOptions) {
  return {
    lr: positive(`${name}: learningRate`, o.learningRate ?? 1e-3),
    b1: unit(`${name}: beta1`, o.beta1 ?? 0.9),
    b2: unit(`${name}: beta2`, o.beta2 ?? 0.999),
    eps: positive(`${name}: epsilon`, o.epsilon ?? 1e-7),
  };
}

/** The Adam family's moment estimates: m ← m + (g−m)(1−β1); v ← v + (g²−v)(1−β2). */
function moments(g: Tensor, slots: Readonly<Record<string, Tensor>>, b1: number, b2: number): { m: Tensor; v: Tensor } {
  return {
    m: op.add(slots.m, op.mul(op.sub(g, slots.m), 1 - b1)),
    v: op.add(slots.v, op.mul(op.sub(op.square(g), slots.v), 1 - b2)),
  };
}

/** Adam: moments as above; w ← w − lr·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v+ε). */
export function adam(o: AdamOptions = {}): Optimizer {
  const { lr, b1, b2, eps } = adamConfig('adam', o);
  return {
    name: 'adam',
    slots: ['m', 'v'],
    globals: [],
    config: { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps },
    update(t, _g, params) {
      const alpha = op.div(op.mul(lr, op.sqrt(op.sub(1, op.pow(b2, t)))), op.sub(1, op.pow(b1, t)));
      return {
        globals: {},
        params: params.map(({ w, g, slots }) => {
          const { m, v } = moments(g, slots, b1, b2);
          return { w: op.sub(w, op.div(op.mul(m, alpha), op.add(op.sqrt(v), eps))), slots: { m, v } };
        }),
      };
    },
  };
}

/** Nadam (Keras 3): Adam with Nesterov momentum and the 0.96-decay momentum schedule. */
export function nadam(o: AdamOptions = {}): Optimizer {
  const { lr, b1, b2, eps } = adamConfig('nadam', o);
  return {
    name: 'nadam',
    slots: ['m', 'v'],
    globals: [{ name: 'u_product', init: 1 }],
    config: { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps },
    update(t, globals, params) {
      const uT = op.mul(b1, op.sub(1, op.mul(0.5, op.pow(0.96, t)))); // u_t
      const uT1 = op.mul(b1, op.sub(1, op.mul(0.5, op.pow(0.96, op.add(t, 1))))); // u_{t+1}
      const uProd = op.mul(globals.u_product, uT); // Π u_1..u_t
      const uProd1 = op.mul(uProd, uT1);
      const b2Power = op.pow(b2, t);
      // lr·m̂ = lr·u_{t+1}/(1−Πu_{1..t+1})·m + lr·(1−u_t)/(1−Πu_{1..t})·g, the coefficients
      // computed on scalars first (once for every group of weights): two passes over the weights
      // fewer than the textbook order.
      const cm = op.div(op.mul(lr, uT1), op.sub(1, uProd1));
      const cg = op.div(op.mul(lr, op.sub(1, uT)), op.sub(1, uProd));
      const b2Correction = op.sub(1, b2Power);
      return {
        globals: { u_product: uProd },
        params: params.map(({ w, g, slots }) => {
          const { m, v } = moments(g, slots, b1, b2);
          const lrMHat = op.add(op.mul(m, cm), op.mul(g, cg));
          const vHat = op.div(v, b2Correction); // as Keras: v / (1 − β2ᵗ)
          return { w: op.sub(w, op.div(lrMHat, op.add(op.sqrt(vHat), eps))), slots: { m, v } };
        }),
      };
    },
  };
}

/** RMSprop options (Keras defaults). */
export interface RmspropOptions {
  learningRate?: number; // 1e-3
  rho?: number; // 0.9
  momentum?: number; // 0
  epsilon?: number; // 1e-7
}

/** RMSprop (Keras): v ← ρv + (1−ρ)g²; w ← w − lr·g/√(v+ε) (through a momentum buffer if set). */
export function rmsprop(o: RmspropOptions = {}): Optimizer {
  const lr = positive('rmsprop: learningRate', o.learningRate ?? 1e-3);
  const rho = unit('rmsprop: rho', o.rho ?? 0.9);
  const mom = unit('rmsprop: momentum', o.momentum ?? 0);
  const eps = positive('rmsprop: epsilon', o.epsilon ?? 1e-7);
  return {
    name: 'rmsprop',
    slots: mom > 0 ? ['velocity', 'momentum'] : ['velocity'],
    globals: [],
    config: { learningRate: lr, rho, momentum: mom, epsilon: eps },
    update(_t, _g, params) {
      return {
        globals: {},
        params: params.map(({ w, g, slots }): { w: Tensor; slots: Record<string, Tensor> } => {
          const velocity = op.add(op.mul(rho, slots.velocity), op.mul(1 - rho, op.square(g)));
          const increment = op.div(op.mul(lr, g), op.sqrt(op.add(velocity, eps)));
          if (mom === 0) return { w: op.sub(w, increment), slots: { velocity } };
          const momentum = op.add(op.mul(mom, slots.momentum), increment);
          return { w: op.sub(w, momentum), slots: { velocity, momentum } };
        }),
      };
    },
  };
}

/** SGD options (Keras defaults). */
export interface SgdOptions {
  learningRate?: number; // 0.01
  momentum?: number; // 0
  nesterov?: boolean; // false
}

/** SGD (Keras): m ← μm − lr·g; w ← w + m (Nesterov: w ← w + μm − lr·g). */
export function sgd(o: SgdOptions = {}): Optimizer {
  const lr = positive('sgd: learningRate', o.learningRate ?? 0.01);
  const mu = unit('sgd: momentum', o.momentum ?? 0);
  const nesterov = o.nesterov ?? false;
  return {
    name: 'sgd',
    slots: mu > 0 ? ['momentum'] : [],
    globals: [],
    config: { learningRate: lr, momentum: mu, nesterov },
    update(_t, _g, params) {
      return {
        globals: {},
        params: params.map(({ w, g, slots }): { w: Tensor; slots: Record<string, Tensor> } => {
          if (mu === 0) return { w: op.sub(w, op.mul(lr, g)), slots: {} };
          const m = op.sub(op.mul(mu, slots.momentum), op.mul(lr, g));
          const step = nesterov ? op.sub(op.mul(mu, m), op.mul(lr, g)) : m;
          return { w: op.add(w, step), slots: { momentum: m } };
        }),
      };
    },
  };
}

/** An optimizer by Keras name with options, e.g. from a preset or a CLI flag. */
export type OptimizerSpec = ({ name: 'adam' } & AdamOptions) | ({ name: 'nadam' } & AdamOptions) | ({ name: 'rmsprop' } & RmspropOptions) | ({ name: 'sgd' } & SgdOptions);

/** Builds an optimizer from its spec. */
export function makeOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.name) {
    case 'adam':
      return adam(spec);
    case 'nadam':
      return nadam(spec);
    case 'rmsprop':
      return rmsprop(spec);
    case 'sgd':
      return sgd(spec);
    default:
      throw new RangeError(`optimizer: expected one of adam, nadam, rmsprop, sgd, got '${(spec as { name: string }).name}'`);
  }
}
