/**
 * The numerical yardsticks the checks share. Two kinds of tolerance:
 * - exact comparisons (a coefficient the user's code applies) allow float32 rounding, derived below;
 * - statistical comparisons allow Z_BOUND standard errors of the estimate, computed from the sample size.
 */

/** float32 unit roundoff */
export const EPS32 = 2 ** -24;

/**
 * z-bound for statistical checks: a two-sided normal tail of 5.7e-7 per comparison. The doctor makes at
 * most a few hundred comparisons per run, so a correct implementation is flagged by chance with
 * probability below 1e-4; the seeds are fixed besides, so a given implementation always gets the same verdict.
 */
export const Z_BOUND = 5;

/**
 * Tolerance for a coefficient the user's code computes from the float64 tables but applies in float32.
 * Two sources: a user computing alphaBar by a float32 cumulative product over T factors carries a
 * relative error up to T * eps32 (allow 4x); and rebuilding x0 = (x - sqrt(1 - ab) eps) / sqrt(ab) from
 * float32 inputs amplifies their rounding by 1 / sqrt(ab) (allow 64 roundings). Real bugs (an index
 * off by one, a missing square root) move a coefficient by beta_t / 2 or more, far above this.
 */
export function coefficientTolerance(T: number, alphaBar: number): number {
  return EPS32 * (4 * T + 64 / Math.sqrt(Math.max(alphaBar, 1e-12)));
}

export function meanStd(xs: ArrayLike<number>): { mean: number; std: number; n: number } {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i];
  const mean = s / n;
  let q = 0;
  for (let i = 0; i < n; i++) q += (xs[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / (n - 1)), n };
}

/**
 * Least squares y ~ a u + b v (no intercept), in float64, with the root-mean-square residual and the
 * standard errors of a and b (residual std times sqrt of the diagonal of (X^T X)^-1).
 */
export function fitTwo(y: ArrayLike<number>, u: ArrayLike<number>, v: ArrayLike<number>): { a: number; b: number; rms: number; seA: number; seB: number } {
  let uu = 0, vv = 0, uv = 0, uy = 0, vy = 0;
  for (let i = 0; i < y.length; i++) {
    uu += u[i] * u[i];
    vv += v[i] * v[i];
    uv += u[i] * v[i];
    uy += u[i] * y[i];
    vy += v[i] * y[i];
  }
  const det = uu * vv - uv * uv;
  const a = (uy * vv - vy * uv) / det;
  const b = (vy * uu - uy * uv) / det;
  let r = 0;
  for (let i = 0; i < y.length; i++) r += (y[i] - a * u[i] - b * v[i]) ** 2;
  const rms = Math.sqrt(r / y.length);
  return { a, b, rms, seA: rms * Math.sqrt(vv / det), seB: rms * Math.sqrt(uu / det) };
}

export function allFinite(xs: ArrayLike<number>): boolean {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return false;
  return true;
}

export function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}
