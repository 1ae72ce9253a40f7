/**
 * Privacy check for generated images: how close is each synthetic image to the nearest image the
 * generator was trained on? A generator that memorised its training set hands back near-copies, which
 * for patient data is a leak. "Near" needs a scale, and the training set itself gives one: the distance
 * from each training image to its nearest OTHER training image (leave-one-out). A synthetic image closer
 * to some training image than NEAR_COPY_QUANTILE of the training images are to each other is flagged.
 *
 * Distances are root-mean-square pixel differences (images in [-1, 1]), so they do not grow with the
 * image size: 0 is an exact copy, 2 is as far apart as two images can be.
 */
import { DlensError } from '../errors';
import { type FeatureRows, rowView } from '../metrics/rows';

/** Share of training images whose own nearest neighbour is closer than the near-copy threshold. */
export const NEAR_COPY_QUANTILE = 0.05;
const HISTOGRAM_BINS = 20;

export interface NearestNeighbourReport {
  /** per synthetic image: RMS distance to its nearest training image, and that image's index */
  distances: number[];
  nearestIndex: number[];
  min: number;
  /** distances below this are near-copies: the NEAR_COPY_QUANTILE quantile of realToReal */
  threshold: number;
  nearCopies: number;
  /** synthetic indices flagged as near-copies */
  nearCopyIndices: number[];
  /** per training image: RMS distance to its nearest other training image */
  realToReal: number[];
  /** counts over shared bin edges, for a chart of both distributions */
  histogram: { edges: number[]; synthetic: number[]; realToReal: number[] };
}

/** Nearest row of `to` for every row of `from`; with `skipSelf` (from === to) a row never matches itself. */
function nearest(from: FeatureRows, to: FeatureRows, skipSelf: boolean): { distance: number[]; index: number[] } {
  const a = rowView(from, 'synthetic images');
  const b = rowView(to, 'training images');
  if (a.dim !== b.dim) {
    throw new DlensError('dimension-mismatch', `Synthetic images have ${a.dim} values each, training images ${b.dim}.`, 'compare images of the same size and channels.');
  }
  // Copy into contiguous float64 blocks once: the O(n m dim) loop then runs over plain arrays.
  const flat = (v: typeof a) => {
    const x = new Float64Array(v.n * v.dim);
    for (let i = 0; i < v.n; i++) for (let d = 0; d < v.dim; d++) x[i * v.dim + d] = v.at(i, d);
    return x;
  };
  const x = flat(a);
  const y = skipSelf ? x : flat(b);
  const distance: number[] = [];
  const index: number[] = [];
  for (let i = 0; i < a.n; i++) {
    let best = Infinity;
    let bestJ = -1;
    for (let j = 0; j < b.n; j++) {
      if (skipSelf && i === j) continue;
      let s = 0;
      for (let d = 0; d < a.dim && s < best; d++) {
        const diff = x[i * a.dim + d] - y[j * a.dim + d];
        s += diff * diff;
      }
      if (s < best) [best, bestJ] = [s, j];
    }
    distance.push(Math.sqrt(best / a.dim));
    index.push(bestJ);
  }
  return { distance, index };
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((p, r) => p - r);
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

export function nearestNeighbours(synthetic: FeatureRows, training: FeatureRows): NearestNeighbourReport {
  const n = rowView(training, 'training images').n;
  if (n < 2) {
    throw new DlensError('too-few-samples', `The near-copy threshold comes from distances between training images; got ${n}.`, 'pass at least 2 training images (tens for a stable threshold).');
  }
  if (rowView(synthetic, 'synthetic images').n < 1) {
    throw new DlensError('no-examples', 'No synthetic images to check.', 'generate at least one image.');
  }
  const syn = nearest(synthetic, training, false);
  const realToReal = nearest(training, training, true).distance;
  const threshold = quantile(realToReal, NEAR_COPY_QUANTILE);
  const nearCopyIndices = syn.distance.flatMap((d, i) => (d < threshold ? [i] : []));
  const top = Math.max(...syn.distance, ...realToReal) || 1;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, k) => (top * k) / HISTOGRAM_BINS);
  const count = (ds: number[]) => {
    const c = new Array(HISTOGRAM_BINS).fill(0);
    for (const d of ds) c[Math.min(HISTOGRAM_BINS - 1, Math.floor((d / top) * HISTOGRAM_BINS))]++;
    return c;
  };
  return {
    distances: syn.distance,
    nearestIndex: syn.index,
    min: Math.min(...syn.distance),
    threshold,
    nearCopies: nearCopyIndices.length,
    nearCopyIndices,
    realToReal,
    histogram: { edges, synthetic: count(syn.distance), realToReal: count(realToReal) },
  };
}
