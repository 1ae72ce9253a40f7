/**
 * forward.*: the user's addNoise, which must be q_sample: x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps
 * (Ho et al. 2020, eq. 4). Feeding x_0 = 1, eps = 0 reads the signal coefficient; x_0 = 0, eps = 1 the noise
 * coefficient; both exactly, at many t. Then the moments of x_t for random x_0 and eps against theory.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionTables } from '../diffusion';
import type { AddNoiseArgs } from '../user/types';
import { type DoctorContext, checkRng, fmt } from './results';
import { Z_BOUND, allFinite, coefficientTolerance, meanStd } from './stats';
import type { Finding } from './types';

/** 0, 1, 2, then evenly across the schedule, then the last two: the ends are where indices slip. */
export function timestepGrid(T: number, inner = 32): number[] {
  const ts = new Set<number>([0, 1, 2, T - 2, T - 1]);
  for (let i = 0; i < inner; i++) ts.add(Math.round(3 + (i * (T - 6)) / (inner - 1)));
  return [...ts].filter((t) => t >= 0 && t < T).sort((a, b) => a - b);
}

type Table = (t: number) => number;

/** What a wrong coefficient usually is instead; the first that fits every t names the bug. */
function candidates(d: DiffusionTables, kind: 'signal' | 'noise'): { name: string; at: Table }[] {
  const ab = (t: number) => (t < 0 ? 1 : d.alphasCumprod[Math.min(t, d.T - 1)]);
  const f = kind === 'signal' ? (a: number) => Math.sqrt(a) : (a: number) => Math.sqrt(1 - a);
  const wrong = kind === 'signal' ? 'sqrt(alphasCumprod[t])' : 'sqrt(1 - alphasCumprod[t])';
  return [
    { name: `reads alphasCumprod[t - 1] where alphasCumprod[t] belongs: the index is off by one (one step too little noise)`, at: (t) => f(ab(t - 1)) },
    { name: `reads alphasCumprod[t + 1] where alphasCumprod[t] belongs: the index is off by one (one step too much noise)`, at: (t) => f(ab(t + 1)) },
    { name: kind === 'signal' ? 'uses alphaBar_t without the square root' : 'uses 1 - alphaBar_t without the square root (a variance where a standard deviation belongs)', at: (t) => f(ab(t)) ** 2 },
    { name: `uses alpha_t = 1 - beta_t (one step) where the cumulative product alphaBar_t belongs`, at: (t) => f(d.alphas[t]) },
    { name: `uses beta_t where alphaBar_t belongs`, at: (t) => f(d.betas[t]) },
    { name: `swaps the signal and noise coefficients (${wrong} belongs on the ${kind === 'signal' ? 'image' : 'noise'})`, at: (t) => (kind === 'signal' ? Math.sqrt(1 - ab(t)) : Math.sqrt(ab(t))) },
  ];
}

async function callAddNoise(ctx: DoctorContext, x0: tf.Tensor4D, noise: tf.Tensor4D, t: number): Promise<Float32Array | { shape: number[] }> {
  const { tables } = ctx;
  const args: AddNoiseArgs = { tf, x0, noise, t, alphasCumprod: tables.alphasCumprod, betas: tables.betas };
  const out = ctx.impl.addNoise!(args) as unknown as tf.Tensor;
  if (!(out instanceof tf.Tensor) || out.shape.join() !== x0.shape.join()) return { shape: out instanceof tf.Tensor ? out.shape : [] };
  const v = (await out.data()) as Float32Array;
  out.dispose();
  return v;
}

export async function checkForward(ctx: DoctorContext): Promise<void> {
  const { impl, results, settings } = ctx;
  if (!impl.addNoise) {
    for (const id of ['forward.output-shape', 'forward.signal-coefficient', 'forward.noise-coefficient', 'forward.moments'] as const) results.skip(id, 'no addNoise export: the reference q_sample is used.');
    return;
  }
  const T = settings.T;
  const grid = timestepGrid(T);
  const shape: [number, number, number, number] = [2, 4, 4, 1];
  const ones = tf.ones(shape) as tf.Tensor4D;
  const zeros = tf.zeros(shape) as tf.Tensor4D;
  const measured = { signal: [] as number[], noise: [] as number[] };
  try {
    for (const t of grid) {
      for (const kind of ['signal', 'noise'] as const) {
        const out = kind === 'signal' ? await callAddNoise(ctx, ones, zeros, t) : await callAddNoise(ctx, zeros, ones, t);
        if (!(out instanceof Float32Array)) {
          results.find({
            check: 'forward.output-shape', severity: 'error', export: 'addNoise',
            message: `addNoise returned shape [${out.shape}] at t = ${t} for x0 of shape [${shape}].`, expected: `[${shape}] (the shape of x0)`, measured: `[${out.shape}]`,
            evidence: { values: { t } }, fix: 'return sqrt(alphasCumprod[t]) * x0 + sqrt(1 - alphasCumprod[t]) * noise: an elementwise result of x0\'s shape (NHWC).',
          });
          return;
        }
        // Every element saw the same inputs, so every element must be the same number.
        const first = out[0];
        measured[kind].push(allFinite(out) && out.every((v) => Math.abs(v - first) <= 1e-6 * (1 + Math.abs(first))) ? first : NaN);
      }
    }
  } finally {
    tf.dispose([ones, zeros]);
  }
  results.pass('forward.output-shape');
  results.record('forward.signal-coefficient', coefficientFinding(ctx, grid, measured.signal, 'signal'));
  results.record('forward.noise-coefficient', coefficientFinding(ctx, grid, measured.noise, 'noise'));
  results.record('forward.moments', await momentsFinding(ctx));
}

function coefficientFinding(ctx: DoctorContext, grid: number[], got: number[], kind: 'signal' | 'noise'): Omit<Finding, 'check'> | undefined {
  const d = ctx.tables;
  const T = ctx.settings.T;
  const want = grid.map((t) => (kind === 'signal' ? d.sqrtAlphasCumprod[t] : d.sqrtOneMinusAlphasCumprod[t]));
  const fits = (at: (i: number) => number) => grid.every((t, i) => Math.abs(got[i] - at(i)) <= coefficientTolerance(T, d.alphasCumprod[t]) * (1 + Math.abs(at(i))));
  if (fits((i) => want[i])) return undefined;
  const bad = grid.findIndex((t, i) => !(Math.abs(got[i] - want[i]) <= coefficientTolerance(T, d.alphasCumprod[t]) * (1 + Math.abs(want[i]))));
  const t = grid[bad];
  const nonConstant = got.some((v) => Number.isNaN(v));
  const diagnosis = nonConstant ? undefined : candidates(d, kind).find((c) => fits((i) => c.at(grid[i])));
  const inputs = kind === 'signal' ? 'x0 = 1, noise = 0' : 'x0 = 0, noise = 1';
  const symbol = kind === 'signal' ? 'sqrt(alphasCumprod[t])' : 'sqrt(1 - alphasCumprod[t])';
  return {
    severity: 'error', export: 'addNoise',
    message: nonConstant
      ? `With ${inputs}, addNoise's output at t = ${t} is not one number repeated (or not finite): it does not scale its inputs elementwise, or it draws noise of its own instead of using \`noise\`.`
      : `With ${inputs}, addNoise returns ${fmt(got[bad])} at t = ${t}; q_sample gives ${symbol} = ${fmt(want[bad])}.${diagnosis ? ` Your addNoise ${diagnosis.name}.` : ''}`,
    expected: `${symbol} at every t (${fmt(want[bad])} at t = ${t})`, measured: `${fmt(got[bad])} at t = ${t}`,
    evidence: {
      values: { t, expected: want[bad], measured: got[bad], ...(diagnosis ? { diagnosis: diagnosis.name } : {}) },
      plot: { title: `${kind === 'signal' ? 'Signal' : 'Noise'} coefficient of addNoise`, xLabel: 't', yLabel: 'coefficient', x: grid, series: [{ label: 'measured', values: got.map((v) => (Number.isFinite(v) ? v : null)) }, { label: `expected ${symbol}`, values: want }] },
    },
    fix: nonConstant
      ? 'compute x_t = sqrt(alphasCumprod[t]) * x0 + sqrt(1 - alphasCumprod[t]) * noise with the noise you are given (the sampler and the trainer pass the noise so runs replay from a seed).'
      : `use x_t = sqrt(alphasCumprod[t]) * x0 + sqrt(1 - alphasCumprod[t]) * noise, reading alphasCumprod at t itself (t = 0 is the first noising step).`,
  };
}

/**
 * x0 ~ N(M0, S0^2) and eps ~ N(0, 1) elementwise, so x_t ~ N(sqrt(ab) M0, ab S0^2 + 1 - ab) exactly.
 * Tolerance: Z_BOUND standard errors of the estimate from N values: sqrt(var / N) for the mean,
 * sqrt(var / (2 N)) for the standard deviation of a Gaussian sample.
 */
async function momentsFinding(ctx: DoctorContext): Promise<Omit<Finding, 'check'> | undefined> {
  const M0 = 0.3, S0 = 0.5;
  const shape: [number, number, number, number] = [8, 16, 16, 1];
  const N = shape.reduce((a, b) => a * b, 1);
  const rng = checkRng(ctx, 11);
  const grid = timestepGrid(ctx.settings.T, 14);
  const rows: { t: number; mean: number; std: number; wantMean: number; wantStd: number; ok: boolean }[] = [];
  for (const t of grid) {
    const x0 = tf.tidy(() => tf.add(tf.mul(rng.normal(shape), S0), M0)) as tf.Tensor4D;
    const noise = rng.normal(shape) as tf.Tensor4D;
    const out = await callAddNoise(ctx, x0, noise, t);
    tf.dispose([x0, noise]);
    if (!(out instanceof Float32Array)) return undefined; // reported by forward.output-shape
    const ab = ctx.tables.alphasCumprod[t];
    const wantMean = Math.sqrt(ab) * M0;
    const wantVar = ab * S0 * S0 + 1 - ab;
    const { mean, std } = meanStd(out);
    const ok = Math.abs(mean - wantMean) <= Z_BOUND * Math.sqrt(wantVar / N) && Math.abs(std - Math.sqrt(wantVar)) <= Z_BOUND * Math.sqrt(wantVar / (2 * N));
    rows.push({ t, mean, std, wantMean, wantStd: Math.sqrt(wantVar), ok: ok && Number.isFinite(mean) && Number.isFinite(std) });
  }
  const bad = rows.find((r) => !r.ok);
  if (!bad) return undefined;
  return {
    severity: 'error', export: 'addNoise',
    message: `For x0 ~ N(${M0}, ${S0}^2) and unit Gaussian noise, x_t at t = ${bad.t} has mean ${fmt(bad.mean)} and std ${fmt(bad.std)}; q(x_t | x0) gives mean ${fmt(bad.wantMean)} and std ${fmt(bad.wantStd)} (tolerance ${Z_BOUND} standard errors of ${N} values).`,
    expected: `mean ${fmt(bad.wantMean)}, std ${fmt(bad.wantStd)} at t = ${bad.t}`, measured: `mean ${fmt(bad.mean)}, std ${fmt(bad.std)}`,
    evidence: {
      values: { t: bad.t, samples: N },
      plot: { title: 'Std of x_t: measured vs theory', xLabel: 't', yLabel: 'std', x: rows.map((r) => r.t), series: [{ label: 'measured std', values: rows.map((r) => r.std) }, { label: 'theory sqrt(ab S0^2 + 1 - ab)', values: rows.map((r) => r.wantStd) }, { label: 'measured mean', values: rows.map((r) => r.mean) }, { label: 'theory sqrt(ab) M0', values: rows.map((r) => r.wantMean) }] },
    },
    fix: 'return sqrt(alphasCumprod[t]) * x0 + sqrt(1 - alphasCumprod[t]) * noise and nothing else: no clipping of x_t, no extra noise.',
  };
}
