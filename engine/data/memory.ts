/**
 * A dataset over arrays already in memory: a subset of another dataset, generated images, or the two
 * together. What the augmentation study trains its classifiers on.
 */
import { DlensError, assertInteger } from '../errors';
import type { Batch, Dataset } from './types';

export interface MemoryExamples {
  /** [n, size, size, channels] row-major in [-1, 1] */
  images: Float32Array;
  labels: Int32Array;
  captions: string[];
}

export function memoryDataset(name: string, like: Pick<Dataset, 'imageSize' | 'channels' | 'classNames'>, examples: MemoryExamples): Dataset {
  const per = like.imageSize * like.imageSize * like.channels;
  const n = examples.labels.length;
  if (examples.images.length !== n * per || examples.captions.length !== n) {
    throw new DlensError('shape-mismatch', `Dataset '${name}': ${examples.images.length} values, ${n} labels and ${examples.captions.length} captions do not describe the same ${like.imageSize}x${like.imageSize}x${like.channels} examples.`, 'pass one image, label and caption per example.');
  }
  const get = (indices: readonly number[]): Batch => {
    const images = new Float32Array(indices.length * per);
    indices.forEach((index, k) => {
      assertInteger(`${name} index`, index, 0, n - 1);
      images.set(examples.images.subarray(index * per, (index + 1) * per), k * per);
    });
    return { images, labels: Int32Array.from(indices, (i) => examples.labels[i]), captions: indices.map((i) => examples.captions[i]) };
  };
  return { name, imageSize: like.imageSize, channels: like.channels, size: n, classNames: like.classNames, get };
}

/** The examples of `dataset` at `indices`, copied out. */
export function takeExamples(dataset: Dataset, indices: readonly number[]): MemoryExamples {
  const { images, labels, captions } = dataset.get(indices);
  return { images, labels, captions };
}

export function concatExamples(a: MemoryExamples, b: MemoryExamples): MemoryExamples {
  const images = new Float32Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Int32Array(a.labels.length + b.labels.length);
  labels.set(a.labels);
  labels.set(b.labels, a.labels.length);
  return { images, labels, captions: [...a.captions, ...b.captions] };
}
