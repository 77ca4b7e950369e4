// The page side of the step bench: loads one onnxruntime-web build, runs a recorded training
// step (graph + feeds served by server.ts) on one execution provider and reports timings,
// outputs and what ORT logged. One configuration per page load: ORT's wasm module (and its
// thread count) is fixed once the first session is created.

/** Decodes server.ts's feeds blob (see encodeFeeds in steps.ts) into { name: { data, dims } }. */
function decodeFeeds(buf) {
  const n = new DataView(buf).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  const body = new Float32Array(buf, 4 + n);
  const feeds = {};
  for (const f of header.feeds) feeds[f.name] = { data: body.slice(f.offset, f.offset + f.length), dims: f.dims };
  return feeds;
}

function base64(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

/**
 * Runs `warmup` + `timed` steps of `preset` with onnxruntime-web build `build` (a file of
 * onnxruntime-web/dist, e.g. ort.wasm.min.mjs or ort.webgpu.min.mjs) on `ep` ('wasm' or
 * 'webgpu'). Returns per-step milliseconds, the first run's outputs (base64 float32) and the
 * session's input/output names; with `verbose`, ORT logs at verbose level to the console (the
 * driver reads node placements from it).
 */
async function stepBench({ build, ep, threads = 1, preset, warmup = 3, timed = 5, verbose = false, outputs = false }) {
  const ort = await import(`/ort/${build}`);
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  if (verbose) ort.env.logLevel = 'verbose';
  const [graph, feedBuf] = await Promise.all([fetchBytes(`/steps/${preset}/model.onnx`), fetchBytes(`/steps/${preset}/feeds.bin`)]);
  const feeds = decodeFeeds(feedBuf);
  const options = { executionProviders: [ep], graphOptimizationLevel: 'all' };
  if (verbose) Object.assign(options, { logSeverityLevel: 0, logVerbosityLevel: 0 });
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(new Uint8Array(graph), options);
  const createMs = performance.now() - t0;
  const tensors = {};
  for (const [k, f] of Object.entries(feeds)) tensors[k] = new ort.Tensor('float32', f.data, f.dims);
  const ms = [];
  let first;
  for (let i = 0; i < warmup + timed; i++) {
    const s = performance.now();
    const out = await session.run(tensors);
    // Reading every output back is part of a step: the engine needs the new weights on the host.
    const got = {};
    for (const name of session.outputNames) got[name] = await out[name].getData();
    if (i >= warmup) ms.push(performance.now() - s);
    if (i === 0) first = got;
  }
  await session.release();
  const result = {
    preset,
    build,
    ep,
    threads,
    createMs,
    ms,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    crossOriginIsolated,
    wasmThreads: ort.env.wasm.numThreads,
  };
  if (outputs) result.outputs = Object.fromEntries(Object.entries(first).map(([k, v]) => [k, base64(v)]));
  return result;
}

window.stepBench = stepBench;
window.stepBenchReady = true;
