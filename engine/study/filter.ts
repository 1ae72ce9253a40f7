/**
 * Keeping only the synthetic images that show what they were asked for, before any classifier trains on
 * them: a generator far from converged draws many images that contradict their caption, and each one is
 * a wrong label in the real+synthetic arm. Two judges:
 *   judge   a classifier trained on the small real set (what a researcher has for any data)
 *   scorer  the phantoms' exact pixel scorer (an oracle: how far a perfect filter could go)
 */
import * as tf from '@tensorflow/tfjs';
import type { MemoryExamples } from '../data/memory';
import { scorePhantom } from '../data/phantomScore';
import type { Dataset } from '../data/types';
import { DlensError } from '../errors';
import { argmax, trainJudge } from '../metrics/judge';
import type { StudyConfig, StudyDataset, StudyFilter } from './config';

export interface FilterReport {
  method: Exclude<StudyFilter, 'none'>;
  generated: number;
  kept: number;
}

/** A seed no arm uses, so the filter's classifier is not one of the classifiers it is compared with. */
const FILTER_JUDGE_SEED = 999;

export async function filterSynthetic(generated: MemoryExamples, o: { method: StudyFilter; dataset: StudyDataset; realTrain: Dataset; cfg: StudyConfig; signal?: AbortSignal }): Promise<{ kept: MemoryExamples; report?: FilterReport }> {
  if (o.method === 'none') return { kept: generated };
  const S = o.cfg.imageSize;
  const n = generated.labels.length;
  let keep: boolean[];
  if (o.method === 'scorer') {
    if (o.dataset !== 'phantoms') throw new DlensError('no-scorer', `The exact pixel scorer exists for phantoms only, not ${o.dataset}.`, 'use --filter judge (a classifier trained on the real set) or --filter none.');
    keep = generated.captions.map((c, i) => scorePhantom(generated.images.subarray(i * S * S, (i + 1) * S * S), S, c).matches === true);
  } else {
    const judge = await trainJudge(o.realTrain, { steps: o.cfg.classifierSteps, batchSize: o.cfg.classifierBatch, seed: FILTER_JUDGE_SEED, signal: o.signal });
    const x = tf.tensor4d(generated.images, [n, S, S, 1]);
    try {
      const { probs } = await judge.embed(x);
      keep = probs.map((p, i) => argmax(p) === generated.labels[i]);
    } finally {
      x.dispose();
      judge.dispose();
    }
  }
  const indices = [...keep.keys()].filter((i) => keep[i]);
  if (indices.length === 0) {
    throw new DlensError('nothing-kept', `The ${o.method} filter kept none of the ${n} synthetic images: none shows what it was asked for.`, 'train the generator longer (--generator-steps), or run with --filter none to see the unfiltered study.');
  }
  return { kept: subset(generated, indices, S * S), report: { method: o.method, generated: n, kept: indices.length } };
}

function subset(e: MemoryExamples, indices: number[], per: number): MemoryExamples {
  const images = new Float32Array(indices.length * per);
  indices.forEach((i, k) => images.set(e.images.subarray(i * per, (i + 1) * per), k * per));
  return { images, labels: Int32Array.from(indices, (i) => e.labels[i]), captions: indices.map((i) => e.captions[i]) };
}
