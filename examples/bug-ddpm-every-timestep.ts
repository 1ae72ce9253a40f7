/**
 * Bug: DDPM's Algorithm 2 copied literally, x_{t-1} = (x_t - beta_t / sqrt(1 - alphaBar_t) eps) / sqrt(alpha_t)
 * + sigma_t z, with the one-step alpha_t and beta_t. Right when the sampler visits every timestep, wrong
 * as soon as it skips any (50 steps of a 1000-step schedule): the step ignores tPrev.
 * Doctor: timesteps.step-consistency (error), "tPrev = t - 1".
 */
import type { StepArgs } from '../engine/user/types';
export { betas, addNoise, timesteps, createModel } from './ddpm-correct';

export function step({ tf, x, eps, t, tPrev, alphasCumprod, betas, noise }: StepArgs) {
  const beta = betas[t]; // BUG: this pair's beta is 1 - alphasCumprod[t] / alphasCumprod[tPrev]
  const alpha = 1 - beta;
  const abPrev = t > 0 ? alphasCumprod[t - 1] : 1;
  const sigma = Math.sqrt((beta * (1 - abPrev)) / (1 - alphasCumprod[t]));
  return tf.tidy(() => {
    const mean = tf.div(tf.sub(x, tf.mul(eps, beta / Math.sqrt(1 - alphasCumprod[t]))), Math.sqrt(alpha));
    return tPrev >= 0 ? tf.add(mean, tf.mul(noise, sigma)) : mean;
  });
}
