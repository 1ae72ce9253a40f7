/** Condition tensors for a batch of real examples (their own labels or captions), never dropped. */
import type * as tf from '@tensorflow/tfjs';
import type { RunManifest } from '../run/manifest';
import { trainingCondition } from '../train/conditioning';

export function conditionTensorsForLabels(m: RunManifest, labels: Int32Array, captions: string[]): Promise<tf.Tensor | undefined> {
  return trainingCondition(m, labels, captions, captions.map(() => true));
}
