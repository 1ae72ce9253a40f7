/**
 * The tables every formula reads, derived once from betas in float64
 * (names after Ho et al. 2020 and improved-diffusion's gaussian_diffusion.py).
 */
import { validateBetas } from './schedules';

export interface DiffusionTables {
  readonly T: number;
  readonly betas: Float64Array;
  /** alpha_t = 1 - beta_t */
  readonly alphas: Float64Array;
  /** alphaBar_t = prod_{s<=t} alpha_s */
  readonly alphasCumprod: Float64Array;
  /** alphaBar_{t-1}, with alphaBar_{-1} = 1 */
  readonly alphasCumprodPrev: Float64Array;
  readonly sqrtAlphasCumprod: Float64Array;
  readonly sqrtOneMinusAlphasCumprod: Float64Array;
  /** SNR_t = alphaBar_t / (1 - alphaBar_t) (Kingma et al. 2021) */
  readonly snr: Float64Array;
  readonly logSnr: Float64Array;
  /** betaTilde_t = beta_t (1 - alphaBar_{t-1}) / (1 - alphaBar_t), variance of q(x_{t-1} | x_t, x_0) (Ho et al. eq. 7) */
  readonly posteriorVariance: Float64Array;
  /** log betaTilde_t with t = 0 replaced by t = 1, because betaTilde_0 = 0 (improved-diffusion) */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** mu~_t = posteriorMeanCoef1 * x_0 + posteriorMeanCoef2 * x_t (Ho et al. eq. 7) */
  readonly posteriorMeanCoef1: Float64Array;
  readonly posteriorMeanCoef2: Float64Array;
}

export function diffusionTables(betasIn: ArrayLike<number>): DiffusionTables {
  validateBetas(betasIn);
  const T = betasIn.length;
  const betas = Float64Array.from(betasIn);
  const make = () => new Float64Array(T);
  const alphas = make(), alphasCumprod = make(), alphasCumprodPrev = make();
  const sqrtAlphasCumprod = make(), sqrtOneMinusAlphasCumprod = make(), snr = make(), logSnr = make();
  const posteriorVariance = make(), posteriorLogVarianceClipped = make();
  const posteriorMeanCoef1 = make(), posteriorMeanCoef2 = make();

  let prev = 1;
  for (let t = 0; t < T; t++) {
    alphas[t] = 1 - betas[t];
    alphasCumprodPrev[t] = prev;
    alphasCumprod[t] = prev * alphas[t];
    prev = alphasCumprod[t];
    sqrtAlphasCumprod[t] = Math.sqrt(alphasCumprod[t]);
    sqrtOneMinusAlphasCumprod[t] = Math.sqrt(1 - alphasCumprod[t]);
    snr[t] = alphasCumprod[t] / (1 - alphasCumprod[t]);
    logSnr[t] = Math.log(snr[t]);
    const oneMinus = 1 - alphasCumprod[t];
    posteriorVariance[t] = (betas[t] * (1 - alphasCumprodPrev[t])) / oneMinus;
    posteriorMeanCoef1[t] = (betas[t] * Math.sqrt(alphasCumprodPrev[t])) / oneMinus;
    posteriorMeanCoef2[t] = ((1 - alphasCumprodPrev[t]) * Math.sqrt(alphas[t])) / oneMinus;
  }
  for (let t = 0; t < T; t++) {
    posteriorLogVarianceClipped[t] = Math.log(posteriorVariance[t === 0 ? 1 : t]);
  }
  return {
    T, betas, alphas, alphasCumprod, alphasCumprodPrev, sqrtAlphasCumprod, sqrtOneMinusAlphasCumprod,
    snr, logSnr, posteriorVariance, posteriorLogVarianceClipped, posteriorMeanCoef1, posteriorMeanCoef2,
  };
}
