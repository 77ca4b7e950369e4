/**
 * Small helpers shared by the data loaders. Internal: not re-exported from the package.
 */

/** Validate a `limit` option at the boundary, so a typo like `-1` fails loudly. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit: expected a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}

/** Short, single-line reason from a thrown value (Node's fs errors carry a code). */
export function errorReason(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const msg = e.message.split('\n')[0];
    return code !== undefined && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(e);
}

/** byte/255 for every byte value: one table lookup per pixel instead of a division. */
const UNIT_TABLE: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255;
  return t;
})();

/** Convert bytes to floats in [0, 1] (pixel/255), writing into `out` (allocated when absent). */
export function bytesToUnit(bytes: Uint8Array, out: Float32Array = new Float32Array(bytes.length)): Float32Array {
  for (let i = 0; i < bytes.length; i++) out[i] = UNIT_TABLE[bytes[i]];
  return out;
}

/** Format a shape for messages: `[28, 28, 1]`. */
export function fmtShape(shape: ArrayLike<number>): string {
  return `[${Array.from(shape).join(', ')}]`;
}

/** Class names '0'..'max' for labels without names, so that `labelNames.length` is the class count. */
export function defaultLabelNames(labels: Int32Array): string[] {
  let max = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}
