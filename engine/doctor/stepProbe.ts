/**
 * Reads the user's step as numbers. With x_t built from a known x0 and eps,
 *   x_t = sqrt(ab) x0 + sqrt(1 - ab) eps,
 * every standard update (DDPM's posterior mean, DDIM for any eta) is  c0 x0 + c1 eps + sigma z,  so a fit of
 * the step's output on (x0, eps) gives (c0, c1), and the part that moves with the noise argument gives sigma.
 * x0 and eps are drawn independently, so the fit is well conditioned at every t (x_t and eps are not).
 */
import * as tf from '@tensorflow/tfjs';
import type { StepArgs } from '../user/types';
import { type DoctorContext, checkRng } from './results';
import { alphaBarAt } from './schedule';
import { Z_BOUND, allFinite, coefficientTolerance, fitTwo } from './stats';

/** 16 x 16 x 16 values: enough that a step drawing its own noise is measured to ~1% (see sigmaOf). */
const SHAPE: [number, number, number, number] = [16, 16, 16, 1];

export interface Coefficients {
  c0: number;
  c1: number;
}

export interface StepReading extends Coefficients {
  t: number;
  tPrev: number;
  eta: number;
  finite: boolean;
  /** rms misfit of the linear form: large when the step is not an affine update of (x0, eps) */
  rms: number;
  /** standard errors of c0 and c1: float rounding for a deterministic step, noise for one drawing its own */
  se0: number;
  se1: number;
  /** two calls with the same inputs differed: the step draws noise of its own */
  ownNoise: boolean;
}

/** The step returned something that is not a tensor of x's shape: no further probing makes sense. */
export class StepShapeError extends Error {
  constructor(readonly measured: string, readonly t: number, readonly tPrev: number) {
    super(`step returned ${measured} at t = ${t}, tPrev = ${tPrev}`);
  }
}

interface Inputs {
  x0: Float64Array;
  eps: Float64Array;
  z: tf.Tensor4D;
  zValues: Float32Array;
  x: tf.Tensor4D;
  epsT: tf.Tensor4D;
}

export class StepProbe {
  private readonly cache = new Map<string, Inputs>();
  private readonly zeros = tf.zeros(SHAPE) as tf.Tensor4D;

  constructor(private readonly ctx: DoctorContext) {}

  dispose(): void {
    for (const i of this.cache.values()) tf.dispose([i.z, i.x, i.epsT]);
    this.zeros.dispose();
  }

  private inputs(t: number): Inputs {
    const hit = this.cache.get(String(t));
    if (hit) return hit;
    const rng = checkRng(this.ctx, 100_000 + t);
    const n = SHAPE.reduce((a, b) => a * b, 1);
    // |x0| < 0.9: inside [-1, 1], so a step that clips its predicted x0 (as diffusers' clip_sample does) is unaffected.
    const x0 = Float64Array.from({ length: n }, () => -0.9 + 1.8 * rng.uniform());
    const eps = Float64Array.from({ length: n }, () => rng.gaussian());
    const ab = this.ctx.tables.alphasCumprod[t];
    const x = x0.map((v, i) => Math.sqrt(ab) * v + Math.sqrt(1 - ab) * eps[i]);
    const zValues = Float32Array.from({ length: n }, () => rng.gaussian());
    const made: Inputs = { x0, eps, x: tf.tensor4d(Float32Array.from(x), SHAPE), epsT: tf.tensor4d(Float32Array.from(eps), SHAPE), z: tf.tensor4d(zValues, SHAPE), zValues };
    this.cache.set(String(t), made);
    return made;
  }

  /** The step's output for (t, tPrev, eta) with the noise argument zero or the fixed draw z. */
  async output(t: number, tPrev: number, eta: number, withNoise: boolean): Promise<Float32Array> {
    const { tables } = this.ctx;
    const i = this.inputs(t);
    const args: StepArgs = { tf, x: i.x, eps: i.epsT, t, tPrev, alphasCumprod: tables.alphasCumprod, betas: tables.betas, eta, noise: withNoise ? i.z : this.zeros };
    const out = this.ctx.impl.step!(args) as unknown;
    if (!(out instanceof tf.Tensor) || out.shape.join() !== SHAPE.join() || out.dtype !== 'float32') {
      const measured = out instanceof tf.Tensor ? `${out.dtype} [${out.shape}]` : String(out);
      if (out instanceof tf.Tensor && out !== i.x) out.dispose();
      throw new StepShapeError(measured, t, tPrev);
    }
    const v = (await out.data()) as Float32Array;
    // A step may return its input unchanged; that tensor belongs to the probe.
    if (out !== i.x && out !== i.epsT) out.dispose();
    return v;
  }

  async read(t: number, tPrev: number, eta: number): Promise<StepReading> {
    const y = await this.output(t, tPrev, eta, false);
    const again = await this.output(t, tPrev, eta, false);
    const i = this.inputs(t);
    const finite = allFinite(y);
    const { a, b, rms, seA, seB } = finite ? fitTwo(y, i.x0, i.eps) : { a: NaN, b: NaN, rms: NaN, seA: NaN, seB: NaN };
    return { t, tPrev, eta, c0: a, c1: b, rms, se0: seA, se1: seB, finite, ownNoise: y.some((v, k) => v !== again[k]) };
  }

  /**
   * The noise the step adds for a unit draw z. A step that scales the given noise gives
   * (y_z - y_0) = sigma z exactly. A step that ignores the argument and draws its own gives two different
   * y_0 for the same inputs; then sigma is estimated from y_z - y_0 ~ N(0, 2 sigma^2) over N values.
   */
  async sigma(t: number, tPrev: number, eta: number): Promise<{ sigma: number; ownNoise: boolean; n: number }> {
    const y0 = await this.output(t, tPrev, eta, false);
    const yz = await this.output(t, tPrev, eta, true);
    const again = await this.output(t, tPrev, eta, false);
    const z = this.inputs(t).zValues;
    const n = z.length;
    let dz = 0, zz = 0, dd = 0, drift = 0;
    for (let k = 0; k < n; k++) {
      const d = yz[k] - y0[k];
      dz += d * z[k];
      zz += z[k] * z[k];
      dd += d * d;
      drift = Math.max(drift, Math.abs(again[k] - y0[k]));
    }
    const ownNoise = drift > 0;
    return { sigma: ownNoise ? Math.sqrt(dd / n / 2) : dz / zz, ownNoise, n };
  }
}

/** The update x_prev = sqrt(abPrev') x0' + sqrt(1 - abPrev' - sigma'^2) eps with x0' rebuilt as the step would. */
export function coefficientsFor(abTrue: number, ab: number, abPrev: number, eta: number, x0NoiseCoef: (ab: number) => number = (a) => Math.sqrt(1 - a)): Coefficients {
  // max(0, .): a step reading the wrong table may ask for sqrt(1 - ab / abPrev) with ab > abPrev; code guards it so.
  const sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(Math.max(0, 1 - ab / abPrev));
  // x0' = (x - k eps) / sqrt(ab) with x = sqrt(abTrue) x0 + sqrt(1 - abTrue) eps
  const x0OnX0 = Math.sqrt(abTrue) / Math.sqrt(ab);
  const x0OnEps = (Math.sqrt(1 - abTrue) - x0NoiseCoef(ab)) / Math.sqrt(ab);
  const dir = Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma));
  return { c0: Math.sqrt(abPrev) * x0OnX0, c1: Math.sqrt(abPrev) * x0OnEps + dir };
}

/** The reference update for this pair: ddimStep(eta), which for eta = 1 is DDPM's posterior mean. */
export function referenceCoefficients(ctx: DoctorContext, t: number, tPrev: number, eta: number): Coefficients {
  const ab = alphaBarAt(ctx.tables, t);
  return coefficientsFor(ab, ab, alphaBarAt(ctx.tables, tPrev), eta);
}

/**
 * Float32 tolerance (coefficientTolerance, times `slack`) plus Z_BOUND standard errors of the fit, which
 * matter only for a step that draws its own noise (then the residual is that noise, not a misfit).
 */
export function coefficientsMatch(ctx: DoctorContext, r: StepReading, want: Coefficients, slack = 1): boolean {
  const tol = slack * coefficientTolerance(ctx.settings.T, alphaBarAt(ctx.tables, r.t));
  return (
    r.finite &&
    Math.abs(r.c0 - want.c0) <= tol * (1 + Math.abs(want.c0)) + Z_BOUND * r.se0 &&
    Math.abs(r.c1 - want.c1) <= tol * (1 + Math.abs(want.c1)) + Z_BOUND * r.se1 &&
    (r.ownNoise || r.rms <= tol * 4)
  );
}

/** Named misreadings of the tables; the first that reproduces every reading names the bug. */
export function diagnose(ctx: DoctorContext, readings: StepReading[]): string | undefined {
  const d = ctx.tables;
  const AB = (t: number) => alphaBarAt(d, t);
  const tableAt = (tab: Float64Array) => (t: number) => (t < 0 ? 1 : tab[Math.min(t, d.T - 1)]);
  const reads: { name: string; at: (t: number) => number }[] = [
    { name: 'alphasCumprod[t]', at: AB },
    { name: 'alphasCumprod[t - 1]', at: (t) => AB(t - 1) },
    { name: 'alphasCumprod[t + 1]', at: (t) => (t < 0 ? 1 : AB(t + 1)) },
    { name: 'betas[t]', at: tableAt(d.betas) },
    { name: 'alphas[t] = 1 - betas[t]', at: tableAt(d.alphas) },
  ];
  const forms = [
    { name: '', coef: (a: number) => Math.sqrt(1 - a) },
    { name: 'x0 = (x - (1 - alphaBar) eps) / sqrt(alphaBar): the square root is missing on the noise coefficient', coef: (a: number) => 1 - a },
  ];
  for (const form of forms) {
    for (const cur of reads) {
      for (const prev of reads) {
        if (cur === reads[0] && prev === reads[0] && form === forms[0]) continue;
        const fits = readings.every((r) => coefficientsMatch(ctx, r, coefficientsFor(AB(r.t), cur.at(r.t), prev.at(r.tPrev), r.eta, form.coef), 8));
        if (!fits) continue;
        const parts: string[] = [];
        if (cur !== reads[0]) parts.push(`reads ${cur.name} where alphasCumprod[t] belongs`);
        if (prev !== reads[0]) parts.push(`reads ${prev.name.replace(/\bt\b/g, 'tPrev')} where alphasCumprod[tPrev] belongs`);
        if (form.name) parts.push(`computes ${form.name}`);
        const offByOne = [cur, prev].some((r) => r === reads[1] || r === reads[2]);
        return `Your step ${parts.join(', and ')}${offByOne ? ' (an index off by one)' : ''}.`;
      }
    }
  }
  return undefined;
}

/** A step that ignores tPrev and goes k timesteps down: the k that reproduces every reading, if any. */
export function fixedStride(ctx: DoctorContext, readings: StepReading[]): number | undefined {
  const AB = (t: number) => alphaBarAt(ctx.tables, t);
  const maxK = Math.max(...readings.map((r) => r.t)) + 1;
  for (let k = 1; k <= maxK; k++) {
    if (readings.every((r) => coefficientsMatch(ctx, r, coefficientsFor(AB(r.t), AB(r.t), AB(r.t - k), r.eta), 8))) return k;
  }
  return undefined;
}
