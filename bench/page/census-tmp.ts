import ort from 'onnxruntime-node';
import { lowerMaxUnpool, opCensus, splitWide } from './graph.js';
import { maxDiff, recordStep } from './steps.js';
const c = await recordStep('lecture-conv', 3, 32);
const low = splitWide(lowerMaxUnpool(c.graph));
console.log(JSON.stringify(opCensus(low).ops));
const s = await ort.InferenceSession.create(low, { intraOpNumThreads: 2 });
const out = await s.run(Object.fromEntries(Object.entries(c.feeds).map(([k, f]) => [k, new ort.Tensor('float32', f.data, [...f.dims])])));
for (const k of c.outputNames) console.log(k, maxDiff(out[k].data as Float32Array, c.reference[k]));
