/**
 * Classifier-free guidance (Ho & Salimans 2022): eps = eps_u + s (eps_c - eps_u).
 * Both branches go through the model in one batched call; a negative prompt takes the unconditional
 * branch's place. s = 0 is unconditional, s = 1 plain conditional.
 */
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import type { Denoiser, GuidedOutput } from './types';

/** A model that takes a condition for every example: (x [B, ...], t, cond [B, ...]) -> output [B, ...]. */
export type ConditionalModel = (x: tf.Tensor, t: number, cond: tf.Tensor) => tf.Tensor | Promise<tf.Tensor>;

export interface GuidanceOptions {
  scale: number;
  /** The condition per example, [B, ...]. */
  cond: tf.Tensor;
  /** The null condition (or a negative prompt's), [B, ...] or [1, ...]. */
  uncond: tf.Tensor;
}

export function guidedDenoiser(model: ConditionalModel, { scale, cond, uncond }: GuidanceOptions): Denoiser {
  if (!Number.isFinite(scale)) {
    throw new DlensError('bad-guidance', `Guidance scale must be a finite number, got ${scale}.`, 'use a scale such as 0 (unconditional), 1 (conditional) or 7.5.');
  }
  const batch = cond.shape[0];
  const sameTail = uncond.shape.length === cond.shape.length && uncond.shape.slice(1).every((n, i) => n === cond.shape[i + 1]);
  if (!sameTail || (uncond.shape[0] !== batch && uncond.shape[0] !== 1)) {
    throw new DlensError('bad-guidance', `The unconditional (or negative) condition has shape [${uncond.shape}], the condition [${cond.shape}].`, 'give the null/negative condition the same shape as the condition (batch 1 is broadcast).');
  }
  return (x: tf.Tensor, t: number): GuidedOutput | Promise<GuidedOutput> => {
    if (x.shape[0] !== batch) {
      throw new DlensError('bad-guidance', `The condition has batch ${batch} but x_t has batch ${x.shape[0]}.`, 'give one condition per image.');
    }
    return guidedFromBatchedCall(model, x, t, cond, uncond, scale);
  };
}

function guidedFromBatchedCall(model: ConditionalModel, x: tf.Tensor, t: number, cond: tf.Tensor, uncond: tf.Tensor, scale: number): GuidedOutput | Promise<GuidedOutput> {
  const combine = (both: tf.Tensor) =>
    tf.tidy(() => {
      const [epsCond, epsUncond] = tf.split(both, 2, 0);
      const eps = tf.add(epsUncond, tf.mul(tf.sub(epsCond, epsUncond), scale));
      return { eps, epsCond, epsUncond };
    });
  // A promise inside the returned object passes through tidy untouched (tidy walks it for tensors, finds none).
  const asked = tf.tidy(() => {
    const batch = x.shape[0];
    const uncondB = uncond.shape[0] === batch ? uncond : tf.tidy(() => tf.tile(uncond, [batch, ...new Array(uncond.rank - 1).fill(1)]));
    const both = model(tf.concat([x, x], 0), t, tf.concat([cond, uncondB], 0));
    return (both instanceof Promise ? { pending: both } : { out: combine(both) }) as unknown as tf.TensorContainer;
  }) as unknown as { pending?: Promise<tf.Tensor>; out?: GuidedOutput };
  if (asked.out) return asked.out;
  // An asynchronous model (data-parallel) made its output outside this tidy: free it once split.
  return asked.pending!.then((both) => {
    const out = combine(both);
    both.dispose();
    return out;
  });
}
