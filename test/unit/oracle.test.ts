import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { diffusionTables } from '../../engine/diffusion';
import { type GaussianMixture, mixtureOracle, mixtureStats, sampleMixture, validateMixture } from '../../engine/oracle';
import { Rng } from '../../engine/random';
import { sampleDdim } from '../../engine/samplers/ddim';
import { sampleDdpm } from '../../engine/samplers/ddpm';
import { guidedDenoiser } from '../../engine/samplers/guidance';
import type { Denoiser } from '../../engine/samplers/types';
import { makeBetas } from '../../engine/schedules';
import { inferenceTimesteps } from '../../engine/timesteps';
import { backend, maxAbsDiff, values } from '../helpers';

const tables = diffusionTables(makeBetas('linear', 1000));
// Means at least 13 std apart, so assigning samples to the nearest mean is unambiguous.
const mixture: GaussianMixture = { weights: [0.5, 0.3, 0.2], means: [[-2, 0], [2, 1], [0, -2.5]], std: 0.3 };

/** log p_t(x) for the noised mixture, in float64, straight from the density. */
function logDensity(m: GaussianMixture, x: number[], alphaBar: number): number {
  const v = alphaBar * m.std ** 2 + 1 - alphaBar;
  const terms = m.means.map((mu, k) => Math.log(m.weights[k]) - mu.reduce((s, mk, d) => s + (x[d] - Math.sqrt(alphaBar) * mk) ** 2, 0) / (2 * v) - (x.length / 2) * Math.log(2 * Math.PI * v));
  const top = Math.max(...terms);
  return top + Math.log(terms.reduce((s, l) => s + Math.exp(l - top), 0));
}

async function recover(denoiser: Denoiser, run: (d: Denoiser, xT: tf.Tensor, rng: Rng) => Promise<tf.Tensor>, n = 4000, seed = 21) {
  const rng = new Rng(seed);
  const xT = rng.normal([n, 2]);
  const out = await run(denoiser, xT, rng);
  const stats = mixtureStats(await out.data(), mixture);
  tf.dispose([xT, out]);
  return stats;
}

function assertRecovered(stats: ReturnType<typeof mixtureStats>, tol: { weight: number; mean: number; std: number }) {
  stats.weights.forEach((w, k) => assert.ok(Math.abs(w - mixture.weights[k]) < tol.weight, `weight ${k}: ${w} vs ${mixture.weights[k]}`));
  stats.means.forEach((mu, k) => assert.ok(maxAbsDiff(mu, mixture.means[k]) < tol.mean, `mean ${k}: ${mu} vs ${mixture.means[k]}`));
  assert.ok(Math.abs(stats.std / mixture.std - 1) < tol.std, `std ${stats.std} vs ${mixture.std}`);
}

describe('the Gaussian-mixture oracle', () => {
  before(backend);

  it('is -sqrt(1 - alphaBar) times the score of the noised mixture (finite differences of log p_t)', async () => {
    const oracle = mixtureOracle(mixture, tables);
    const points = [[0.3, -0.4], [-2.1, 0.2], [1.5, 1.5], [0, -2]];
    for (const t of [0, 50, 300, 999]) {
      const ab = tables.alphasCumprod[t];
      const eps = await values(oracle(tf.tensor2d(points), t));
      const h = 1e-5;
      const expected = points.flatMap((p) => p.map((_, d) => {
        const up = [...p]; up[d] += h;
        const down = [...p]; down[d] -= h;
        return -Math.sqrt(1 - ab) * (logDensity(mixture, up, ab) - logDensity(mixture, down, ab)) / (2 * h);
      }));
      assert.ok(maxAbsDiff(eps, expected) < 2e-3 * Math.max(1, ...expected.map(Math.abs)), `t=${t}: ${eps} vs ${expected}`);
    }
  });

  it('measures an exact draw from the mixture as the mixture (the statistic itself is sound)', async () => {
    const { x } = sampleMixture(mixture, 4000, new Rng(3));
    assertRecovered(mixtureStats(await x.data(), mixture), { weight: 0.03, mean: 0.04, std: 0.04 });
    x.dispose();
  });

  it('rejects malformed mixtures with a fix', () => {
    assert.throws(() => validateMixture({ weights: [1], means: [[0, 0], [1, 1]], std: 1 }), /one mean per weight.*Fix: write it as/);
    assert.throws(() => validateMixture({ weights: [1, 1], means: [[0, 0], [1]], std: 1 }), /same, non-zero length/);
    assert.throws(() => validateMixture({ weights: [1], means: [[0]], std: 0 }), /"std" must be a positive number/);
    assert.deepEqual(validateMixture({ weights: [1, 3], means: [[0], [1]], std: 1 }).weights, [0.25, 0.75]);
  });
});

describe('samplers driven by the exact oracle recover the mixture', () => {
  before(backend);
  const oracle = mixtureOracle(mixture, tables);

  it('DDPM, 1000 steps', async () => {
    const stats = await recover(oracle, (d, xT, rng) => sampleDdpm(d, xT, { tables, timesteps: inferenceTimesteps('leading', 1000, 1000), rng }));
    assertRecovered(stats, { weight: 0.03, mean: 0.04, std: 0.05 });
  });

  it('DDPM, 1000 steps, beta variance', async () => {
    const stats = await recover(oracle, (d, xT, rng) => sampleDdpm(d, xT, { tables, timesteps: inferenceTimesteps('leading', 1000, 1000), rng, variance: 'beta' }));
    assertRecovered(stats, { weight: 0.03, mean: 0.04, std: 0.06 });
  });

  // Coarse samplers under-disperse by discretisation (the single-Gaussian recursion in samplers.test.ts
  // predicts 9% for 50 steps, eta = 0); the weights and means must still come out right.
  for (const [steps, eta] of [[50, 0], [50, 1], [20, 0]] as const) {
    it(`DDIM, ${steps} steps, eta = ${eta}`, async () => {
      const stats = await recover(oracle, (d, xT, rng) => sampleDdim(d, xT, { tables, timesteps: inferenceTimesteps('trailing', 1000, steps), rng, eta }));
      assertRecovered(stats, { weight: 0.03, mean: 0.08, std: 0.2 });
    });
  }

  it('DDIM with a zero-terminal-SNR schedule and a v-prediction oracle', async () => {
    const zsnr = diffusionTables(makeBetas('linear', 1000, { zeroTerminalSnr: true }));
    const vOracle = mixtureOracle(mixture, zsnr, 'v');
    const stats = await recover(vOracle, (d, xT, rng) => sampleDdim(d, xT, { tables: zsnr, timesteps: inferenceTimesteps('trailing', 1000, 50), rng, prediction: 'v' }));
    assertRecovered(stats, { weight: 0.03, mean: 0.08, std: 0.2 });
    await assert.rejects(sampleDdim(mixtureOracle(mixture, zsnr), tf.zeros([2, 2]), { tables: zsnr, timesteps: [999], rng: new Rng(0) }), /zero terminal SNR/);
  });
});

describe('classifier-free guidance', () => {
  before(backend);
  const oracle = mixtureOracle(mixture, tables);
  const x = tf.tensor2d([[0.1, 0.2], [-1, 1], [2, 0.5]]);
  const cond = tf.tensor1d([1, 1, 2]);
  const nullCond = tf.tensor1d([-1]);

  it('s = 0 is the unconditional prediction, s = 1 the conditional, any s the line through them', async () => {
    const t = 400;
    const uncond = await values(oracle(x, t));
    const conditional = await values(oracle(x, t, cond));
    for (const s of [0, 1, 3, 7.5]) {
      const out = guidedDenoiser(oracle, { scale: s, cond, uncond: nullCond })(x, t) as { eps: tf.Tensor; epsCond: tf.Tensor; epsUncond: tf.Tensor };
      const want = uncond.map((u, i) => u + s * (conditional[i] - u));
      assert.ok(maxAbsDiff(await values(out.eps), want) < 1e-5, `s=${s}`);
      assert.ok(maxAbsDiff(await values(out.epsCond), conditional) < 1e-6);
      assert.ok(maxAbsDiff(await values(out.epsUncond), uncond) < 1e-6);
      tf.dispose([out.eps, out.epsCond, out.epsUncond]);
    }
  });

  it('calls the model once per step, with both branches in one batch', async () => {
    const batches: number[] = [];
    const counting = (xx: tf.Tensor, t: number, c?: tf.Tensor) => {
      batches.push(xx.shape[0]);
      return oracle(xx, t, c);
    };
    const xT = tf.zeros([3, 2]);
    const out = await sampleDdim(guidedDenoiser(counting, { scale: 5, cond, uncond: nullCond }), xT, { tables, timesteps: inferenceTimesteps('trailing', 1000, 7), rng: new Rng(0) });
    assert.deepEqual(batches, new Array(7).fill(6));
    tf.dispose([xT, out]);
  });

  it('a negative condition takes the unconditional branch\'s place', async () => {
    const negative = tf.tensor1d([0]);
    const out = guidedDenoiser(oracle, { scale: 3, cond, uncond: negative })(x, 100) as { eps: tf.Tensor; epsUncond: tf.Tensor };
    const neg = await values(oracle(x, 100, tf.tensor1d([0, 0, 0])));
    assert.ok(maxAbsDiff(await values(out.epsUncond), neg) < 1e-6);
    tf.dispose([out.eps, out.epsUncond, negative]);
  });

  it('guided sampling at s = 1 draws only the requested component; the probe sees both branches', async () => {
    const n = 600;
    const want = tf.fill([n], 2);
    let sawBranches = true;
    const stats = await recover(guidedDenoiser(oracle, { scale: 1, cond: want, uncond: nullCond }), (d, xT, rng) =>
      sampleDdim(d, xT, { tables, timesteps: inferenceTimesteps('trailing', 1000, 50), rng, probe: (e) => void (sawBranches &&= !!e.epsCond && !!e.epsUncond) }), n);
    assert.deepEqual(stats.weights, [0, 0, 1]);
    assert.ok(maxAbsDiff(stats.means[2], mixture.means[2]) < 0.05);
    assert.ok(sawBranches);
    want.dispose();
  });

  it('rejects a mismatched null condition and a non-finite scale', () => {
    assert.throws(() => guidedDenoiser(oracle, { scale: 2, cond: tf.zeros([3, 4]), uncond: tf.zeros([3, 5]) }), /same shape as the condition/);
    assert.throws(() => guidedDenoiser(oracle, { scale: NaN, cond, uncond: nullCond }), /finite number/);
  });
});
