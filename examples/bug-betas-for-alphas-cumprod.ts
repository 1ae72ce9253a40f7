/**
 * Bug: the step reads betas[t] where alphasCumprod[t] belongs when it rebuilds x0 from eps: the two
 * tables sit side by side in the arguments, and the names are easy to swap.
 * Doctor: sampler.reference-update (error), "reads betas[t] where alphasCumprod[t] belongs".
 */
import type { StepArgs } from '../engine/user/types';
export { betas, addNoise, timesteps, createModel } from './ddpm-correct';

export function step({ tf, x, eps, t, tPrev, alphasCumprod, betas, eta, noise }: StepArgs) {
  const ab = betas[t]; // BUG: alphasCumprod[t]
  const abPrev = tPrev >= 0 ? alphasCumprod[tPrev] : 1;
  const sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(Math.max(0, 1 - ab / abPrev));
  return tf.tidy(() => {
    const x0 = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
    const mean = tf.add(tf.mul(x0, Math.sqrt(abPrev)), tf.mul(eps, Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma))));
    return tPrev >= 0 ? tf.add(mean, tf.mul(noise, sigma)) : mean;
  });
}
