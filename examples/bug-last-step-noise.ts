/**
 * Bug: DDPM's step adds sigma * noise on every step, the last one included (Ho et al. Algorithm 2 sets z = 0
 * when t = 1). With "fixed large" sigma^2 = beta the last step leaves visible grain in every sample.
 * Doctor: sampler.final-noise (error).
 */
import type { StepArgs } from '../engine/user/types';
export { betas, addNoise, timesteps, createModel } from './ddpm-correct';

export function step({ tf, x, eps, t, tPrev, alphasCumprod, noise }: StepArgs) {
  const ab = alphasCumprod[t];
  const abPrev = tPrev >= 0 ? alphasCumprod[tPrev] : 1;
  const beta = 1 - ab / abPrev; // this pair's beta (the step may skip timesteps)
  return tf.tidy(() => {
    const x0 = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
    // posterior mean (Ho et al. eq. 7)
    const mean = tf.add(tf.mul(x0, (Math.sqrt(abPrev) * beta) / (1 - ab)), tf.mul(x, (Math.sqrt(1 - beta) * (1 - abPrev)) / (1 - ab)));
    return tf.add(mean, tf.mul(noise, Math.sqrt(beta))); // BUG: only when tPrev >= 0
  });
}
