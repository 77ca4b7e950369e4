/**
 * Where a training step's time goes: runs `trainStep` of a preset with ONNX Runtime's per-node
 * profiler on and prints milliseconds per step by ONNX op type and the slowest nodes.
 *
 *   node --import tsx bench/profile.ts [preset] [steps]      (after `npm run build`)
 *   TOP=40 node --import tsx bench/profile.ts …               (list the 40 slowest nodes; default 12)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist, VAE, type PresetName } from 'vaekit';

const preset = (process.argv[2] ?? 'lecture-conv') as PresetName;
const steps = Number(process.argv[3] ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'vaekit-profile-'));
const vae = VAE.fromPreset(preset, { seed: 1, profilePrefix: join(dir, 'train') });
const x = loadMnist('train', { limit: 128 }).images;
const eps = new Float32Array(128 * vae.latentDim);
for (let i = 0; i < steps; i++) await vae.trainStep(x, eps);
await vae.dispose(); // writes the profile

interface Event {
  cat: string;
  name: string;
  dur: number;
  args: { op_name: string; input_type_shape?: Array<Record<string, number[]>> };
}
const file = readdirSync(dir).find((f) => f.endsWith('.json'));
if (!file) throw new Error('no profile written');
// A Scan (several steps per run) is timed as a whole and its body's nodes one by one: count the body only.
const events = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as Event[]).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args.op_name !== 'Scan');
rmSync(dir, { recursive: true, force: true });

const byOp = new Map<string, number>();
const byNode = new Map<string, { op: string; us: number; shapes: string }>();
for (const e of events) {
  byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
  const n = byNode.get(e.name) ?? { op: e.args.op_name, us: 0, shapes: JSON.stringify((e.args.input_type_shape ?? []).map((o) => Object.values(o)[0])) };
  n.us += e.dur;
  byNode.set(e.name, n);
}
const ms = (us: number) => (us / steps / 1000).toFixed(2);
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
console.log(`${preset}: ${ms(total)} ms of kernels per step in ${byNode.size} nodes (${steps} steps, batch 128)\n`);
console.log('by op type (ms/step):');
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${op.padEnd(18)} ${ms(us).padStart(7)}`);
console.log('\nslowest nodes (ms/step):');
for (const [name, n] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, Number(process.env.TOP ?? 12)))
  console.log(`  ${ms(n.us).padStart(6)}  ${n.op.padEnd(14)} ${name.replace('_kernel_time', '').padEnd(22)} ${n.shapes}`);
