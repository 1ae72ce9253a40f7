/** Sampling a trained run: the same request gives the same pixels. */
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { Rng } from '../random';
import { guidedDenoiser } from '../samplers/guidance';
import type { Denoiser, Probe } from '../samplers/types';
import { sampleWith, samplingTimesteps } from '../user/resolve';
import { conditionTensors } from './conditioning';
import { type Predictor, openPredictor } from './predictor';
import type { LoadedRun } from './load';

export interface SampleRequest {
  sampler: 'ddpm' | 'ddim';
  steps: number;
  eta: number;
  spacing: string;
  guidance: number;
  prompt?: string;
  negativePrompt?: string;
  classIndex?: number;
  /** class models: `perClass` images of every class, class by class (then n is ignored) */
  perClass?: number;
  n: number;
  seed: number;
  probe?: Probe;
  signal?: AbortSignal;
  /** threads the batch is split across (engine/train/dataParallel.ts); default 1 */
  workers?: number;
  /** image-to-image: one image [1, S, S, C] in [-1, 1], used for every sample, and the share of steps to run */
  init?: { image: tf.Tensor4D; strength: number };
  /** inpainting: one image [1, S, S, C] and a mask [1, S, S, 1] (1 = generate, 0 = keep) */
  inpaint?: { image: tf.Tensor4D; mask: tf.Tensor4D };
}

/** Samples n images from a loaded run; the same request gives the same pixels. */
export async function sampleFromRun(run: LoadedRun, r: SampleRequest): Promise<{ images: tf.Tensor4D; warnings: string[] }> {
  const { manifest: m, tables } = run;
  const rng = new Rng(r.seed);
  const classes = m.dataset.classNames?.length ?? 0;
  if (r.perClass !== undefined && (m.model.cond !== 'class' || classes === 0)) {
    throw new DlensError('not-class-model', 'Samples per class need a class-conditioned run.', 'drop --per-class, or sample a run trained with --cond class.');
  }
  const n = r.perClass !== undefined ? classes * r.perClass : r.n;
  const xT = rng.normal([n, m.dataset.imageSize, m.dataset.imageSize, m.dataset.channels]);
  const { cond, uncond, warnings } =
    r.perClass !== undefined
      ? { cond: tf.tensor1d(Array.from({ length: n }, (_, i) => Math.floor(i / r.perClass!)), 'int32'), uncond: tf.fill([n], -1, 'int32'), warnings: [] as string[] }
      : await conditionTensors(m, { prompt: r.prompt, negativePrompt: r.negativePrompt, classIndex: r.classIndex }, n);
  // The sampler wants the known image at the batch's shape; the mask may stay [1, S, S, 1] (it broadcasts).
  const tile = (image: tf.Tensor4D) => tf.tile(image, [n, 1, 1, 1]);
  const init = r.init ? { image: tile(r.init.image), strength: r.init.strength } : undefined;
  const inpaint = r.inpaint ? { image: tile(r.inpaint.image), mask: r.inpaint.mask } : undefined;
  let predictor: Predictor | undefined;
  try {
    predictor = await openPredictor(run, r.workers);
    const { predict } = predictor;
    const denoiser: Denoiser = cond && uncond ? guidedDenoiser(predict, { scale: r.guidance, cond, uncond }) : (x, t) => predict(x, t);
    const opts = { tables, timesteps: samplingTimesteps(r.spacing, tables.T, r.steps, run.implementation), rng, clipX0: 1, probe: r.probe, signal: r.signal, init, inpaint };
    const images = (await sampleWith(r.sampler, r.eta, denoiser, xT, opts, run.implementation)) as tf.Tensor4D;
    return { images, warnings: [...run.warnings, ...warnings] };
  } finally {
    await predictor?.dispose();
    tf.dispose([xT, ...(cond ? [cond] : []), ...(uncond ? [uncond] : []), ...(init ? [init.image] : []), ...(inpaint ? [inpaint.image] : [])]);
  }
}

