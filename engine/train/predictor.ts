/**
 * The run's network as samplers call it: on worker threads when asked for more than one and the network
 * is the reference U-Net (workers rebuild only that), else in this thread. Sampling and sweeps share it.
 */
import * as tf from '@tensorflow/tfjs';
import { DataParallel } from './dataParallel';
import type { LoadedRun } from './load';

export type Predict = (x: tf.Tensor, t: number, cond?: tf.Tensor) => tf.Tensor | Promise<tf.Tensor>;

export interface Predictor {
  predict: Predict;
  dispose(): Promise<void>;
}

export async function openPredictor(run: LoadedRun, workers = 1): Promise<Predictor> {
  const { model, tables } = run;
  if (workers <= 1 || !model.unet) return { predict: (x, t, c) => model.predict(x, t, c), dispose: async () => undefined };
  const parallel = new DataParallel(model.unet, tables, workers, tf.getBackend());
  try {
    await parallel.syncWeights();
  } catch (err) {
    await parallel.dispose();
    throw err;
  }
  return { predict: (x, t, c) => parallel.predict(x, t, c), dispose: () => parallel.dispose() };
}
