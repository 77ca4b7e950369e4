/**
 * Shapes of symbolic tensors. Every dimension is a number except the batch dimension, which is
 * the symbol `'N'`: one traced graph then serves every batch size (the last, smaller batch of an
 * epoch, or an exported model that any runtime feeds with any number of images).
 */
export type Dim = number | 'N';
export type Shape = readonly Dim[];

/** The batch dimension's symbol. */
export const N = 'N' as const;

/** `[2, 'N', 3]` → `"[2,N,3]"`, for error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Whether two shapes are the same, dimension by dimension. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Product of the numeric dimensions (the batch symbol counts as 1). */
export function numelPerBatch(shape: Shape): number {
  let n = 1;
  for (const d of shape) if (d !== 'N') n *= d;
  return n;
}

/** Whether the shape contains the batch symbol. */
export function hasBatch(shape: Shape): boolean {
  return shape.includes('N');
}

/** NumPy broadcasting of two shapes; throws with both shapes when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape, what: string): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new RangeError(`${what}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast`);
  }
  return out;
}

/** Concrete shape for a given batch size. */
export function concrete(shape: Shape, batch: number): number[] {
  return shape.map((d) => (d === 'N' ? batch : d));
}
