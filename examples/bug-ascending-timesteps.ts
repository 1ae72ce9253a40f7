/**
 * Bug: the inference timesteps come out ascending (np.arange without the final [::-1]), so sampling starts at
 * the clean end and "denoises" towards pure noise.
 * Doctor: timesteps.descending (error).
 */
import type { TimestepsArgs } from '../engine/user/types';
export { betas, addNoise, step, createModel } from './ddpm-correct';

export function timesteps({ numTrainSteps: T, numSteps: N }: TimestepsArgs): number[] {
  const out: number[] = [];
  for (let i = 0; i < N; i++) out.push(Math.round(T - (i * T) / N) - 1);
  return out.reverse(); // BUG: already descending; reversing makes it ascending
}
