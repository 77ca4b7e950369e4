/**
 * The finite-difference check every objective's gradient goes through: dLoss/dWeight from the
 * model against central differences, in every weight tensor.
 */
import assert from 'node:assert/strict';
import { Rng, type NamedWeight, type VAE } from '../../src/index.js';

/** Checks three coordinates of every weight tensor (the largest and two random) against central differences. */
export async function checkGradients(vae: VAE, x: Float32Array, eps: Float32Array | undefined, labels: Int32Array | undefined, what: string, rng = new Rng(11)): Promise<void> {
  const base = vae.getWeights();
  const { gradients, loss } = await vae.lossAndGradients(x, eps, labels);
  assert.ok(Number.isFinite(loss));
  const lossAt = async (ws: NamedWeight[]) => {
    vae.setWeights(ws);
    return (await vae.lossAndGradients(x, eps, labels)).loss;
  };
  // Central differences in float32 face two errors pulling opposite ways: rounding noise of
  // the O(100) loss (≈ 4 ulp / 2h) grows as h shrinks, while a step across a ReLU kink — which
  // a bias shared by many pixels meets often — spoils large h. So each coordinate tries
  // h = 1e-2, 3e-3, 1e-3 and passes when one agrees within 5% (plus that h's noise floor).
  // A wrong rule (a transposed kernel, a missing factor) is off by O(1) at every h.
  const noise = (h: number) => (4 * 1.2e-7 * Math.abs(loss)) / (2 * h);
  let checked = 0;
  for (const [t, g] of gradients.entries()) {
    const rms = Math.sqrt(g.data.reduce((a, v) => a + v * v, 0) / g.data.length);
    // The largest-gradient coordinate (best signal over float32 noise) and two random ones.
    let top = 0;
    for (let i = 1; i < g.data.length; i++) if (Math.abs(g.data[i]) > Math.abs(g.data[top])) top = i;
    for (const c of [top, rng.int(g.data.length), rng.int(g.data.length)]) {
      const analytic = g.data[c];
      const tried: string[] = [];
      let ok = false;
      for (const h of [1e-2, 3e-3, 1e-3]) {
        const plus = base.map((w) => ({ ...w, data: w.data.slice() }));
        const minus = base.map((w) => ({ ...w, data: w.data.slice() }));
        plus[t].data[c] += h;
        minus[t].data[c] -= h;
        const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
        tried.push(`h=${h}: ${numeric}`);
        if (Math.abs(analytic - numeric) <= 0.05 * Math.max(Math.abs(numeric), 0.1 * rms) + noise(h)) {
          ok = true;
          break;
        }
      }
      assert.ok(ok, `${what} ${g.name}[${c}]: analytic ${analytic}, numeric ${tried.join(', ')}`);
      checked++;
    }
  }
  assert.equal(checked, gradients.length * 3);
  vae.setWeights(base);
}
