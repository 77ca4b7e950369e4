/**
 * The kernel gradient's contraction in both operand orders (docs/PERFORMANCE.md, "Eighth pass"):
 * out = Σ_k B[c', k] · A[r, k] over K = batch × positions, as ORT's MLAS runs it when the big
 * im2col A (R = taps·C rows) is the right operand, `MatMul(B, Aᵀ)` with Aᵀ stored (K, R) (the
 * lowering before), and when it is the left one, `Gemm(A, B, transB)` with both stored (rows, K)
 * (the lowering now). Median ms per node from ORT's profiler, 2 threads, and GFLOP/s.
 *
 *   node --import tsx bench/gemm-order.ts [C',K,R ...]     (default: keras-conv2d's and lecture-conv's shapes)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';

const { onnx } = onnxProto;
const shapes = (process.argv.length > 2 ? process.argv.slice(2) : ['64,25088,288', '64,6272,576', '32,25088,144', '32,6272,288']).map((s) => s.split(',').map(Number));
const info = (name: string, dims: number[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

for (const [c, k, r] of shapes) {
  const transB = onnx.AttributeProto.create({ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 });
  const graph = onnx.GraphProto.create({
    name: 'order',
    node: [
      onnx.NodeProto.create({ opType: 'MatMul', name: 'right', input: ['b', 'aT'], output: ['before'] }), // (C', K)·(K, R)
      onnx.NodeProto.create({ opType: 'Gemm', name: 'left', input: ['a', 'b'], output: ['now'], attribute: [transB] }), // (R, K)·(C', K)ᵀ
    ],
    input: [info('a', [r, k]), info('aT', [k, r]), info('b', [c, k])],
    output: [info('before', [c, r]), info('now', [r, c])],
  });
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
  const dir = mkdtempSync(join(tmpdir(), 'vaekit-gemm-order-'));
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, enableProfiling: true, profileFilePrefix: join(dir, 'gemm') });
  const a = Float32Array.from({ length: r * k }, (_, i) => Math.sin(i));
  const aT = new Float32Array(a.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) aT[j * r + i] = a[i * k + j];
  const b = Float32Array.from({ length: c * k }, (_, i) => Math.cos(0.7 * i));
  const feeds = { a: new ort.Tensor('float32', a, [r, k]), aT: new ort.Tensor('float32', aT, [k, r]), b: new ort.Tensor('float32', b, [c, k]) };
  for (let i = 0; i < 30; i++) await session.run(feeds);
  await session.release(); // writes the profile
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) throw new Error('no profile written');
  const events = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as Array<{ cat: string; name: string; dur: number }>).filter(
    (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'),
  );
  rmSync(dir, { recursive: true, force: true });
  const median = (node: string) => {
    const d = events.filter((e) => e.name.startsWith(node)).map((e) => e.dur / 1000);
    return d.sort((x, y) => x - y)[d.length >> 1];
  };
  const gflop = (2 * c * k * r) / 1e6; // ÷ ms → GFLOP/s
  const [before, now] = [median('right'), median('left')];
  console.log(`${c}×${k}×${r}: im2col right ${before.toFixed(2)} ms (${(gflop / before).toFixed(0)} GFLOP/s), left ${now.toFixed(2)} ms (${(gflop / now).toFixed(0)} GFLOP/s)`);
}
