/**
 * What training, sampling and metrics read from any dataset: images NHWC in [-1, 1] with a class label
 * and a caption per example. Examples are addressed by index so a seeded sampler can replay batches.
 */
export interface Batch {
  /** [n, size, size, channels] row-major, values in [-1, 1] */
  images: Float32Array;
  /** class index per example (0..classNames.length-1), or -1 where the dataset has no classes */
  labels: Int32Array;
  captions: string[];
}

export interface Dataset {
  /** e.g. 'shapes', 'fashion-mnist', 'folder:/path' */
  readonly name: string;
  readonly imageSize: number;
  readonly channels: 1 | 3;
  /** number of examples */
  readonly size: number;
  /** present when the dataset has class labels */
  readonly classNames?: readonly string[];
  get(indices: readonly number[]): Batch;
}
