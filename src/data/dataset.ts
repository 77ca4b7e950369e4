/** The in-memory data set every loader returns (browser-safe: types only). */

/**
 * A set of images with optional integer labels, held in one flat array so that a batch is a
 * contiguous copy and the layout matches what the models take, NHWC.
 */
export interface Dataset {
  /** `count * H * W * C` floats in [0, 1] (pixel/255), NHWC: image, row, column, channel. */
  images: Float32Array;
  /** One class index per image, in [0, labelNames.length) when names are known; null if unlabeled. */
  labels: Int32Array | null;
  /** Shape of one image, [H, W, C]. */
  shape: [number, number, number];
  /** Number of images, N. */
  count: number;
  /** Class names indexed by label, or null if unlabeled. */
  labelNames: string[] | null;
  /** Human-readable name for logs and manifests, e.g. `mnist/train`. */
  name: string;
}

/** Which half of a standard data set. */
export type Split = 'train' | 'test';
