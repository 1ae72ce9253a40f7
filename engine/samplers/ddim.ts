/**
 * DDIM (Song et al. 2021, eq. 12):
 *   x_prev = sqrt(abPrev) x0 + sqrt(1 - abPrev - sigma^2) eps + sigma z,
 *   sigma = eta sqrt((1 - abPrev) / (1 - ab)) sqrt(1 - ab / abPrev).
 * eta = 0 is deterministic; eta = 1 makes sigma^2 the DDPM posterior variance.
 */
import * as tf from '@tensorflow/tfjs';
import { assertInRange } from '../errors';
import { runSampler } from './loop';
import type { Denoiser, SamplerOptions, StepFn } from './types';

export function ddimSigma(eta: number, alphaBar: number, alphaBarPrev: number): number {
  return eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
}

export function ddimStep(eta: number): StepFn {
  return ({ x, eps, x0, alphaBar, alphaBarPrev, noise }) => {
    const sigma = ddimSigma(eta, alphaBar, alphaBarPrev);
    // max(0, .) guards the float rounding of 1 - abPrev - sigma^2 when eta = 1 and abPrev is near 1.
    const dirCoef = Math.sqrt(Math.max(0, 1 - alphaBarPrev - sigma * sigma));
    const mean = tf.add(tf.mul(x0, Math.sqrt(alphaBarPrev)), tf.mul(eps, dirCoef));
    return sigma > 0 ? tf.add(mean, tf.mul(noise(x.shape), sigma)) : mean;
  };
}

export async function sampleDdim(denoiser: Denoiser, xT: tf.Tensor, options: SamplerOptions & { eta?: number }): Promise<tf.Tensor> {
  const eta = options.eta ?? 0;
  assertInRange('eta', eta, 0, 1);
  return runSampler(denoiser, xT, options, ddimStep(eta));
}
