/**
 * Legal but suspicious: the last DDIM step goes to alphasCumprod[0] instead of alphaBar = 1 (diffusers'
 * set_alpha_to_one = False), so every sample keeps sqrt(1 - alphasCumprod[0]) = 1% of predicted noise.
 * Doctor: sampler.final-alpha (warning), no errors.
 */
import type { StepArgs } from '../engine/user/types';
import { step as correctStep } from './ddpm-correct';
export { betas, addNoise, timesteps, createModel } from './ddpm-correct';

export function step(args: StepArgs) {
  if (args.tPrev >= 0) return correctStep(args);
  // BUG (mild): final alphaBar_prev = alphasCumprod[0] rather than 1
  const { tf, x, eps, t, alphasCumprod } = args;
  const ab = alphasCumprod[t];
  const abPrev = alphasCumprod[0];
  return tf.tidy(() => {
    const x0 = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
    return tf.add(tf.mul(x0, Math.sqrt(abPrev)), tf.mul(eps, Math.sqrt(1 - abPrev)));
  });
}
