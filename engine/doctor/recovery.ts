/**
 * sampler.oracle-recovery: the user's timesteps and step, driven by the exact denoiser of a Gaussian mixture
 * (engine/oracle.ts), must give back the mixture. The reference step runs on the very same draws; the
 * user's result may deviate from the truth by what the reference deviates (the discretisation of N steps)
 * plus Z_BOUND standard errors of the statistic from n samples:
 *   weight_k: sqrt(w_k (1 - w_k) / n)   mean_k (per coordinate): std / sqrt(n w_k)   std: std / sqrt(2 n D).
 */
import * as tf from '@tensorflow/tfjs';
import { type GaussianMixture, mixtureOracle, mixtureStats } from '../oracle';
import type { StepArgs } from '../user/types';
import { referenceImplementation } from './reference';
import { type DoctorContext, checkRng, fmt } from './results';
import { Z_BOUND, allFinite } from './stats';
import type { Finding } from './types';

/**
 * Inside [-1, 1] like an image (a step that clips x0 is unaffected); means 10+ std apart, so a sample lands
 * nearer another component's mean with probability below Phi(-5) = 3e-7 and the statistics are unambiguous.
 */
export const DOCTOR_MIXTURE: GaussianMixture = { weights: [0.5, 0.3, 0.2], means: [[-0.55, -0.45], [0.55, -0.45], [0, 0.55]], std: 0.1 };
const N_SAMPLES = 2000;

type Step = (a: StepArgs) => tf.Tensor4D;

async function sampleWith(ctx: DoctorContext, step: Step, eta: number, salt: number): Promise<Float32Array> {
  const { tables } = ctx;
  const oracle = mixtureOracle(DOCTOR_MIXTURE, tables);
  const rng = checkRng(ctx, salt);
  const shape: [number, number, number, number] = [N_SAMPLES, 1, 1, 2];
  let x = rng.normal(shape) as tf.Tensor4D;
  const L = ctx.timesteps;
  for (let i = 0; i < L.length; i++) {
    const t = L[i];
    const tPrev = i + 1 < L.length ? L[i + 1] : -1;
    const eps = oracle(x, t) as tf.Tensor4D;
    // Noise is drawn every step, needed or not, so the user's and the reference run see the same draws.
    const noise = rng.normal(shape) as tf.Tensor4D;
    const next = step({ tf, x, eps, t, tPrev, alphasCumprod: tables.alphasCumprod, betas: tables.betas, eta, noise });
    if (next !== x) x.dispose();
    tf.dispose([eps, noise]);
    x = next;
  }
  const v = (await x.data()) as Float32Array;
  x.dispose();
  return v;
}

interface Comparison {
  name: string;
  truth: number;
  reference: number;
  measured: number;
  se: number;
}

function compare(values: Float32Array, reference: Float32Array): Comparison[] {
  const m = DOCTOR_MIXTURE;
  const user = mixtureStats(values, m);
  const ref = mixtureStats(reference, m);
  const n = N_SAMPLES;
  const D = m.means[0].length;
  const rows: Comparison[] = [];
  m.weights.forEach((w, k) => {
    rows.push({ name: `weight ${k}`, truth: w, reference: ref.weights[k], measured: user.weights[k], se: Math.sqrt((w * (1 - w)) / n) });
    m.means[k].forEach((mu, d) => rows.push({ name: `mean ${k}[${d}]`, truth: mu, reference: ref.means[k][d], measured: user.means[k][d], se: m.std / Math.sqrt(n * w) }));
  });
  rows.push({ name: 'std', truth: m.std, reference: ref.std, measured: user.std, se: m.std / Math.sqrt(2 * n * D) });
  return rows;
}

export async function checkRecovery(ctx: DoctorContext, ddim: boolean): Promise<void> {
  const { results, impl } = ctx;
  if (!impl.step && !impl.timesteps) {
    results.skip('sampler.oracle-recovery', 'no step or timesteps export: sampling is the reference\'s (tested in the engine\'s own suite).');
    return;
  }
  const userStep = (impl.step ?? referenceImplementation().step!) as Step;
  const refStep = referenceImplementation().step as Step;
  const styles = ddim ? [{ eta: 1, name: 'DDPM-style (eta = 1)' }, { eta: 0, name: 'DDIM-style (eta = 0)' }] : [{ eta: 1, name: 'DDPM-style (eta = 1)' }];
  for (const [i, style] of styles.entries()) {
    const salt = 500 + i;
    const values = await sampleWith(ctx, userStep, style.eta, salt);
    const reference = await sampleWith(ctx, refStep, style.eta, salt);
    const finding = judge(ctx, style.name, values, reference);
    if (finding) {
      results.find({ check: 'sampler.oracle-recovery', ...finding });
      return;
    }
  }
  results.pass('sampler.oracle-recovery');
}

function judge(ctx: DoctorContext, style: string, values: Float32Array, reference: Float32Array): Omit<Finding, 'check'> | undefined {
  const steps = ctx.timesteps.length;
  const common = { severity: 'error' as const, export: ctx.impl.step ? ('step' as const) : ('timesteps' as const) };
  const fix = 'fix the other sampler.* and timesteps.* findings first; this check sums them up on a whole sampling run.';
  if (!allFinite(values)) {
    return {
      ...common, message: `${style} sampling with your ${ctx.impl.step ? 'step' : 'timesteps'} and the exact Gaussian-mixture denoiser produced NaN or Infinity after ${steps} steps.`,
      expected: 'finite samples', measured: 'NaN or Infinity', evidence: { values: { steps } }, fix,
    };
  }
  const rows = compare(values, reference);
  const worst = rows
    .map((r) => ({ ...r, excess: (Math.abs(r.measured - r.truth) - Math.abs(r.reference - r.truth)) / r.se }))
    .filter((r) => !(r.excess <= Z_BOUND))
    .sort((a, b) => b.excess - a.excess)[0];
  if (!worst) return undefined;
  const list = (key: 'truth' | 'reference' | 'measured') => rows.map((r) => r[key]);
  return {
    ...common,
    message: `${style} sampling of a 3-component Gaussian mixture with its exact denoiser, ${steps} steps, ${N_SAMPLES} samples: your sampler gives ${worst.name} = ${fmt(worst.measured)}, the mixture has ${fmt(worst.truth)} (the reference sampler on the same draws: ${fmt(worst.reference)}). With an exact denoiser, any such error is the sampler's.`,
    expected: `${worst.name} = ${fmt(worst.truth)} (within ${fmt(Math.abs(worst.reference - worst.truth) + Z_BOUND * worst.se)})`, measured: `${worst.name} = ${fmt(worst.measured)}`,
    evidence: {
      values: { statistic: worst.name, standardError: worst.se, samples: N_SAMPLES, steps },
      plot: { title: 'Recovered mixture statistics', xLabel: 'statistic #', yLabel: 'value', x: rows.map((_, i) => i), xTicks: rows.map((r) => r.name), series: [{ label: 'mixture', values: list('truth') }, { label: 'reference sampler', values: list('reference') }, { label: 'your sampler', values: list('measured').map((v) => (Number.isFinite(v) ? v : null)) }] },
    },
    fix,
  };
}
