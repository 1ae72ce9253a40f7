/**
 * Two questions a sample grid raises: are the samples varied (or did the model collapse onto a few
 * images), and are they of the class that was asked for?
 */
import type * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { argmax, type Judge } from './judge';
import { type FeatureRows, rowView } from './rows';

/** Mean Euclidean distance over all distinct pairs; O(n^2 dim), about a second for 1000 images of 28x28. */
export function meanPairwiseDistance(samples: FeatureRows): number {
  const { n, dim, at } = rowView(samples, 'samples');
  if (n < 2) {
    throw new DlensError('too-few-samples', `Pairwise distance needs at least 2 samples, got ${n}.`, 'pass two or more samples.');
  }
  // Copy into one float64 block once: the inner loop then runs over contiguous memory, not accessors.
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) x[i * dim + d] = at(i, d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const a = i * dim;
    for (let j = i + 1; j < n; j++) {
      const b = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const diff = x[a + d] - x[b + d];
        s += diff * diff;
      }
      total += Math.sqrt(s);
    }
  }
  return total / ((n * (n - 1)) / 2);
}

/**
 * Mean pairwise distance of the generated samples over that of real data, in the same space (pixels, or
 * judge features): about 1 when samples are as varied as the data, near 0 for a collapsed model.
 * Compare sets of similar size; the statistic itself does not depend on n, but its noise does.
 */
export function diversityRatio(generated: FeatureRows, real: FeatureRows): number {
  const g = rowView(generated, 'generated');
  const r = rowView(real, 'real');
  if (g.dim !== r.dim) {
    throw new DlensError('dimension-mismatch', `Generated samples have ${g.dim} values each, real ones ${r.dim}.`, 'compare both in the same space: images of the same size, or features from the same judge.');
  }
  const realSpread = meanPairwiseDistance(real);
  if (realSpread === 0) {
    throw new DlensError('degenerate-reference', 'All real samples are identical, so there is no diversity to compare with.', 'pass a varied set of real examples.');
  }
  return meanPairwiseDistance(generated) / realSpread;
}

export interface ClassAdherence {
  className: string;
  /** how many images asked for this class */
  requested: number;
  /** how many of those the judge classified as this class */
  correct: number;
  /** correct / requested; null when no image asked for the class */
  accuracy: number | null;
}

export interface Adherence {
  /** fraction of images the judge assigns to the class they were generated for */
  accuracy: number;
  perClass: ClassAdherence[];
}

/** Did conditional sampling give what was asked? The judge's verdict per requested class. */
export async function adherence(judge: Judge, images: tf.Tensor4D, requestedLabels: ArrayLike<number>): Promise<Adherence> {
  const n = images.shape[0];
  if (requestedLabels.length !== n) {
    throw new DlensError('label-count-mismatch', `${n} images but ${requestedLabels.length} requested labels.`, 'pass one requested class index per image.');
  }
  if (n === 0) {
    throw new DlensError('no-examples', 'adherence needs at least one image.', 'pass the generated images and the class each was asked for.');
  }
  for (let i = 0; i < n; i++) {
    const c = requestedLabels[i];
    if (!Number.isInteger(c) || c < 0 || c >= judge.numClasses) {
      throw new DlensError('bad-label', `Requested label ${c} (image ${i}) is outside 0..${judge.numClasses - 1}.`, `use class indices of the judge's classes: ${judge.classNames.join(', ')}.`);
    }
  }
  const { probs } = await judge.embed(images);
  const perClass: ClassAdherence[] = judge.classNames.map((className) => ({ className, requested: 0, correct: 0, accuracy: null }));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const entry = perClass[requestedLabels[i]];
    entry.requested++;
    if (argmax(probs[i]) === requestedLabels[i]) {
      entry.correct++;
      correct++;
    }
  }
  for (const entry of perClass) entry.accuracy = entry.requested > 0 ? entry.correct / entry.requested : null;
  return { accuracy: correct / n, perClass };
}
