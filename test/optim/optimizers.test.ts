/**
 * Optimizers: two training steps of a real model must move every weight exactly as Keras 3's
 * update formulas say, computed here in float64 from the gradients the engine reports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist, Rng, VAE, type VAEConfig } from '../../src/index.js';
import { PRESETS } from '../../src/models/presets.js';

const mnist = loadMnist('train', { limit: 8 });
const batch = (n: number) => mnist.images.slice(0, n * 784);

/** A small dense VAE config with a chosen optimizer, for exact update checks. */
function smallDense(optimizer: VAEConfig['optimizer']): VAEConfig {
  const c = PRESETS['medium-dense']();
  return { ...c, optimizer };
}

type Update = (w: number, g: number, s: Record<string, number>, t: number, glob: Record<string, number>) => number;

/** Keras 3 update rules in float64, per coordinate; `s` holds the slots and is updated in place. */
const KERAS: Record<string, { spec: VAEConfig['optimizer']; rule: Update; globals?: (t: number, g: Record<string, number>) => void }> = {
  adam: {
    spec: { name: 'adam' },
    rule: (w, g, s, t) => {
      s.m = (s.m ?? 0) + (g - (s.m ?? 0)) * 0.1;
      s.v = (s.v ?? 0) + (g * g - (s.v ?? 0)) * 0.001;
      const alpha = (1e-3 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      return w - (s.m * alpha) / (Math.sqrt(s.v) + 1e-7);
    },
  },
  nadam: {
    spec: { name: 'nadam' },
    globals: (t, glob) => {
      glob.uT = 0.9 * (1 - 0.5 * 0.96 ** t);
      glob.uT1 = 0.9 * (1 - 0.5 * 0.96 ** (t + 1));
      glob.uProd = (glob.uProd ?? 1) * glob.uT;
    },
    rule: (w, g, s, t, glob) => {
      s.m = (s.m ?? 0) + (g - (s.m ?? 0)) * 0.1;
      s.v = (s.v ?? 0) + (g * g - (s.v ?? 0)) * 0.001;
      const mHat = (glob.uT1 * s.m) / (1 - glob.uProd * glob.uT1) + ((1 - glob.uT) * g) / (1 - glob.uProd);
      const vHat = s.v / (1 - 0.999 ** t);
      return w - (mHat * 1e-3) / (Math.sqrt(vHat) + 1e-7);
    },
  },
  rmsprop: {
    spec: { name: 'rmsprop' },
    rule: (w, g, s) => {
      s.v = 0.9 * (s.v ?? 0) + 0.1 * g * g;
      return w - (1e-3 * g) / Math.sqrt(s.v + 1e-7);
    },
  },
  'sgd (momentum 0.9, nesterov)': {
    spec: { name: 'sgd', momentum: 0.9, nesterov: true },
    rule: (w, g, s) => {
      s.m = 0.9 * (s.m ?? 0) - 0.01 * g;
      return w + 0.9 * s.m - 0.01 * g;
    },
  },
};

for (const [name, k] of Object.entries(KERAS)) {
  test(`${name}: two trainSteps match the Keras update formula`, async () => {
    const vae = new VAE(smallDense(k.spec), { seed: 2 });
    const n = 8;
    const x = batch(n);
    const eps = new Rng(9).normalArray(n * vae.latentDim);
    const slots = new Map<string, Record<string, number>>();
    const glob: Record<string, number> = {};
    for (let t = 1; t <= 2; t++) {
      const before = vae.getWeights();
      const { gradients } = await vae.lossAndGradients(x, eps);
      k.globals?.(t, glob);
      const expected = before.map((w, i) =>
        Array.from(w.data, (v, c) => {
          const key = `${i}:${c}`;
          if (!slots.has(key)) slots.set(key, {});
          return k.rule(v, gradients[i].data[c], slots.get(key)!, t, glob);
        }),
      );
      await vae.trainStep(x, eps);
      const after = vae.getWeights();
      let worst = 0;
      after.forEach((w, i) =>
        w.data.forEach((v, c) => {
          const step = expected[i][c] - before[i].data[c];
          // Compare the update itself: float32 weights round at ~6e-8·|w|.
          worst = Math.max(worst, Math.abs(v - before[i].data[c] - step) / (Math.abs(step) + 1e-6 + 1e-7 * Math.abs(v)));
        }),
      );
      assert.ok(worst < 2e-2, `step ${t}: worst relative error of the update ${worst}`);
    }
    assert.equal(vae.iterations, 2);
    await vae.dispose();
  });
}
