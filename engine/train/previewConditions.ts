/** Which conditions a preview grid shows: the first classes, or the first captions of the vocabulary's dataset. */
import * as tf from '@tensorflow/tfjs';
import type { RunManifest } from '../run/manifest';
import { clipCondition } from './clipConditioning';
import { tokenizerOf } from './conditioning';

export async function previewConditions(m: RunManifest, count: number): Promise<{ cond: tf.Tensor; uncond: tf.Tensor } | undefined> {
  if (m.model.cond === 'class') {
    const k = m.dataset.classNames?.length ?? 1;
    return { cond: tf.tensor1d(Array.from({ length: count }, (_, i) => i % k), 'int32'), uncond: tf.fill([count], -1, 'int32') };
  }
  const prompts = m.previewPrompts ?? [];
  const promptAt = (i: number) => prompts[i % Math.max(1, prompts.length)] ?? '';
  if (m.model.cond === 'clip') {
    const cond = await clipCondition(m.clip!, Array.from({ length: count }, (_, i) => promptAt(i)));
    return { cond, uncond: tf.zerosLike(cond) };
  }
  if (m.model.cond === 'text') {
    const tok = tokenizerOf(m)!;
    const ids = Array.from({ length: count }, (_, i) => tok.encode(promptAt(i)).ids);
    return { cond: tf.tensor2d(ids.flat(), [count, tok.maxLength], 'int32'), uncond: tf.zeros([count, tok.maxLength], 'int32') };
  }
  return undefined;
}
