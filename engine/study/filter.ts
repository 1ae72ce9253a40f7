/**
 * Keeping only the synthetic images that show what they were asked for, before any classifier trains on
 * them: a generator far from converged draws many images that contradict their caption, and each one is
 * a wrong label in the real+synthetic arm. Two judges:
 *   judge   a classifier trained on the small real set (what a researcher has for any data)
 *   scorer  the phantoms' exact pixel scorer (an oracle: how far a perfect filter could go)
 * A rejected image is drawn again for the same caption, with fresh noise, for a few rounds: rejecting
 * without redrawing would leave the classes the generator finds hard (small lesions) under-represented,
 * and the classifiers would learn that mix instead of the real one.
 */
import * as tf from '@tensorflow/tfjs';
import type { MemoryExamples } from '../data/memory';
import { scorePhantom } from '../data/phantomScore';
import type { Dataset } from '../data/types';
import { DlensError } from '../errors';
import { type Judge, argmax, trainJudge } from '../metrics/judge';
import type { StudyConfig, StudyDataset, StudyFilter } from './config';

export interface FilterReport {
  method: Exclude<StudyFilter, 'none'>;
  /** captions asked for (one image each) */
  requested: number;
  /** images drawn in all, first draws and redraws */
  drawn: number;
  /** images the classifiers got: at most one per requested caption */
  kept: number;
  /** redraw rounds run (a round redraws every image still rejected) */
  rounds: number;
}

/** Which images show what they were asked for (labels for the judge, captions for the scorer). */
export interface SyntheticJudge {
  accepts(e: MemoryExamples): Promise<boolean[]>;
  dispose(): void;
}

/** A seed no arm uses, so the filter's classifier is not one of the classifiers it is compared with. */
const FILTER_JUDGE_SEED = 999;

export async function syntheticJudge(method: Exclude<StudyFilter, 'none'>, o: { dataset: StudyDataset; realTrain: Dataset; cfg: StudyConfig; signal?: AbortSignal }): Promise<SyntheticJudge> {
  const S = o.cfg.imageSize;
  if (method === 'scorer') {
    if (o.dataset !== 'phantoms') throw new DlensError('no-scorer', `The exact pixel scorer exists for phantoms only, not ${o.dataset}.`, 'use --filter judge (a classifier trained on the real set) or --filter none.');
    return {
      accepts: async (e) => e.captions.map((c, i) => scorePhantom(e.images.subarray(i * S * S, (i + 1) * S * S), S, c).matches === true),
      dispose: () => undefined,
    };
  }
  const judge = await trainJudge(o.realTrain, { steps: o.cfg.classifierSteps, batchSize: o.cfg.classifierBatch, seed: FILTER_JUDGE_SEED, signal: o.signal });
  return { accepts: (e) => classifierAccepts(judge, e, S), dispose: () => judge.dispose() };
}

/** Per image: does the classifier put it in the class it was asked for? (single-channel images) */
export async function classifierAccepts(judge: Judge, e: MemoryExamples, S: number): Promise<boolean[]> {
  const x = tf.tensor4d(e.images, [e.labels.length, S, S, 1]);
  try {
    const { probs } = await judge.embed(x);
    return probs.map((p, i) => argmax(p) === e.labels[i]);
  } finally {
    x.dispose();
  }
}

/**
 * The first draw `generated`, filtered by `judge`; each image rejected is drawn again (`redraw` gets the
 * indices and the round, and returns their new images in that order) up to `rounds` times. Returns the
 * accepted images in request order, and what it took.
 */
export async function filterSynthetic(generated: MemoryExamples, judge: SyntheticJudge, method: FilterReport['method'], rounds: number, redraw: (indices: number[], round: number) => Promise<Float32Array>, per: number): Promise<{ kept: MemoryExamples; report: FilterReport }> {
  const images = generated.images.slice();
  const accepted = await judge.accepts(generated);
  let drawn = generated.labels.length;
  let round = 0;
  for (; round < rounds; round++) {
    const rejected = [...accepted.keys()].filter((i) => !accepted[i]);
    if (rejected.length === 0) break;
    const fresh = await redraw(rejected, round + 1);
    drawn += rejected.length;
    const again = await judge.accepts(subset({ images: fresh, labels: Int32Array.from(rejected, (i) => generated.labels[i]), captions: rejected.map((i) => generated.captions[i]) }, rejected.map((_, k) => k), per));
    rejected.forEach((i, k) => {
      if (!again[k]) return;
      accepted[i] = true;
      images.set(fresh.subarray(k * per, (k + 1) * per), i * per);
    });
  }
  const indices = [...accepted.keys()].filter((i) => accepted[i]);
  if (indices.length === 0) {
    throw new DlensError('nothing-kept', `The ${method} filter accepted none of the ${drawn} synthetic images drawn: none shows what it was asked for.`, 'train the generator longer (--generator-steps), or run with --filter none to see the unfiltered study.');
  }
  return { kept: subset({ ...generated, images }, indices, per), report: { method, requested: generated.labels.length, drawn, kept: indices.length, rounds: round } };
}

function subset(e: MemoryExamples, indices: number[], per: number): MemoryExamples {
  const images = new Float32Array(indices.length * per);
  indices.forEach((i, k) => images.set(e.images.subarray(i * per, (i + 1) * per), k * per));
  return { images, labels: Int32Array.from(indices, (i) => e.labels[i]), captions: indices.map((i) => e.captions[i]) };
}
