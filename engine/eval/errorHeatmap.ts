/**
 * Where a model's noise prediction goes wrong: for real images x_0 noised to x_t = sqrt(alphaBar_t) x_0 +
 * sqrt(1 - alphaBar_t) eps at chosen timesteps, the per-pixel error |eps-hat - eps| (averaged over
 * channels), plus the loss-vs-t profile (lossProfile). Images and noise depend only on the seed, so two
 * models or checkpoints evaluated with the same seed are compared on exactly the same inputs.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import type { DiffusionTables } from '../diffusion';
import { DlensError } from '../errors';
import { Rng } from '../random';
import type { RunManifest } from '../run/manifest';
import { forwardNoiser } from '../user/resolve';
import type { LoadedImplementation } from '../user/types';
import { conditionTensorsForLabels } from './conditions';
import { type NoisePredictor, lossProfile } from './lossProfile';

export interface ErrorHeatmapOptions {
  /** timesteps to show, each in 0..T-1 */
  timesteps: number[];
  /** real images shown (default 4) */
  count?: number;
  seed?: number;
  /** images behind each point of the loss-vs-t profile (default 64) */
  profileCount?: number;
  /** buckets of the loss-vs-t profile (default 10) */
  buckets?: number;
  /** the run's implementation module: its addNoise makes x_t when it exports one */
  implementation?: LoadedImplementation;
}

export interface ErrorHeatmaps {
  timesteps: number[];
  /** [n, h, w, c] of x_0 */
  imageShape: [number, number, number, number];
  /** real images x_0, [n, h, w, c] in [-1, 1] */
  x0: Float32Array;
  /** x_t for each timestep, [timesteps, n, h, w, c] */
  xt: Float32Array;
  /** mean over channels of |eps-hat - eps|, [timesteps, n, h, w] */
  error: Float32Array;
  /** noise-prediction MSE over the shown images at each timestep */
  mseAt: number[];
  /** MSE at the centre of each t bucket, over `profileCount` images */
  profile: { t: number[]; mse: number[] };
}

export async function errorHeatmaps(model: NoisePredictor, m: RunManifest, tables: DiffusionTables, dataset: Dataset, o: ErrorHeatmapOptions): Promise<ErrorHeatmaps> {
  const count = o.count ?? 4;
  const seed = o.seed ?? 0;
  const bad = o.timesteps.find((t) => !Number.isInteger(t) || t < 0 || t >= tables.T);
  if (bad !== undefined || o.timesteps.length === 0) {
    throw new DlensError('bad-timestep', `Timestep ${bad ?? '(none)'} is not an integer in 0..${tables.T - 1} (this run has T = ${tables.T}).`, `pick timesteps from 0 to ${tables.T - 1}, e.g. ${[0.05, 0.25, 0.5, 0.75, 0.95].map((f) => Math.round(f * (tables.T - 1))).join(',')}.`);
  }
  const rng = new Rng(seed);
  const indices = Array.from({ length: count }, () => rng.int(dataset.size));
  const batch = dataset.get(indices);
  const shape: [number, number, number, number] = [count, dataset.imageSize, dataset.imageSize, dataset.channels];
  const x0 = tf.tensor4d(batch.images, shape);
  // One noise draw for every timestep: the rows then differ only by t, as in the forward-process strip.
  const noise = rng.normal(shape);
  const cond = await conditionTensorsForLabels(m, batch.labels, batch.captions);
  const pixels = count * dataset.imageSize * dataset.imageSize;
  const xt = new Float32Array(o.timesteps.length * pixels * dataset.channels);
  const error = new Float32Array(o.timesteps.length * pixels);
  const mseAt: number[] = [];
  const noised = forwardNoiser(tables, o.implementation);
  try {
    for (const [i, t] of o.timesteps.entries()) {
      const [noisy, absErr, mse] = tf.tidy(() => {
        const x = noised(x0, new Array(count).fill(t), noise as tf.Tensor4D);
        const diff = tf.sub(model.predict(x, t, cond), noise);
        return [x, tf.mean(tf.abs(diff), 3), tf.mean(tf.square(diff))];
      });
      xt.set(await noisy.data(), i * pixels * dataset.channels);
      error.set(await absErr.data(), i * pixels);
      mseAt.push((await mse.data())[0]);
      tf.dispose([noisy, absErr, mse]);
    }
  } finally {
    tf.dispose([x0, noise, ...(cond ? [cond] : [])]);
  }
  const nonFinite = mseAt.findIndex((v) => !Number.isFinite(v));
  if (nonFinite >= 0) {
    throw new DlensError('non-finite-prediction', `The model predicts non-finite noise at t = ${o.timesteps[nonFinite]} (MSE ${mseAt[nonFinite]}).`, 'check the checkpoint: training probably diverged (see its loss in the training dashboard); try an earlier checkpoint or lower the learning rate.');
  }
  const profile = await lossProfile(model, m, tables, dataset, o.profileCount ?? 64, o.buckets ?? 10, seed, o.implementation);
  return { timesteps: [...o.timesteps], imageShape: shape, x0: Float32Array.from(batch.images), xt, error, mseAt, profile };
}
