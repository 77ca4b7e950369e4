/**
 * One training step of the same models on onnxruntime-node's CPU and WebGPU execution providers,
 * from the same seed, batch and noise: the losses and the largest weight difference per model.
 * Imported by node.test.ts where WebGPU starts in the test's own process; run as a script
 * (`node --import tsx test/runtime/webgpu-step.ts`) in a child process whose environment points
 * Vulkan at a CPU driver (Chromium's SwiftShader) where the machine has no GPU. Prints one line,
 * `RESULT <json>`, on stdout.
 */
import { pathToFileURL } from 'node:url';
import { Conv2D, Dense, Flatten, MaxPooling2D, VAE, type VAEConfig } from '../../src/index.js';

/** What one model's step gave on each device. */
export interface StepComparison {
  model: string;
  loss: { cpu: number; webgpu: number };
  /** Largest |w_cpu − w_webgpu| over all weights after the step. */
  worstWeightDiff: number;
  /** The weight where that difference is. */
  worstWeight: string;
}

/** A small convolutional VAE with max pooling (whose gradient reads MaxPool's indices) on 8×8 images: quick to compile on a CPU Vulkan driver. */
function smallConv(): VAEConfig {
  return {
    inputShape: [8, 8, 1],
    latentDim: 2,
    encoder: [new Conv2D(4, 3, { activation: 'relu', padding: 'same' }), new MaxPooling2D(2), new Flatten()],
    decoder: [new Dense(64, { activation: 'sigmoid' })],
    loss: { reconstruction: 'bce', klReduction: 'sum', scale: 64, beta: 1 },
    optimizer: { name: 'adam' },
    epochs: 1,
    batchSize: 8,
  };
}

/** One step of medium-dense (dense layers) and of a small conv net with max pooling, on both devices. */
export async function compareSteps(): Promise<StepComparison[]> {
  const out: StepComparison[] = [];
  for (const [name, make] of [
    ['medium-dense', (device: 'cpu' | 'webgpu') => VAE.fromPreset('medium-dense', { seed: 7, device })],
    ['conv + max pooling', (device: 'cpu' | 'webgpu') => new VAE(smallConv(), { seed: 7, device })],
  ] as const) {
    const models = [make('cpu'), make('webgpu')];
    const n = 8;
    const pixels = models[0].inputShape.reduce((a, b) => a * b, 1);
    const x = Float32Array.from({ length: n * pixels }, (_, i) => ((i * 7919) % 256) / 255);
    const eps = Float32Array.from({ length: n * models[0].latentDim }, (_, i) => Math.sin(i));
    const cpu = await models[0].trainStep(x, eps);
    const webgpu = await models[1].trainStep(x, eps);
    const [wa, wb] = models.map((m) => m.getWeights());
    let worst = 0;
    let worstWeight = '';
    for (let i = 0; i < wa.length; i++)
      for (let j = 0; j < wa[i].data.length; j++) {
        const d = Math.abs(wa[i].data[j] - wb[i].data[j]);
        if (d > worst) [worst, worstWeight] = [d, wa[i].name];
      }
    out.push({ model: name, loss: { cpu: cpu.loss, webgpu: webgpu.loss }, worstWeightDiff: worst, worstWeight });
    await Promise.all(models.map((m) => m.dispose()));
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`RESULT ${JSON.stringify(await compareSteps())}`);
}
