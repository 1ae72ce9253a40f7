/**
 * Bug: the cosine schedule (Nichol & Dhariwal 2021) without its clip at 0.999: alphaBar reaches 0 at t = T,
 * so the last beta is 1, alpha_T = 0, and x0 = (x - sqrt(1 - alphaBar) eps) / sqrt(alphaBar) divides by 0.
 * Doctor: schedule.beta-one (error).
 */
export { addNoise, timesteps, step, createModel } from './ddpm-correct';

export function betas(T: number): number[] {
  const s = 0.008;
  const alphaBar = (u: number) => Math.cos(((u + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  return Array.from({ length: T }, (_, i) => 1 - alphaBar((i + 1) / T) / alphaBar(i / T)); // BUG: Math.min(..., 0.999)
}
