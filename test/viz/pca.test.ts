/**
 * PCA against cases whose answer is known in closed form: point sets built from orthogonal
 * directions with chosen spreads, so the covariance's eigenvectors and eigenvalues are exact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/rng.js';
import { pca } from '../../src/viz/pca.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

test('finds the known top direction, its variance and the projection', () => {
  // Four points ±a·u, ±b·w around the centre c, with u ⟂ w: the covariance is
  // (a²/2)·uuᵀ + (b²/2)·wwᵀ, so the components are u then w with variances a²/2 and b²/2.
  const u = [0.6, 0.8, 0];
  const w = [0, 0, 1];
  const c = [5, -2, 1];
  const a = 4;
  const b = 1;
  const pts = [u.map((v, j) => c[j] + a * v), u.map((v, j) => c[j] - a * v), w.map((v, j) => c[j] + b * v), w.map((v, j) => c[j] - b * v)];
  const r = pca(pts.flat(), 3);
  Array.from(r.mean).forEach((m, j) => close(m, c[j]));
  const first = Array.from(r.components.subarray(0, 3));
  const second = Array.from(r.components.subarray(3, 6));
  first.forEach((v, j) => close(v, u[j], 1e-6)); // sign fixed: largest entry (0.8) positive
  second.forEach((v, j) => close(v, w[j], 1e-6));
  close(r.variances[0], (a * a) / 2, 1e-9);
  close(r.variances[1], (b * b) / 2, 1e-9);
  close(r.explainedVarianceRatio[0], 8 / 8.5, 1e-9);
  close(r.explainedVarianceRatio[1], 0.5 / 8.5, 1e-9);
  // Point 0 sits at +a along u and 0 along w.
  close(r.projected[0], a, 1e-5);
  close(r.projected[1], 0, 1e-5);
  close(r.projected[6], 0, 1e-5);
  close(r.projected[7], -b, 1e-5);
});

test('axis-aligned data: components are the axes ordered by variance', () => {
  const sd = [1, 3, 0.5, 2, 0.1];
  const rng = new Rng(4);
  const n = 4000;
  const data = new Float32Array(n * 5);
  for (let i = 0; i < n; i++) for (let j = 0; j < 5; j++) data[i * 5 + j] = sd[j] * rng.normal();
  const r = pca(data, 5, { components: 3 });
  // Expected order: axis 1 (sd 3), axis 3 (sd 2), axis 0 (sd 1).
  [1, 3, 0].forEach((axis, k) => {
    const comp = Array.from(r.components.subarray(k * 5, k * 5 + 5));
    assert.ok(comp[axis] > 0.99, `component ${k}: ${comp}`);
    close(r.variances[k], sd[axis] ** 2, 0.15 * sd[axis] ** 2);
  });
  assert.equal(r.projected.length, n * 3);
});

test('a 100-dimensional cloud with one planted direction', () => {
  const d = 100;
  const n = 500;
  const rng = new Rng(9);
  const dir = new Float64Array(d).map(() => rng.normal());
  const len = Math.hypot(...dir);
  dir.forEach((v, j) => (dir[j] = v / len));
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const s = 10 * rng.normal();
    for (let j = 0; j < d; j++) data[i * d + j] = s * dir[j] + 0.1 * rng.normal();
  }
  const r = pca(data, d);
  const cos = Math.abs(r.components.subarray(0, d).reduce((acc, v, j) => acc + v * dir[j], 0));
  assert.ok(cos > 0.999, `|cos| = ${cos}`);
  assert.ok(r.explainedVarianceRatio[0] > 0.9);
  assert.ok(r.variances[0] > r.variances[1]);
});

test('deterministic, and well-behaved without spread', () => {
  const rng = new Rng(1);
  const data = Float32Array.from({ length: 300 }, () => rng.normal());
  assert.deepEqual(pca(data, 3), pca(data, 3));
  const flat = pca(new Float32Array(12).fill(2), 3);
  assert.deepEqual(flat.explainedVarianceRatio, [0, 0]);
  assert.ok(flat.projected.every((v) => v === 0));
  assert.ok(flat.components.every(Number.isFinite));
});

test('bad arguments name what was expected', () => {
  assert.throws(() => pca(new Float32Array(7), 3), /pca: data must hold n × 3 values.*got 7/);
  assert.throws(() => pca(new Float32Array(6), 0), /pca: d must be a positive integer, got 0/);
  assert.throws(() => pca(new Float32Array(6), 3, { components: 4 }), /components must be an integer in \[1, 3\], got 4/);
});
