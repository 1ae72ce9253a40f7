/**
 * Noise schedules: beta_t for t = 0..T-1 (t = 0 is the first noising step), in float64.
 * Definitions follow the papers and diffusers' `betas_for_alpha_bar` / `rescale_zero_terminal_snr`.
 */
import { DlensError, assertInteger } from './errors';

export const SCHEDULE_NAMES = ['linear', 'cosine', 'scaled-linear', 'sigmoid'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export interface ScheduleOptions {
  /** beta at t = 0 (linear, scaled-linear, sigmoid). */
  betaStart?: number;
  /** beta at t = T-1 (linear, scaled-linear, sigmoid). */
  betaEnd?: number;
  /** Cosine offset s (Nichol & Dhariwal 2021, eq. 17). */
  cosineS?: number;
  /** Cosine clip: beta never reaches 1, which would make sqrt(1/alpha_t) infinite. */
  maxBeta?: number;
  /** Lin et al. 2023, Algorithm 1: shift sqrt(alphaBar) so the last step is pure noise. */
  zeroTerminalSnr?: boolean;
}

/** Defaults per schedule: DDPM's 1e-4..0.02; Stable Diffusion's 0.00085..0.012 for scaled-linear. */
const DEFAULT_RANGE: Record<ScheduleName, [number, number]> = {
  linear: [1e-4, 0.02],
  cosine: [0, 0],
  'scaled-linear': [0.00085, 0.012],
  sigmoid: [1e-4, 0.02],
};

export function isScheduleName(name: string): name is ScheduleName {
  return (SCHEDULE_NAMES as readonly string[]).includes(name);
}

export function makeBetas(name: ScheduleName | string, T: number, options: ScheduleOptions = {}): Float64Array {
  assertInteger('T (number of diffusion steps)', T, 2);
  if (!isScheduleName(name)) {
    throw new DlensError('unknown-schedule', `Unknown schedule '${name}'.`, `use one of: ${SCHEDULE_NAMES.join(', ')}.`);
  }
  const [defaultStart, defaultEnd] = DEFAULT_RANGE[name];
  const betaStart = options.betaStart ?? defaultStart;
  const betaEnd = options.betaEnd ?? defaultEnd;
  let betas: Float64Array;
  switch (name) {
    case 'linear':
      betas = linspace(betaStart, betaEnd, T);
      break;
    case 'scaled-linear':
      betas = linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), T).map((b) => b * b);
      break;
    case 'sigmoid':
      betas = linspace(-6, 6, T).map((z) => betaStart + (betaEnd - betaStart) / (1 + Math.exp(-z)));
      break;
    case 'cosine':
      betas = cosineBetas(T, options.cosineS ?? 0.008, options.maxBeta ?? 0.999);
      break;
  }
  if (options.zeroTerminalSnr) betas = rescaleZeroTerminalSnr(betas);
  validateBetas(betas);
  return betas;
}

/** alphaBar(t) = cos^2(((t/T + s) / (1 + s)) * pi/2);  beta_i = 1 - alphaBar((i+1)/T) / alphaBar(i/T), clipped. */
export function cosineBetas(T: number, s = 0.008, maxBeta = 0.999): Float64Array {
  const alphaBar = (u: number) => Math.cos(((u + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    betas[i] = Math.min(1 - alphaBar((i + 1) / T) / alphaBar(i / T), maxBeta);
  }
  return betas;
}

/**
 * Lin et al. 2023 ("Common Diffusion Noise Schedules and Sample Steps are Flawed"), Algorithm 1:
 * keep sqrt(alphaBar_0), move sqrt(alphaBar_{T-1}) to 0 by an affine map, so the last beta becomes 1.
 */
export function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const T = betas.length;
  const sqrtAlphaBar = new Float64Array(T);
  let prod = 1;
  for (let t = 0; t < T; t++) {
    prod *= 1 - betas[t];
    sqrtAlphaBar[t] = Math.sqrt(prod);
  }
  const first = sqrtAlphaBar[0];
  const last = sqrtAlphaBar[T - 1];
  const rescaled = new Float64Array(T);
  let prevAlphaBar = 1;
  for (let t = 0; t < T; t++) {
    const alphaBar = (((sqrtAlphaBar[t] - last) * first) / (first - last)) ** 2;
    rescaled[t] = 1 - alphaBar / prevAlphaBar;
    prevAlphaBar = alphaBar;
  }
  return rescaled;
}

/** Betas must lie in (0, 1]; exactly 1 is allowed only as a zero-terminal-SNR last step. */
export function validateBetas(betas: ArrayLike<number>): void {
  if (betas.length < 2) {
    throw new DlensError('bad-schedule', `A schedule needs at least 2 steps, got ${betas.length}.`, 'use T >= 2.');
  }
  for (let t = 0; t < betas.length; t++) {
    const b = betas[t];
    if (!Number.isFinite(b)) {
      throw new DlensError('bad-schedule', `beta[${t}] is ${b} (not a finite number).`, 'check the schedule formula for a division by zero or a log of a negative number.');
    }
    const lastMayBeOne = t === betas.length - 1 && b === 1;
    if (b <= 0 || (b >= 1 && !lastMayBeOne)) {
      throw new DlensError('bad-schedule', `beta[${t}] = ${b} is outside (0, 1).`, 'betas are per-step noise variances; keep every beta strictly between 0 and 1 (only the last may be 1, with zero terminal SNR).');
    }
  }
}

export function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  // numpy's formula: start + i * step, with the last point forced to `end`.
  const step = (end - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  out[n - 1] = end;
  return out;
}
