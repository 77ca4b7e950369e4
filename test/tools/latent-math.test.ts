/**
 * The latent maths the explorer page takes from the library (it has none of its own): prior
 * draws (and a Gaussian fitted to an autoencoder's codes), path points and the nearer end's
 * class, coordinates along slider/PCA axes, and a manifold grid around a centre. A recording
 * LatentModel (its decoder returns z itself as the "image") shows what reaches the model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Encoding, LatentModel } from '../../src/index.js';
import { Rng } from '../../src/rng.js';
import { drawPrior, fromCoordinates, latentPath, lerp, manifold, nearerEnd, pathPoint, samplePrior, slerp, toCoordinates } from '../../src/tools/latent.js';

/** A 2-D "model" whose images are its latent vectors (1×2×1 images): decode is the identity. */
function identityModel(numClasses: number | null = null): LatentModel & { calls: { z: Float32Array; labels?: Int32Array }[] } {
  const calls: { z: Float32Array; labels?: Int32Array }[] = [];
  return {
    latentDim: 2,
    inputShape: [1, 2, 1],
    numClasses,
    calls,
    async encode(x: Float32Array): Promise<Encoding> {
      return { mean: x.slice(), logVar: new Float32Array(x.length), z: x.slice() };
    },
    async decode(z: Float32Array, labels?: Int32Array) {
      calls.push({ z: z.slice(), labels: labels?.slice() });
      return z.slice();
    },
  };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5, what = 'values'): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('drawPrior gives the z that samplePrior decodes, for every option', async () => {
  const m = identityModel();
  for (const opts of [{}, { distribution: 'uniform' as const, range: 3 }, { temperature: 0.5 }, { fitted: { mean: [1, -2], std: [0.5, 2] } }]) {
    const s = await samplePrior(m, 50, { rng: new Rng(9), ...opts });
    assert.deepEqual(drawPrior(2, 50, { rng: new Rng(9), ...opts }), s.z);
    assert.deepEqual(s.images, s.z);
  }
});

test('samplePrior: fitted draws are mean + std · (temperature · draw); a plain prior is the fitted N(0, 1)', async () => {
  const plain = drawPrior(2, 4000, { rng: new Rng(1), temperature: 0.7 });
  const fitted = drawPrior(2, 4000, { rng: new Rng(1), temperature: 0.7, fitted: { mean: [3, -1], std: [2, 0.5] } });
  fitted.forEach((v, i) => assert.ok(Math.abs(v - (i % 2 ? -1 + 0.5 * plain[i] : 3 + 2 * plain[i])) < 1e-5));
  assert.deepEqual(drawPrior(2, 10, { rng: new Rng(1), fitted: { mean: [0, 0], std: [1, 1] } }), drawPrior(2, 10, { rng: new Rng(1) }));
  const uniform = drawPrior(2, 1000, { rng: new Rng(2), distribution: 'uniform', range: 1.5, fitted: { mean: [10, 0], std: [1, 2] } });
  for (let i = 0; i < uniform.length; i += 2) assert.ok(Math.abs(uniform[i] - 10) <= 1.5 && Math.abs(uniform[i + 1]) <= 3);
  assert.throws(() => drawPrior(2, 3, { rng: new Rng(1), fitted: { mean: [0], std: [1, 1] } }), {
    name: 'RangeError',
    message: 'drawPrior: fitted: expected a mean and a std of 2 values each (latentDim), got 1 and 2',
  });
  assert.throws(() => drawPrior(2, 3, { rng: new Rng(1), fitted: { mean: [0, 0], std: [1, -1] } }), /drawPrior: fitted.std\[1\]: expected a finite number ≥ 0, got -1/);
  await assert.rejects(
    samplePrior(identityModel(), 3, { rng: new Rng(1), fitted: { mean: [0, NaN], std: [1, 1] } }),
    /samplePrior: fitted.mean\[1\]: expected a finite number, got NaN/,
  );
  assert.throws(() => drawPrior(0, 3, { rng: new Rng(1) }), /drawPrior: latentDim: expected an integer ≥ 1, got 0/);
});

test('latentPath and pathPoint: the ends pinned, every step the lerp or slerp of the ends', () => {
  const a = Float32Array.of(1, 0, 2);
  const b = Float32Array.of(-1, 3, 0.5);
  for (const method of ['linear', 'slerp'] as const) {
    const p = latentPath(a, b, 5, method);
    assert.equal(p.length, 15);
    assert.deepEqual(p.subarray(0, 3), a);
    assert.deepEqual(p.subarray(12), b);
    for (let i = 1; i < 4; i++) close(p.subarray(3 * i, 3 * i + 3), method === 'slerp' ? slerp(a, b, i / 4) : lerp(a, b, i / 4));
    close(pathPoint(a, b, 0.3, method), method === 'slerp' ? slerp(a, b, 0.3) : lerp(a, b, 0.3));
  }
  assert.deepEqual(latentPath(a, b, 2), Float32Array.of(1, 0, 2, -1, 3, 0.5));
  assert.throws(() => latentPath(a, b, 1), /latentPath: steps: expected an integer ≥ 2, got 1/);
  assert.throws(() => latentPath(a, Float32Array.of(1), 3), /latentPath: a and b must have equal lengths, got 3 and 1/);
  assert.throws(() => pathPoint(a, b, 0.5, 'cubic' as 'linear'), /pathPoint: method: expected 'linear' or 'slerp', got 'cubic'/);
  assert.throws(() => pathPoint(a, b, NaN), /pathPoint: t: expected a finite number, got NaN/);
  assert.deepEqual(
    [0, 0.25, 0.49, 0.5, 1].map((t) => nearerEnd(3, 8, t)),
    [3, 3, 3, 8, 8],
  );
});

test('fromCoordinates and toCoordinates: slider values ↔ latent point, the residual kept exactly', () => {
  const centre = [0.5, -1, 2];
  // Orthogonal, not unit: the explorer's sliders are directions scaled by a standard deviation.
  const axes = [
    [2, 0, 0],
    [0, 0.5, 0.5],
  ];
  const z = fromCoordinates(centre, axes, [1.5, -2]);
  close(z, [0.5 + 3, -1 - 1, 2 - 1]);
  const back = toCoordinates(z, centre, axes);
  close(back.coords, [1.5, -2]);
  close(back.residual, [0, 0, 0]);
  // A point off the axes' span, and beyond the limit: clamped, the rest in the residual.
  const far = Float32Array.of(0.5 + 10, -1 + 1, 2 + 3);
  const c = toCoordinates(far, centre, axes, 3);
  close(c.coords, [3, 3]);
  const rebuilt = fromCoordinates(centre, axes, c.coords);
  close(
    Float32Array.from(rebuilt, (v, j) => v + c.residual[j]),
    far,
  );
  assert.throws(() => fromCoordinates(centre, axes, [1]), /fromCoordinates: expected 2 coordinates \(one per axis\), got 1/);
  assert.throws(() => toCoordinates([1, 2], centre, axes), /toCoordinates: z and centre must have equal lengths, got 2 and 3/);
});

test('manifold: a centre shifts the whole grid; labels are checked, never clamped', async () => {
  const m = identityModel();
  const at0 = await manifold(m, { n: 4, range: 1.5 });
  const moved = await manifold(m, { n: 4, range: 1.5, centre: [2, -3] });
  close(
    moved.z,
    Float32Array.from(at0.z, (v, i) => v + (i % 2 ? -3 : 2)),
  );
  close(moved.z.subarray(0, 2), [2 - 1.5, -3 + 1.5]); // top left: smallest z[0], largest z[1]
  await assert.rejects(manifold(m, { centre: [0, Infinity] }), /manifold: centre\[1\]: expected a finite number, got Infinity/);
  const cm = identityModel(3);
  await assert.rejects(manifold(cm, { n: 2, labels: Int32Array.of(3) }), { name: 'RangeError', message: 'manifold: labels: expected labels in [0, 2], got 3 at index 0' });
  await manifold(cm, { n: 2, labels: Int32Array.of(2) });
  assert.deepEqual(cm.calls[0].labels, Int32Array.of(2, 2, 2, 2));
});
