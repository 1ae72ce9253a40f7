/**
 * How often guided samples show what was asked for, per guidance scale: judged by the shapes scorer
 * (pixel statistics: colour, position, size, shape) for caption models, by the judge classifier for class models.
 */
import * as tf from '@tensorflow/tfjs';
import { createShapes, scoreShapes } from '../data';
import { type Judge, argmax } from '../metrics/judge';
import { Rng } from '../random';
import { guidedDenoiser } from '../samplers/guidance';
import { clipCondition } from '../train/clipConditioning';
import { tokenizerOf } from '../train/conditioning';
import type { LoadedRun } from '../train/load';
import { sampleWith, samplingTimesteps } from '../user/resolve';

export interface AdherenceRow {
  scale: number;
  /** share of samples matching everything asked for */
  all: number;
  /** per attribute (shapes) or per class (judge) */
  parts: Record<string, number>;
}

export interface GuidedBatch {
  images: tf.Tensor4D;
  requested: { labels?: number[]; captions?: string[] };
}

/** n samples at one guidance scale with seeded requests: random captions (text) or classes cycling (class). */
export async function guidedSamples(run: LoadedRun, scale: number, n: number, steps: number, seed: number): Promise<GuidedBatch> {
  const { manifest: m, model, tables } = run;
  const rng = new Rng(seed);
  const size = m.dataset.imageSize;
  const xT = rng.normal([n, size, size, m.dataset.channels]);
  let cond: tf.Tensor;
  let uncond: tf.Tensor;
  const requested: GuidedBatch['requested'] = {};
  if (m.model.cond === 'class') {
    const K = m.dataset.classNames!.length;
    requested.labels = Array.from({ length: n }, (_, i) => i % K);
    cond = tf.tensor1d(requested.labels, 'int32');
    uncond = tf.fill([n], -1, 'int32');
  } else {
    const shapes = createShapes({ imageSize: size, seed: m.training.seed });
    requested.captions = Array.from({ length: n }, () => shapes.get([rng.int(shapes.size)]).captions[0]);
    if (m.model.cond === 'clip') {
      cond = await clipCondition(m.clip!, requested.captions);
    } else {
      const tok = tokenizerOf(m)!;
      cond = tf.tensor2d(requested.captions.flatMap((c) => tok.encode(c).ids), [n, tok.maxLength], 'int32');
    }
    uncond = tf.zerosLike(cond);
  }
  const denoiser = guidedDenoiser((x, t, c) => model.predict(x, t, c), { scale, cond, uncond });
  const options = { tables, timesteps: samplingTimesteps('trailing', tables.T, steps, run.implementation), rng, clipX0: 1 };
  const images = (await sampleWith('ddim', 0, denoiser, xT, options, run.implementation)) as tf.Tensor4D;
  tf.dispose([xT, cond, uncond]);
  return { images, requested };
}

export async function shapesAdherence(batch: GuidedBatch, scale: number, imageSize: number): Promise<AdherenceRow> {
  const data = (await batch.images.data()) as Float32Array;
  const per = imageSize * imageSize * 3;
  const counts = { colour: 0, position: 0, size: 0, shape: 0, 'colour+position': 0 };
  let all = 0;
  const captions = batch.requested.captions!;
  captions.forEach((caption, i) => {
    const s = scoreShapes(data.subarray(i * per, (i + 1) * per), imageSize, caption);
    counts.colour += s.colour ? 1 : 0;
    counts.position += s.position ? 1 : 0;
    counts.size += s.size ? 1 : 0;
    counts.shape += s.shape ? 1 : 0;
    counts['colour+position'] += s.colour && s.position ? 1 : 0;
    if (s.colour && s.position && s.size && s.shape) all++;
  });
  const n = captions.length;
  return { scale, all: all / n, parts: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n])) };
}

export async function judgeAdherence(batch: GuidedBatch, scale: number, judge: Judge): Promise<AdherenceRow & { features: Float32Array[] }> {
  const { features, probs } = await judge.embed(batch.images);
  const labels = batch.requested.labels!;
  const hits = new Array(judge.numClasses).fill(0);
  const totals = new Array(judge.numClasses).fill(0);
  let all = 0;
  probs.forEach((p, i) => {
    const best = argmax(p);
    totals[labels[i]]++;
    if (best === labels[i]) {
      hits[labels[i]]++;
      all++;
    }
  });
  const parts = Object.fromEntries(judge.classNames.map((name, k) => [name, totals[k] ? hits[k] / totals[k] : NaN]));
  return { scale, all: all / labels.length, parts, features };
}
