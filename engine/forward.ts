/**
 * The forward process q(x_t | x_0), its posterior q(x_{t-1} | x_t, x_0), and the conversions between
 * the three things a network may predict (epsilon, x_0, v). Ho et al. 2020; Salimans & Ho 2022 for v.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionTables } from './diffusion';
import { DlensError } from './errors';

/** A timestep for the whole batch, or one per example (training draws t per example). */
export type Timestep = number | readonly number[];
/** alphaBar for the whole batch (a number) or per example (a tensor broadcastable against x). */
export type AlphaBar = number | tf.Tensor;

export const PREDICTION_TYPES = ['epsilon', 'x0', 'v'] as const;
export type PredictionType = (typeof PREDICTION_TYPES)[number];

/** Reads table[t] as a scalar, or as a [B, 1, ..., 1] tensor for per-example timesteps. */
export function gather(table: Float64Array, t: Timestep, like: tf.Tensor): number | tf.Tensor {
  const check = (ti: number) => {
    if (!Number.isInteger(ti) || ti < 0 || ti >= table.length) {
      throw new DlensError('bad-timestep', `Timestep ${ti} is outside 0..${table.length - 1}.`, `timesteps are integers from 0 (first noising step) to T-1 = ${table.length - 1}.`);
    }
    return table[ti];
  };
  if (typeof t === 'number') return check(t);
  if (t.length !== like.shape[0]) {
    throw new DlensError('bad-timestep', `Got ${t.length} timesteps for a batch of ${like.shape[0]}.`, 'pass one timestep per example, or one number for the whole batch.');
  }
  const shape = [t.length, ...new Array(like.rank - 1).fill(1)];
  return tf.tensor(t.map(check), shape, 'float32');
}

const sqrtOf = (a: AlphaBar) => (typeof a === 'number' ? Math.sqrt(a) : tf.sqrt(a));
const sqrtOneMinus = (a: AlphaBar) => (typeof a === 'number' ? Math.sqrt(1 - a) : tf.sqrt(tf.sub(1, a)));

/** x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps  (Ho et al. eq. 4, direct timestep sampling). */
export function qSample(d: DiffusionTables, x0: tf.Tensor, t: Timestep, noise: tf.Tensor): tf.Tensor {
  assertSameShape('noise', noise, x0);
  return tf.tidy(() => {
    const a = gather(d.sqrtAlphasCumprod, t, x0);
    const s = gather(d.sqrtOneMinusAlphasCumprod, t, x0);
    return tf.add(tf.mul(x0, a), tf.mul(noise, s));
  });
}

/** Mean and variance of q(x_{t-1} | x_t, x_0) (Ho et al. eq. 6-7). */
export function qPosterior(d: DiffusionTables, x0: tf.Tensor, xt: tf.Tensor, t: Timestep) {
  assertSameShape('x_t', xt, x0);
  return tf.tidy(() => {
    const mean = tf.add(tf.mul(x0, gather(d.posteriorMeanCoef1, t, x0)), tf.mul(xt, gather(d.posteriorMeanCoef2, t, x0)));
    const variance = gather(d.posteriorVariance, t, x0);
    const logVarianceClipped = gather(d.posteriorLogVarianceClipped, t, x0);
    return { mean, variance, logVarianceClipped };
  });
}

/** x_0 = (x_t - sqrt(1 - alphaBar) eps) / sqrt(alphaBar) */
export function x0FromEps(xt: tf.Tensor, eps: tf.Tensor, alphaBar: AlphaBar): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(xt, tf.mul(eps, sqrtOneMinus(alphaBar))), sqrtOf(alphaBar)));
}

/** eps = (x_t - sqrt(alphaBar) x_0) / sqrt(1 - alphaBar) */
export function epsFromX0(xt: tf.Tensor, x0: tf.Tensor, alphaBar: AlphaBar): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(xt, tf.mul(x0, sqrtOf(alphaBar))), sqrtOneMinus(alphaBar)));
}

/** v = sqrt(alphaBar) eps - sqrt(1 - alphaBar) x_0  (Salimans & Ho 2022, sec. 4) */
export function vFromEpsX0(eps: tf.Tensor, x0: tf.Tensor, alphaBar: AlphaBar): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(eps, sqrtOf(alphaBar)), tf.mul(x0, sqrtOneMinus(alphaBar))));
}

/** x_0 = sqrt(alphaBar) x_t - sqrt(1 - alphaBar) v */
export function x0FromV(xt: tf.Tensor, v: tf.Tensor, alphaBar: AlphaBar): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(xt, sqrtOf(alphaBar)), tf.mul(v, sqrtOneMinus(alphaBar))));
}

/** eps = sqrt(1 - alphaBar) x_t + sqrt(alphaBar) v */
export function epsFromV(xt: tf.Tensor, v: tf.Tensor, alphaBar: AlphaBar): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(xt, sqrtOneMinus(alphaBar)), tf.mul(v, sqrtOf(alphaBar))));
}

/**
 * Reads a network output as both eps and x_0. With epsilon prediction at alphaBar = 0 (zero terminal SNR)
 * x_0 is undefined, which is why Lin et al. 2023 pair that schedule with v-prediction.
 */
export function epsAndX0(output: tf.Tensor, xt: tf.Tensor, alphaBar: number, prediction: PredictionType) {
  if (prediction === 'epsilon') {
    if (alphaBar <= 0) {
      throw new DlensError('eps-at-zero-snr', 'An epsilon-prediction model cannot give x0 at a timestep where alphaBar = 0 (zero terminal SNR).', "use prediction 'v' (or 'x0') with a zero-terminal-SNR schedule, or turn zeroTerminalSnr off.");
    }
    return { eps: tf.clone(output), x0: x0FromEps(xt, output, alphaBar) };
  }
  if (prediction === 'x0') {
    if (alphaBar >= 1) throw new DlensError('x0-at-zero-noise', 'An x0-prediction model cannot give eps where alphaBar = 1.', 'use a schedule whose betas are all > 0.');
    return { eps: epsFromX0(xt, output, alphaBar), x0: tf.clone(output) };
  }
  return { eps: epsFromV(xt, output, alphaBar), x0: x0FromV(xt, output, alphaBar) };
}

export function assertSameShape(name: string, got: tf.Tensor, want: tf.Tensor): void {
  if (got.shape.length !== want.shape.length || got.shape.some((n, i) => n !== want.shape[i])) {
    throw new DlensError('shape-mismatch', `${name} has shape [${got.shape}], expected [${want.shape}].`, `make ${name} the same shape as the image batch (NHWC).`);
  }
}
