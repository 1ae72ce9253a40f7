/**
 * Legal but suspicious: Stable Diffusion's scaled-linear schedule (sqrt(beta) linear from sqrt(0.00085) to
 * sqrt(0.012)) leaves sqrt(alphaBar_T) = 0.068 of the image in x_T, which sampling from pure noise lacks
 * (Lin et al. 2023: such models cannot make very dark or very bright images).
 * Doctor: schedule.terminal-snr (warning), no errors.
 */
export { addNoise, timesteps, step, createModel } from './ddpm-correct';

export function betas(T: number): number[] {
  const a = Math.sqrt(0.00085), b = Math.sqrt(0.012);
  return Array.from({ length: T }, (_, t) => (a + ((b - a) * t) / (T - 1)) ** 2);
}
