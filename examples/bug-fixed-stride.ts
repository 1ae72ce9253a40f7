/**
 * Bug: the step computes the previous timestep as t - T / numSteps (a fixed stride, hard-coded for 50 steps)
 * instead of using the tPrev it is given: diffusers' old DDIMScheduler did this (prev_timestep =
 * timestep - num_train_timesteps // num_inference_steps). Any other list (other step counts, linspace,
 * img2img) lands every step at the wrong noise level.
 * Doctor: timesteps.step-consistency (error), "tPrev = t - 20".
 */
import type { StepArgs } from '../engine/user/types';
import { step as correctStep } from './ddpm-correct';
export { betas, addNoise, timesteps, createModel } from './ddpm-correct';

const STRIDE = 1000 / 50;

export function step(args: StepArgs) {
  const tPrev = args.t - STRIDE; // BUG: args.tPrev
  return correctStep({ ...args, tPrev: tPrev >= 0 ? tPrev : -1 });
}
