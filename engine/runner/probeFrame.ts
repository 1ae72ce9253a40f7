/** A sampler's probe event, read out of the backend into a frame message (binary tensors). */
import type * as tf from '@tensorflow/tfjs';
import type { FrameMessage } from '../protocol/runner';
import type { TensorPayload } from '../protocol/tensor';
import type { ProbeEvent } from '../samplers/types';

export async function payload(t: tf.Tensor): Promise<TensorPayload> {
  return { shape: [...t.shape], data: (await t.data()) as Float32Array };
}

export async function frameFromProbe(e: ProbeEvent, steps: number): Promise<FrameMessage> {
  const [x, eps, x0, epsCond, epsUncond] = await Promise.all([payload(e.x), payload(e.eps), payload(e.x0), e.epsCond && payload(e.epsCond), e.epsUncond && payload(e.epsUncond)]);
  return { type: 'frame', step: e.step, steps, t: e.t, tPrev: e.tPrev, x, eps, x0, epsCond, epsUncond };
}
