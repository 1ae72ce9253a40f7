/**
 * Bug: addNoise reads alphasCumprod[t - 1], a classic off-by-one from 1-based papers (t = 1..T) ported to
 * 0-based arrays. Every x_t is one step less noisy than the sampler assumes.
 * Doctor: forward.signal-coefficient / forward.noise-coefficient (error), "index off by one".
 */
import type { AddNoiseArgs } from '../engine/user/types';
export { betas, timesteps, step, createModel } from './ddpm-correct';

export function addNoise({ tf, x0, noise, t, alphasCumprod }: AddNoiseArgs) {
  const ab = t > 0 ? alphasCumprod[t - 1] : 1; // BUG: alphasCumprod[t]
  return tf.add(tf.mul(x0, Math.sqrt(ab)), tf.mul(noise, Math.sqrt(1 - ab)));
}
