/**
 * What ONNX Runtime's WebGPU execution provider must be told about a vaekit model, shared by
 * onnxruntime-node's WebGPU (`runtime/node.ts`) and onnxruntime-web's (the page): both take a
 * list of node names to keep on the CPU (`forceCpuNodeNames`). Browser-safe: onnx-proto only.
 */
import onnxProto from 'onnx-proto';

/**
 * Nodes the WebGPU execution provider accepts but then fails to run, by name, to be kept on the
 * CPU: MaxPool with its Indices output (ORT 1.30: "The Indices output is not supported yet"),
 * which a max-pooling layer's gradient reads. Empty for a model without them.
 */
export function cpuOnlyOnWebGpu(bytes: Uint8Array): string[] {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  return (model.graph?.node ?? []).filter((n) => n.opType === 'MaxPool' && (n.output?.length ?? 0) > 1 && n.output![1] !== '').map((n) => n.name ?? '');
}

/** Outputs one node may write on WebGPU: the 8 storage buffers a shader stage is guaranteed, less its input. */
export const WEBGPU_MAX_NODE_OUTPUTS = 7;
