/**
 * The engine on a model that is not a VAE: least-squares regression through one Dense layer,
 * traced by hand. It trains, evaluates, differentiates, runs, exports and checkpoints it with
 * nothing but the weights, the optimizer and the traced graphs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { Dense, Engine, nodeRuntime, Rng, sgd, type LossDef } from '../../src/index.js';
import * as op from '../../src/graph/ops.js';
import { input } from '../../src/graph/tensor.js';
import { GROUP_ALONE } from '../../src/engine/engine.js';

const IN = 3;
const rng = new Rng(3);
const trueW = [0.5, -1, 2];
const x = rng.normalArray(64 * IN);
const y = Float32Array.from({ length: 64 }, (_, i) => trueW.reduce((s, w, j) => s + w * x[i * IN + j], 0) + 0.25);

function regression() {
  const layer = new Dense(1);
  layer.build([IN], 'reg/');
  const predict = () => {
    const xs = input('x', ['N', IN]);
    return { xs, yHat: layer.call(xs) }; // (N, 1)
  };
  const lossGraph = (): LossDef => {
    const { xs, yHat } = predict();
    const ys = input('y', ['N', 1]);
    const mse = op.reduceMean(op.square(op.sub(yHat, ys)), [0, 1]);
    return { inputs: [xs, ys], loss: mse, metrics: { mse } };
  };
  const inferGraph = () => {
    const { xs, yHat } = predict();
    return { inputs: [xs], outputs: [{ name: 'yHat', tensor: yHat }] };
  };
  return { layer, lossGraph, inferGraph };
}

const feeds = { x: { data: x, dims: [64, IN] }, y: { data: y, dims: [64, 1] } };

test('the engine trains a model it knows nothing about: least squares by SGD', async () => {
  const m = regression();
  const engine = new Engine(m.layer.weights, sgd({ learningRate: 0.1 }), { seed: 1 });
  assert.equal(engine.parameterCount, IN + 1);
  const before = (await engine.evaluate('loss', m.lossGraph, feeds)).mse;
  for (let s = 0; s < 200; s++) await engine.trainStep('train', m.lossGraph, feeds);
  const after = (await engine.evaluate('loss', m.lossGraph, feeds)).mse;
  assert.equal(engine.iterations, 200);
  assert.ok(after < 1e-6 * before, `mse ${before} → ${after}`);
  const [kernel, bias] = engine.getWeights();
  trueW.forEach((w, j) => assert.ok(Math.abs(kernel.data[j] - w) < 1e-3, `w${j} ${kernel.data[j]}`));
  assert.ok(Math.abs(bias.data[0] - 0.25) < 1e-3);
  // Inference runs on the trained weights; the export runs in plain onnxruntime-node.
  const { yHat } = await engine.run('infer', m.inferGraph, { x: { data: x, dims: [64, IN] } });
  const session = await ort.InferenceSession.create(engine.export(m.inferGraph(), 'regression'));
  const out = await session.run({ x: new ort.Tensor('float32', x, [64, IN]) });
  (out.yHat.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - yHat[i]) < 1e-5, `row ${i}: ${v} vs ${yHat[i]}`));
  await engine.dispose();
  await assert.rejects(engine.trainStep('train', m.lossGraph, feeds), /disposed/);
});

test('engine gradients are the analytic least-squares gradient', async () => {
  const m = regression();
  const engine = new Engine(m.layer.weights, sgd(), { seed: 2 });
  const [kernel, bias] = engine.getWeights();
  const { metrics, gradients } = await engine.gradients('grads', m.lossGraph, feeds);
  // d/dw mean (w·x + b − y)² = 2 mean (r · x)
  const r = Array.from({ length: 64 }, (_, i) => kernel.data.reduce((s, w, j) => s + w * x[i * IN + j], 0) + bias.data[0] - y[i]);
  assert.ok(Math.abs(metrics.mse - r.reduce((s, v) => s + v * v, 0) / 64) < 1e-4 * metrics.mse);
  for (let j = 0; j < IN; j++) {
    const g = (2 * r.reduce((s, v, i) => s + v * x[i * IN + j], 0)) / 64;
    assert.ok(Math.abs(gradients[0].data[j] - g) < 1e-4 * Math.max(1, Math.abs(g)), `dw${j}: ${gradients[0].data[j]} vs ${g}`);
  }
  await engine.dispose();
});

test('training state round-trips: a restored engine takes the same next step', async () => {
  const a = regression();
  const b = regression();
  const ea = new Engine(a.layer.weights, sgd({ learningRate: 0.05, momentum: 0.9 }), { seed: 4 });
  const eb = new Engine(b.layer.weights, sgd({ learningRate: 0.05, momentum: 0.9 }), { seed: 5 });
  for (let s = 0; s < 5; s++) await ea.trainStep('train', a.lossGraph, feeds);
  eb.setWeights(ea.getWeights());
  eb.setTrainingState(ea.getTrainingState());
  await ea.trainStep('train', a.lossGraph, feeds);
  await eb.trainStep('train', b.lossGraph, feeds);
  assert.deepEqual(eb.getWeights(), ea.getWeights());
  assert.deepEqual(eb.getTrainingState(), ea.getTrainingState());
  await Promise.all([ea.dispose(), eb.dispose()]);
});

test('trainSteps: K steps in one looped run equal K single steps on a runtime without loops, bit for bit', async () => {
  const a = regression();
  const b = regression();
  const opt = () => sgd({ learningRate: 0.05, momentum: 0.9 });
  const looped = new Engine(a.layer.weights, opt(), { seed: 4 });
  const plain = new Engine(b.layer.weights, opt(), { seed: 4, runtime: { ...nodeRuntime, scan: false } });
  const steps = [0, 1, 2, 3].map((k) => ({
    x: { data: x.subarray(k * 16 * IN, (k + 1) * 16 * IN), dims: [16, IN] },
    y: { data: y.subarray(k * 16, (k + 1) * 16), dims: [16, 1] },
  }));
  const ml = await looped.trainSteps('train', a.lossGraph, steps);
  const mp: Array<Record<string, number>> = [];
  for (const s of steps) mp.push(await plain.trainStep('train', b.lossGraph, s));
  assert.equal(ml.length, 4);
  assert.deepEqual(ml, mp);
  assert.ok(ml[3].mse < ml[0].mse, `mse ${ml[0].mse} → ${ml[3].mse}`);
  assert.deepEqual(looped.getWeights(), plain.getWeights());
  assert.deepEqual(looped.getTrainingState(), plain.getTrainingState());
  assert.equal(looped.iterations, 4);
  // A plain engine's trainSteps loops in JavaScript, with the same result again.
  const c = regression();
  const plain2 = new Engine(c.layer.weights, opt(), { seed: 4, runtime: { ...nodeRuntime, scan: false } });
  assert.deepEqual(await plain2.trainSteps('train', c.lossGraph, steps), ml);
  assert.deepEqual(await looped.trainSteps('train', a.lossGraph, []), []);
  await Promise.all([looped.dispose(), plain.dispose(), plain2.dispose()]);
});

test('trainSteps refuses steps of different shapes, naming both', async () => {
  const m = regression();
  const engine = new Engine(m.layer.weights, sgd(), { seed: 1 });
  const short = { x: { data: x.subarray(0, 8 * IN), dims: [8, IN] }, y: { data: y.subarray(0, 8), dims: [8, 1] } };
  await assert.rejects(
    engine.trainSteps('train', m.lossGraph, [feeds, short]),
    /every step must feed the same shapes; step 1 feeds x \[64,3\], y \[64,1\], step 2 feeds x \[8,3\], y \[8,1\]/,
  );
  assert.equal(engine.iterations, 0);
  await engine.dispose();
});

test('weights of GROUP_ALONE values or more are fed alone in their own shape, the others flat together; a step moves each one by SGD', async () => {
  const wide = Math.ceil(GROUP_ALONE / IN); // the first kernel, (IN, wide), is a group of its own
  const hidden = new Dense(wide);
  const out = new Dense(1);
  hidden.build([IN], 'h/');
  out.build([wide], 'o/');
  const lossGraph = (): LossDef => {
    const xs = input('x', ['N', IN]);
    const ys = input('y', ['N', 1]);
    const mse = op.reduceMean(op.square(op.sub(out.call(hidden.call(xs)), ys)), [0, 1]);
    return { inputs: [xs, ys], loss: mse, metrics: { mse } };
  };
  const graphs: Uint8Array[] = [];
  const runtime = { ...nodeRuntime, scan: false, compile: (g: Uint8Array, o: Parameters<typeof nodeRuntime.compile>[1]) => (graphs.push(g), nodeRuntime.compile(g, o)) };
  const engine = new Engine([...hidden.weights, ...out.weights], sgd({ learningRate: 0.01 }), { seed: 6, runtime });
  const before = engine.getWeights();
  const { gradients } = await engine.gradients('grads', lossGraph, feeds);
  await engine.trainStep('train', lossGraph, feeds);
  const onnx = (await import('onnx-proto')).default.onnx;
  const inputs = onnx.ModelProto.decode(graphs[1]).graph!.input!.map((i) => `${i.name} [${i.type!.tensorType!.shape!.dim!.map((d) => d.dimValue).join(',')}]`);
  const small = wide + wide + 1; // h/bias, o/kernel, o/bias
  assert.deepEqual(
    inputs.filter((i) => i.startsWith('params/')),
    [`params/0 [${small}]`, `params/1 [${IN},${wide}]`],
  );
  engine.getWeights().forEach((w, i) =>
    w.data.forEach((v, j) => {
      const want = before[i].data[j] - 0.01 * gradients[i].data[j];
      assert.ok(Math.abs(v - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${w.name}[${j}]: ${v} vs ${want}`);
    }),
  );
  await engine.dispose();
});
