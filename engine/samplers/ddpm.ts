/**
 * DDPM ancestral sampling (Ho et al. 2020, Algorithm 2), written over any descending timestep list:
 * between t and tPrev the effective step is alpha = alphaBar_t / alphaBar_tPrev (as diffusers' DDPMScheduler),
 * which reduces to alpha_t when the list is every timestep.
 */
import * as tf from '@tensorflow/tfjs';
import { runSampler } from './loop';
import type { Denoiser, SamplerOptions, StepFn } from './types';

/** 'posterior': sigma^2 = betaTilde_t (Ho's "fixed small"); 'beta': sigma^2 = beta_t ("fixed large"). */
export type DdpmVariance = 'posterior' | 'beta';

export function ddpmStep(variance: DdpmVariance): StepFn {
  return ({ x, x0, alphaBar, alphaBarPrev, isLast, noise }) => {
    const alpha = alphaBar / alphaBarPrev;
    const beta = 1 - alpha;
    // mu~(x_t, x_0) = sqrt(abPrev) beta / (1 - ab) x_0 + sqrt(alpha) (1 - abPrev) / (1 - ab) x_t   (Ho eq. 7)
    const coef1 = (Math.sqrt(alphaBarPrev) * beta) / (1 - alphaBar);
    const coef2 = (Math.sqrt(alpha) * (1 - alphaBarPrev)) / (1 - alphaBar);
    const mean = tf.add(tf.mul(x0, coef1), tf.mul(x, coef2));
    if (isLast) return mean; // no noise on the final step: x_0 is the posterior mean
    const sigma2 = variance === 'posterior' ? (beta * (1 - alphaBarPrev)) / (1 - alphaBar) : beta;
    return tf.add(mean, tf.mul(noise(x.shape), Math.sqrt(sigma2)));
  };
}

export async function sampleDdpm(
  denoiser: Denoiser,
  xT: tf.Tensor,
  options: SamplerOptions & { variance?: DdpmVariance },
): Promise<tf.Tensor> {
  return runSampler(denoiser, xT, options, ddpmStep(options.variance ?? 'posterior'));
}
