/**
 * σ_data as the trajectory player uses it: std(x_t) is measured over one image's values about that image's
 * own mean, so the matching spread of the data is the root of the mean within-image variance,
 * sqrt(mean_i Var_i(x0)), not the std of every pixel pooled (which adds the spread of the images' means).
 * With it, E[std(x_t)²] = ᾱ_t·σ_data² + (1 − ᾱ_t) (up to the 1/N of a population variance).
 */
import type { Dataset } from './types';

/** Over at most `maxExamples` evenly spaced examples, read in batches so memory stays small. */
export function sigmaData(dataset: Dataset, maxExamples = 2000): number {
  const n = Math.min(dataset.size, maxExamples);
  const per = dataset.imageSize * dataset.imageSize * dataset.channels;
  const indices = Array.from({ length: n }, (_, i) => Math.floor((i * dataset.size) / n));
  let varianceSum = 0;
  for (let start = 0; start < n; start += 256) {
    const { images } = dataset.get(indices.slice(start, start + 256));
    for (let lo = 0; lo < images.length; lo += per) varianceSum += withinVariance(images, lo, lo + per);
  }
  return Math.sqrt(varianceSum / n);
}

/** Population variance of values[lo..hi), in two passes (a large mean would cost digits otherwise). */
export function withinVariance(values: ArrayLike<number>, lo = 0, hi = values.length): number {
  let sum = 0;
  for (let k = lo; k < hi; k++) sum += values[k];
  const mean = sum / (hi - lo);
  let ss = 0;
  for (let k = lo; k < hi; k++) ss += (values[k] - mean) ** 2;
  return ss / (hi - lo);
}
