/** Which conditions a preview grid shows: the first classes, or the first captions of the vocabulary's dataset. */
import * as tf from '@tensorflow/tfjs';
import type { RunManifest } from '../run/manifest';
import { tokenizerOf } from './conditioning';

export function previewConditions(m: RunManifest, count: number): { cond: tf.Tensor; uncond: tf.Tensor } | undefined {
  if (m.model.cond === 'class') {
    const k = m.dataset.classNames?.length ?? 1;
    return { cond: tf.tensor1d(Array.from({ length: count }, (_, i) => i % k), 'int32'), uncond: tf.fill([count], -1, 'int32') };
  }
  if (m.model.cond === 'text') {
    const tok = tokenizerOf(m)!;
    const prompts = m.previewPrompts ?? [];
    const ids = Array.from({ length: count }, (_, i) => tok.encode(prompts[i % Math.max(1, prompts.length)] ?? '').ids);
    return { cond: tf.tensor2d(ids.flat(), [count, tok.maxLength], 'int32'), uncond: tf.zeros([count, tok.maxLength], 'int32') };
  }
  return undefined;
}
