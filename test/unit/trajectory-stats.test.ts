/**
 * The trajectory player's pure logic: per-step statistics, the theoretical std of x_t, breakpoint
 * evaluation. Expected numbers are worked out by hand from the definitions, or from the forward process.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffusionTables } from '../../engine/diffusion';
import { Rng } from '../../engine/random';
import { makeBetas } from '../../engine/schedules';
import { DEFAULT_BREAKPOINTS, checkStep, readBreakpoints } from '../../engine/trajectory/breakpoints';
import { type StepStats, frameStats, theoreticalStd } from '../../engine/trajectory/stats';

const t4 = (values: number[][]) => ({ shape: [values.length, 2, 2, 1], data: Float32Array.from(values.flat()) });

describe('per-step statistics', () => {
  it('computes std, max |x|, |ε̂| as rms, the x0 range, the clipped share and non-finite counts per image', () => {
    const s = frameStats({
      x: t4([[1, -1, 1, -1], [3, 3, 3, -5]]),
      eps: t4([[2, -2, 2, -2], [0, 0, 3, 4]]),
      x0: t4([[-2, 0.5, 1, 0], [0.25, -0.25, 0, 0]]),
      epsCond: t4([[0, 0, 0, 0], [NaN, Infinity, 0, 0]]),
    });
    // image 0: mean 0, every |x - mean| = 1 -> std 1; eps^2 = 4 everywhere -> rms 2;
    // x0 at or beyond ±1: -2 and 1 -> 2 of 4.
    assert.deepEqual([s.xStd[0], s.xMaxAbs[0], s.epsRms[0], s.x0Min[0], s.x0Max[0], s.x0Clipped[0], s.nonFinite[0]], [1, 1, 2, -2, 1, 0.5, 0]);
    // image 1: mean 1, deviations 2,2,2,-6 -> var (4+4+4+36)/4 = 12; rms eps sqrt((9+16)/4) = 2.5; NaN and Inf in epsCond.
    assert.ok(Math.abs(s.xStd[1] - Math.sqrt(12)) < 1e-12);
    assert.deepEqual([s.xMaxAbs[1], s.epsRms[1], s.x0Min[1], s.x0Max[1], s.x0Clipped[1], s.nonFinite[1]], [5, 2.5, -0.25, 0.25, 0, 2]);
  });

  it('the theoretical std is the forward marginal: σ_data at ᾱ = 1, 1 at ᾱ = 0, and what q(x_t | x_0) samples measure', () => {
    assert.equal(theoreticalStd(1, 0.7), 0.7);
    assert.equal(theoreticalStd(0, 0.7), 1);
    // Sample x_t = sqrt(ᾱ) x0 + sqrt(1 - ᾱ) ε with x0 of std 0.5 and compare the measured std.
    const { alphasCumprod } = diffusionTables(makeBetas('linear', 1000));
    const rng = new Rng(7);
    const n = 40_000;
    for (const t of [0, 250, 500, 999]) {
      const a = alphasCumprod[t];
      const x = Float32Array.from({ length: n }, () => Math.sqrt(a) * 0.5 * rng.gaussian() + Math.sqrt(1 - a) * rng.gaussian());
      const measured = frameStats({ x: { shape: [1, n, 1, 1], data: x }, eps: { shape: [1, n, 1, 1], data: x }, x0: { shape: [1, n, 1, 1], data: x } }).xStd[0];
      // The std of a sample std of n normals is about std / sqrt(2n) = 0.35%: 2% is far outside chance.
      assert.ok(Math.abs(measured / theoreticalStd(a, 0.5) - 1) < 0.02, `t = ${t}: measured ${measured}, theory ${theoreticalStd(a, 0.5)}`);
    }
  });
});

describe('breakpoints', () => {
  const stats = (patch: Partial<StepStats>): StepStats => ({ xStd: [1, 1, 1], xMaxAbs: [2, 2, 2], epsRms: [1, 1, 1], x0Min: [-1, -1, -1], x0Max: [1, 1, 1], x0Clipped: [0, 0, 0], nonFinite: [0, 0, 0], ...patch });
  const at = { step: 12, t: 760, alphaBar: 0, sigmaData: 0.5 };
  const all = { ...DEFAULT_BREAKPOINTS, stdOn: true };

  it('a NaN/Inf names its step, timestep and image, and wins over the other conditions', () => {
    const h = checkStep(stats({ nonFinite: [0, 0, 3], xMaxAbs: [50, 2, 2] }), at, all);
    assert.equal(h?.condition, 'nonFinite');
    assert.equal(h?.image, 2);
    assert.equal(h?.step, 12);
    assert.match(h!.text, /NaN\/Inf at step 12 \(t = 760\), image #2: 3 non-finite values/);
  });

  it('|x| past the bound names the image furthest past it; at the bound itself nothing fires', () => {
    assert.equal(checkStep(stats({ xMaxAbs: [10, 2, 2] }), at, all), undefined);
    const h = checkStep(stats({ xMaxAbs: [11, 2, 30] }), at, all);
    assert.deepEqual([h?.condition, h?.image], ['bound', 2]);
    assert.equal(checkStep(stats({ xMaxAbs: [11, 2, 30] }), at, { ...all, boundOn: false }), undefined);
  });

  it('std departing from theory by more than the percentage fires; within it, or with ᾱ unknown, it does not', () => {
    // ᾱ = 0: theory is 1. 1.4 departs 40%, 1.6 departs 60% (> 50%).
    assert.equal(checkStep(stats({ xStd: [1.4, 0.7, 1] }), at, all), undefined);
    const h = checkStep(stats({ xStd: [1.4, 1.6, 0.2] }), at, all);
    // 0.2 departs 80%: the largest departure is the image named.
    assert.deepEqual([h?.condition, h?.image], ['std', 2]);
    assert.match(h!.text, /off theory by 80\.0% \(> 50%\)/);
    assert.equal(checkStep(stats({ xStd: [1.4, 1.6, 0.2] }), { ...at, alphaBar: NaN }, all), undefined);
    assert.equal(checkStep(stats({ xStd: [1.4, 1.6, 0.2] }), at, DEFAULT_BREAKPOINTS), undefined, 'the std condition is off by default');
  });

  it('saved settings keep only sane values', () => {
    assert.deepEqual(readBreakpoints(undefined), DEFAULT_BREAKPOINTS);
    assert.deepEqual(readBreakpoints({ nonFinite: false, bound: -3, stdPercent: 20, stdOn: 'yes' }), { ...DEFAULT_BREAKPOINTS, nonFinite: false, stdPercent: 20 });
  });
});
