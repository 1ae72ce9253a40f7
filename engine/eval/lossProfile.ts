/**
 * The loss-vs-timestep profile of a trained model on real images: noise-prediction MSE at the centre of
 * each of `buckets` equal ranges of t, with fixed images and noise so two checkpoints compare fairly.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import { Rng } from '../random';
import type { LoadedRun } from '../train/load';
import { forwardNoiser } from '../user/resolve';
import { conditionTensorsForLabels } from './conditions';

/** x_t comes from the run's own forward process: the user's addNoise when its implementation exports one. */
export async function lossProfile(run: Pick<LoadedRun, 'model' | 'manifest' | 'tables' | 'implementation'>, dataset: Dataset, count = 64, buckets = 10, seed = 0): Promise<{ t: number[]; mse: number[] }> {
  const { model, manifest: m, tables } = run;
  const noised = forwardNoiser(tables, run.implementation);
  const rng = new Rng(seed);
  const indices = Array.from({ length: count }, () => rng.int(dataset.size));
  const batch = dataset.get(indices);
  const x0 = tf.tensor4d(batch.images, [count, dataset.imageSize, dataset.imageSize, dataset.channels]);
  const noise = rng.normal(x0.shape) as tf.Tensor4D;
  const cond = await conditionTensorsForLabels(m, batch.labels, batch.captions);
  const ts: number[] = [];
  const mse: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const t = Math.min(tables.T - 1, Math.floor(((b + 0.5) * tables.T) / buckets));
    const loss = tf.tidy(() => tf.mean(tf.square(tf.sub(model.predict(noised(x0, new Array(count).fill(t), noise), t, cond), noise))));
    ts.push(t);
    mse.push((await loss.data())[0]);
    loss.dispose();
  }
  tf.dispose([x0, noise, ...(cond ? [cond] : [])]);
  return { t: ts, mse };
}
