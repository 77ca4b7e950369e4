import { launchChromium, parsePlacements, runInPage, startStepServer } from './server.js';
import { recordStep, maxDiff } from './steps.js';
import { splitWide } from './graph.js';
const preset = (process.argv[2] ?? 'geron-dense') as 'geron-dense';
const build = process.argv[3] ?? 'ort.webgpu.min.mjs';
const ep = (process.argv[4] ?? 'webgpu') as 'webgpu';
const c0 = await recordStep(preset);
const c = { ...c0, graph: splitWide(c0.graph) };
const srv = await startStepServer([c]);
const b = await launchChromium({ webgpu: ep === 'webgpu' });
try {
  const r = await runInPage(b, srv.url, { build, ep, preset, warmup: 1, timed: 2, verbose: process.argv[5] === 'v', outputs: true });
  console.log(JSON.stringify(parsePlacements(r.console)));
  console.log(r.console.filter((l) => /not found|fallback|placed/i.test(l)).join('\n'));
  console.log(r.console.length, 'console lines', r.createMs, r.ms);
  for (const k of r.outputNames) console.log(k, maxDiff(r.outputs![k], c.reference[k]));
} finally {
  await b.close();
  await srv.close();
}
