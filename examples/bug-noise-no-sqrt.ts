/**
 * Bug: the noise coefficient of q(x_t | x_0) is written 1 - alphaBar (a variance) instead of sqrt(1 - alphaBar)
 * (a standard deviation): x_t holds far too little noise at small t.
 * Doctor: forward.noise-coefficient (error), "without the square root".
 */
import type { AddNoiseArgs } from '../engine/user/types';
export { betas, timesteps, step, createModel } from './ddpm-correct';

export function addNoise({ tf, x0, noise, t, alphasCumprod }: AddNoiseArgs) {
  const ab = alphasCumprod[t];
  return tf.add(tf.mul(x0, Math.sqrt(ab)), tf.mul(noise, 1 - ab)); // BUG: Math.sqrt(1 - ab)
}
