/**
 * The 2022 lecture's students saved with TensorFlow 2.x, whose tf.keras 2 writes legacy .h5 in
 * its own dialect: `batch_input_shape`, inbound nodes as `[[name, node, tensor, kwargs]]`, no
 * `module` keys, weights under model_weights/<layer>/<layer>/kernel:0. The Keras-written 2022
 * fixture, rewritten here into that dialect (same weights), imports to the same numbers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import h5wasm from 'h5wasm/node';
import { importKeras, loadMnist } from '../../src/index.js';
import { readHdf5, writeHdf5 } from '../../src/keras/h5.js';
import { closeTo, FIXTURES } from './helpers.js';

interface Layer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: Array<{ args: unknown[] }>;
  module?: string;
}

/** Keras 3 legacy .h5 bytes → the same model as tf.keras 2 would have written it. */
async function toKeras2(bytes: Uint8Array): Promise<Uint8Array> {
  const { cfg, weights } = await readHdf5(bytes, 'fixture', (root) => {
    const cfg = JSON.parse(String(root.attrs.model_config.json_value)) as { class_name: string; config: { layers: Layer[] } };
    const weights = new Map<string, Array<{ name: string; shape: number[]; data: Float32Array }>>();
    const mw = root.get('model_weights') as InstanceType<typeof h5wasm.Group>;
    for (const l of cfg.config.layers) {
      const g = mw.get(l.name) as InstanceType<typeof h5wasm.Group>;
      const names = g.attrs.weight_names.json_value as string[];
      weights.set(
        l.name,
        names.map((n) => {
          const d = g.get(n) as InstanceType<typeof h5wasm.Dataset>;
          return { name: `${n}:0`, shape: d.shape!, data: d.value as Float32Array };
        }),
      );
    }
    return { cfg, weights };
  });
  const history = (t: unknown): [string, number, number, object] => {
    const h = (t as { config: { keras_history: [string, number, number] } }).config.keras_history;
    return [h[0], h[1], h[2], {}];
  };
  for (const l of cfg.config.layers) {
    delete l.module;
    if (l.config.batch_shape) {
      l.config.batch_input_shape = l.config.batch_shape;
      delete l.config.batch_shape;
    }
    l.inbound_nodes = l.inbound_nodes.map((n) => {
      const a = n.args[0];
      return (Array.isArray(a) ? a : [a]).map(history);
    }) as unknown as Layer['inbound_nodes'];
  }
  cfg.class_name = 'Model';
  return writeHdf5((root) => {
    root.create_attribute('model_config', JSON.stringify(cfg));
    root.create_attribute('keras_version', '2.9.0');
    root.create_attribute('backend', 'tensorflow');
    const mw = root.create_group('model_weights');
    mw.create_attribute(
      'layer_names',
      cfg.config.layers.map((l) => l.name),
    );
    for (const l of cfg.config.layers) {
      const g = mw.create_group(l.name);
      const ws = weights.get(l.name)!;
      if (ws.length)
        g.create_attribute(
          'weight_names',
          ws.map((w) => w.name),
        );
      else g.create_attribute('weight_names', new Float32Array(0));
      const inner = ws.length ? g.create_group(l.name) : null; // tf.keras 2 nests <layer>/<layer>/kernel:0
      for (const w of ws) inner!.create_dataset({ name: w.name.split('/')[1], data: w.data, shape: w.shape, dtype: '<f' });
    }
  });
}

test("tf.keras 2's legacy .h5 dialect imports to Keras's numbers", async () => {
  const dir = join(FIXTURES, 'lecture-2022-h5');
  const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { eps: number[][]; z_mean: number[][]; z: number[][]; decoded_mean: number[][] };
  const enc = await toKeras2(readFileSync(join(dir, 'mnist_encoder.h5')));
  const dec = await toKeras2(readFileSync(join(dir, 'mnist_decoder.h5')));
  const k2 = await readHdf5(enc, 'rewritten', (root) => JSON.parse(String(root.attrs.model_config.json_value)) as { config: { layers: Layer[] } });
  assert.ok(k2.config.layers.every((l) => !('module' in l) && Array.isArray(l.inbound_nodes)));
  assert.deepEqual(k2.config.layers[1].inbound_nodes, [[['input_layer_2', 0, 0, {}]]]);
  const vae = await importKeras(enc, dec);
  const e = await vae.encode(loadMnist('test', { limit: 16 }).images, Float32Array.from(ref.eps.flat()));
  closeTo(e.mean, ref.z_mean.flat(), 'z_mean');
  closeTo(e.z, ref.z.flat(), 'z');
  closeTo(await vae.decode(Float32Array.from(ref.z_mean.flat())), ref.decoded_mean.flat(), 'decoder(z_mean)');
  await vae.dispose();
});
