/**
 * Stands in for onnxruntime-node in the page's bundle (web/vite.config.ts aliases it here): the
 * library's Node runtime is reachable from the engine's defaults, but the page always passes a
 * web runtime, so reaching this is a bug that should say so.
 */
const unavailable = (): never => {
  throw new Error('onnxruntime-node is not available in the browser: pass a web `runtime` (webRuntime())');
};

export default {
  InferenceSession: { create: unavailable },
  Tensor: unavailable,
  listSupportedBackends: () => [],
};
