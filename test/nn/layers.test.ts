/**
 * Keras semantics of the layers: a small model using every layer kind, with weights given in
 * Keras layout, must compute exactly what a plain NHWC implementation of Keras' definitions
 * computes (TensorFlow `same` padding with the extra pixel at the end, NHWC flattening,
 * Conv2DTranspose kernels [kh, kw, out, in], nearest upsampling).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2D, Conv2DTranspose, Dense, Flatten, MaxPooling2D, Reshape, Rng, UpSampling2D, VAE, type VAEConfig } from '../../src/index.js';
import { samePads } from '../../src/nn/layers.js';

/** An NHWC image: values plus [H, W, C]. */
interface Img {
  v: Float64Array;
  h: number;
  w: number;
  c: number;
}
const img = (h: number, w: number, c: number): Img => ({ v: new Float64Array(h * w * c), h, w, c });
const idx = (m: Img, y: number, x: number, ch: number) => (y * m.w + x) * m.c + ch;

/** TensorFlow's `same` padding before the input, from the textbook formula. */
function tfPadBefore(size: number, k: number, s: number): number {
  const out = Math.ceil(size / s);
  return Math.floor(Math.max((out - 1) * s + k - size, 0) / 2);
}

function conv2d(x: Img, k: Float32Array, b: Float32Array, kk: number, co: number, s: number, act: (v: number) => number): Img {
  const oh = Math.ceil(x.h / s);
  const ow = Math.ceil(x.w / s);
  const pt = tfPadBefore(x.h, kk, s);
  const pl = tfPadBefore(x.w, kk, s);
  const out = img(oh, ow, co);
  for (let y = 0; y < oh; y++)
    for (let z = 0; z < ow; z++)
      for (let o = 0; o < co; o++) {
        let acc = b[o];
        for (let u = 0; u < kk; u++)
          for (let t = 0; t < kk; t++)
            for (let c = 0; c < x.c; c++) {
              const iy = y * s + u - pt;
              const ix = z * s + t - pl;
              if (iy >= 0 && iy < x.h && ix >= 0 && ix < x.w) acc += x.v[idx(x, iy, ix, c)] * k[((u * kk + t) * x.c + c) * co + o];
            }
        out.v[idx(out, y, z, o)] = act(acc);
      }
  return out;
}

/** Keras Conv2DTranspose, `same`: the adjoint of a `same` conv from H·s to H; kernel [kh,kw,out,in]. */
function conv2dTranspose(x: Img, k: Float32Array, b: Float32Array, kk: number, co: number, s: number, act: (v: number) => number): Img {
  const out = img(x.h * s, x.w * s, co);
  const pt = tfPadBefore(out.h, kk, s);
  const pl = tfPadBefore(out.w, kk, s);
  const acc = new Float64Array(out.v.length);
  for (let y = 0; y < x.h; y++)
    for (let z = 0; z < x.w; z++)
      for (let c = 0; c < x.c; c++)
        for (let u = 0; u < kk; u++)
          for (let t = 0; t < kk; t++) {
            const oy = y * s + u - pt;
            const ox = z * s + t - pl;
            if (oy < 0 || oy >= out.h || ox < 0 || ox >= out.w) continue;
            for (let o = 0; o < co; o++) acc[idx(out, oy, ox, o)] += x.v[idx(x, y, z, c)] * k[((u * kk + t) * co + o) * x.c + c];
          }
  for (let i = 0; i < acc.length; i++) out.v[i] = act(acc[i] + b[i % co]);
  return out;
}

function maxPool(x: Img): Img {
  const out = img(Math.floor(x.h / 2), Math.floor(x.w / 2), x.c);
  for (let y = 0; y < out.h; y++)
    for (let z = 0; z < out.w; z++)
      for (let c = 0; c < x.c; c++)
        out.v[idx(out, y, z, c)] = Math.max(x.v[idx(x, 2 * y, 2 * z, c)], x.v[idx(x, 2 * y + 1, 2 * z, c)], x.v[idx(x, 2 * y, 2 * z + 1, c)], x.v[idx(x, 2 * y + 1, 2 * z + 1, c)]);
  return out;
}

function upsample(x: Img): Img {
  const out = img(x.h * 2, x.w * 2, x.c);
  for (let y = 0; y < out.h; y++) for (let z = 0; z < out.w; z++) for (let c = 0; c < x.c; c++) out.v[idx(out, y, z, c)] = x.v[idx(x, y >> 1, z >> 1, c)];
  return out;
}

function dense(v: ArrayLike<number>, k: Float32Array, b: Float32Array, act: (x: number) => number): Float64Array {
  const out = new Float64Array(b.length);
  for (let o = 0; o < b.length; o++) {
    let acc = b[o];
    for (let i = 0; i < v.length; i++) acc += v[i] * k[i * b.length + o];
    out[o] = act(acc);
  }
  return out;
}

const relu = (v: number) => Math.max(v, 0);
const lin = (v: number) => v;
const sig = (v: number) => 1 / (1 + Math.exp(-v));

function config(): VAEConfig {
  return {
    inputShape: [8, 6, 2],
    latentDim: 3,
    encoder: [new Conv2D(3, 3, { strides: 2, padding: 'same', activation: 'relu' }), new UpSampling2D(2), new MaxPooling2D(2), new Flatten()],
    decoder: [
      new Dense(4 * 3 * 4, { activation: 'relu' }),
      new Reshape([4, 3, 4]),
      new Conv2DTranspose(3, 3, { strides: 2, padding: 'same', activation: 'relu' }),
      new Conv2DTranspose(2, 3, { padding: 'same', activation: 'sigmoid' }),
    ],
    loss: { reconstruction: 'sse', klReduction: 'sum', scale: 1, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 1,
    batchSize: 2,
  };
}

test('samePads follows TensorFlow: extra padding at the end', () => {
  assert.deepEqual(samePads(28, 3, 2), [0, 1]);
  assert.deepEqual(samePads(28, 3, 1), [1, 1]);
  assert.deepEqual(samePads(7, 4, 1), [1, 2]);
});

test('every layer kind computes what Keras defines, with Keras-layout weights', async () => {
  const vae = new VAE(config(), { seed: 1 });
  const rng = new Rng(3);
  // Random weights everywhere (biases too), set through the public Keras-layout API.
  const ws = vae.getWeights().map((w) => ({ ...w, data: Float32Array.from(w.data, () => rng.uniform() - 0.5) }));
  vae.setWeights(ws);
  const W = Object.fromEntries(ws.map((w) => [w.name, w.data]));
  assert.deepEqual(
    ws.map((w) => w.shape),
    [[3, 3, 2, 3], [3], [36, 3], [3], [36, 3], [3], [3, 48], [48], [3, 3, 3, 4], [3], [3, 3, 2, 3], [2]],
  );

  const n = 2;
  const x = Float32Array.from({ length: n * 8 * 6 * 2 }, () => rng.uniform());
  const { mean, logVar } = await vae.encode(x, new Float32Array(n * 3));
  const z = Float32Array.from({ length: n * 3 }, () => rng.normal());
  const decoded = await vae.decode(z);

  for (let i = 0; i < n; i++) {
    const xi = img(8, 6, 2);
    xi.v.set(x.subarray(i * 96, (i + 1) * 96));
    let h = conv2d(xi, W['encoder/conv2d/kernel'], W['encoder/conv2d/bias'], 3, 3, 2, relu); // (4, 3, 3)
    h = maxPool(upsample(h)); // (4, 3, 3)
    const flat = h.v; // NHWC order is Keras' Flatten order
    const mu = dense(flat, W['encoder/z_mean/kernel'], W['encoder/z_mean/bias'], lin);
    const lv = dense(flat, W['encoder/z_log_var/kernel'], W['encoder/z_log_var/bias'], lin);
    for (let k = 0; k < 3; k++) {
      assert.ok(Math.abs(mean[i * 3 + k] - mu[k]) < 1e-5, `mean[${i},${k}] ${mean[i * 3 + k]} vs ${mu[k]}`);
      assert.ok(Math.abs(logVar[i * 3 + k] - lv[k]) < 1e-5, `logVar[${i},${k}]`);
    }

    const d0 = dense(z.subarray(i * 3, i * 3 + 3), W['decoder/dense/kernel'], W['decoder/dense/bias'], relu);
    const r = img(4, 3, 4);
    r.v.set(d0); // Reshape((4, 3, 4)) reads NHWC
    const t1 = conv2dTranspose(r, W['decoder/conv2d_transpose/kernel'], W['decoder/conv2d_transpose/bias'], 3, 3, 2, relu); // (8, 6, 3)
    const t2 = conv2dTranspose(t1, W['decoder/conv2d_transpose_1/kernel'], W['decoder/conv2d_transpose_1/bias'], 3, 2, 1, sig); // (8, 6, 2)
    for (let p = 0; p < 96; p++) assert.ok(Math.abs(decoded[i * 96 + p] - t2.v[p]) < 1e-5, `decoded[${i}][${p}] ${decoded[i * 96 + p]} vs ${t2.v[p]}`);
  }
  await vae.dispose();
});

test('layer configuration errors are one clear line', () => {
  assert.throws(() => new Dense(0), /Dense: units must be a positive integer, got 0/);
  assert.throws(() => new Conv2D(4, 3, { activation: 'swish' as 'relu' }), /Conv2D: activation must be one of .* got 'swish'/);
  const bad = { ...config(), decoder: [new Dense(10)] };
  assert.throws(() => new VAE(bad), /VAE: decoder output \[10\] has 10 values, the input \[8,6,2\] has 96/);
  const badReshape = { ...config(), decoder: [new Dense(10), new Reshape([4, 4])] };
  assert.throws(() => new VAE(badReshape), /Reshape 'reshape': cannot reshape \[10\] \(10 values\) to \[4,4\] \(16 values\)/);
});
