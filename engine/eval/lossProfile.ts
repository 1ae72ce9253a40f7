/**
 * The loss-vs-timestep profile of a trained model on real images: noise-prediction MSE at the centre of
 * each of `buckets` equal ranges of t, with fixed images and noise so two checkpoints compare fairly.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import type { DiffusionTables } from '../diffusion';
import { Rng } from '../random';
import type { RunManifest } from '../run/manifest';
import { forwardNoiser } from '../user/resolve';
import type { LoadedImplementation } from '../user/types';
import { conditionTensorsForLabels } from './conditions';

/**
 * Anything that predicts the noise: (x_t, t, cond) -> eps-hat, NHWC. The reference U-Net is one; a user's
 * own model (`UserModel.predict`) becomes one through the adapter in engine/user/model.ts.
 */
export interface NoisePredictor {
  predict(x: tf.Tensor, t: number, cond?: tf.Tensor): tf.Tensor;
}

/** t at the centre of bucket b of `buckets` equal ranges of 0..T-1. */
export function bucketCentre(b: number, buckets: number, T: number): number {
  return Math.min(T - 1, Math.floor(((b + 0.5) * T) / buckets));
}

/** x_t comes from the run's own forward process: the user's addNoise when its implementation exports one. */
export async function lossProfile(model: NoisePredictor, m: RunManifest, tables: DiffusionTables, dataset: Dataset, count = 64, buckets = 10, seed = 0, implementation?: LoadedImplementation): Promise<{ t: number[]; mse: number[] }> {
  const noised = forwardNoiser(tables, implementation);
  const rng = new Rng(seed);
  const indices = Array.from({ length: count }, () => rng.int(dataset.size));
  const batch = dataset.get(indices);
  const x0 = tf.tensor4d(batch.images, [count, dataset.imageSize, dataset.imageSize, dataset.channels]);
  const noise = rng.normal(x0.shape) as tf.Tensor4D;
  const cond = await conditionTensorsForLabels(m, batch.labels, batch.captions);
  const ts: number[] = [];
  const mse: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const t = bucketCentre(b, buckets, tables.T);
    const loss = tf.tidy(() => tf.mean(tf.square(tf.sub(model.predict(noised(x0, new Array(count).fill(t), noise), t, cond), noise))));
    ts.push(t);
    mse.push((await loss.data())[0]);
    loss.dispose();
  }
  tf.dispose([x0, noise, ...(cond ? [cond] : [])]);
  return { t: ts, mse };
}
