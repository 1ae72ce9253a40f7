import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffusionTables } from '../../engine/diffusion';
import { DlensError } from '../../engine/errors';
import { makeBetas, rescaleZeroTerminalSnr } from '../../engine/schedules';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

describe('schedules', () => {
  it('linear is DDPM\'s 1e-4 -> 0.02 in equal increments', () => {
    const b = makeBetas('linear', 1000);
    assert.equal(b.length, 1000);
    close(b[0], 1e-4, 1e-18, 'beta_0');
    close(b[999], 0.02, 1e-18, 'beta_999');
    for (const t of [1, 250, 500, 998]) close(b[t], 1e-4 + ((0.02 - 1e-4) * t) / 999, 1e-15, `beta_${t}`);
  });

  it('cosine follows alphaBar_t = f(t+1)/f(0), f(u) = cos^2((u/T + s)/(1 + s) pi/2), while betas are unclipped', () => {
    const T = 1000;
    const d = diffusionTables(makeBetas('cosine', T));
    const f = (u: number) => Math.cos(((u / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [0, 1, 100, 500, 900, 990]) close(d.alphasCumprod[t], f(t + 1) / f(0), 1e-12, `alphaBar_${t}`);
    // The last beta would be 1 (f(T) = cos^2(pi/2) = 0); Nichol & Dhariwal clip it at 0.999.
    assert.equal(d.betas[T - 1], 0.999);
    assert.ok(d.betas.every((b) => b <= 0.999));
  });

  it('scaled-linear is linear in sqrt(beta), Stable Diffusion\'s 0.00085 -> 0.012', () => {
    const b = makeBetas('scaled-linear', 1000);
    close(b[0], 0.00085, 1e-15);
    close(b[999], 0.012, 1e-15);
    const mid = ((Math.sqrt(0.00085) + Math.sqrt(0.012)) / 2) ** 2;
    // linspace of 1000 points has no exact middle; the middle of 499 and 500 is.
    close((Math.sqrt(b[499]) + Math.sqrt(b[500])) / 2, Math.sqrt(mid), 1e-12);
  });

  it('sigmoid goes from sigmoid(-6) to sigmoid(6) of the beta range, symmetric about the middle', () => {
    const b = makeBetas('sigmoid', 1001);
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    close(b[0], 1e-4 + (0.02 - 1e-4) * s(-6), 1e-15);
    close(b[500], 1e-4 + (0.02 - 1e-4) / 2, 1e-15);
    close(b[1000], 1e-4 + (0.02 - 1e-4) * s(6), 1e-15);
  });

  it('zero terminal SNR: alphaBar_{T-1} = 0, alphaBar_0 unchanged, sqrt(alphaBar) an affine map of the old one', () => {
    const old = diffusionTables(makeBetas('linear', 1000));
    const d = diffusionTables(makeBetas('linear', 1000, { zeroTerminalSnr: true }));
    assert.equal(d.betas[999], 1);
    close(d.alphasCumprod[999], 0, 1e-15);
    close(d.alphasCumprod[0], old.alphasCumprod[0], 1e-15);
    // Affine: (new(t) - new(0)) / (old(t) - old(0)) is the same for every t.
    const slope = (t: number) => (d.sqrtAlphasCumprod[t] - d.sqrtAlphasCumprod[0]) / (old.sqrtAlphasCumprod[t] - old.sqrtAlphasCumprod[0]);
    for (const t of [10, 300, 700, 999]) close(slope(t), slope(500), 1e-9, `slope at ${t}`);
    assert.equal(d.snr[999], 0);
    assert.ok(rescaleZeroTerminalSnr(makeBetas('cosine', 50)).every((b) => b > 0 && b <= 1));
  });

  it('derived tables satisfy the posterior identities of Ho et al. eq. 6-7', () => {
    for (const name of ['linear', 'cosine', 'scaled-linear', 'sigmoid']) {
      const d = diffusionTables(makeBetas(name, 200));
      for (let t = 1; t < d.T; t++) {
        // Bayes for Gaussians: 1/betaTilde = alpha_t/beta_t + 1/(1 - alphaBar_{t-1}).
        close(1 / d.posteriorVariance[t], d.alphas[t] / d.betas[t] + 1 / (1 - d.alphasCumprod[t - 1]), 1e-6 / d.posteriorVariance[t], `${name} betaTilde_${t}`);
        // A noiseless x_t = sqrt(alphaBar_t) x0 must have posterior mean sqrt(alphaBar_{t-1}) x0.
        close(d.posteriorMeanCoef1[t] + d.posteriorMeanCoef2[t] * d.sqrtAlphasCumprod[t], d.sqrtAlphasCumprod[t - 1], 1e-12, `${name} mean_${t}`);
        close(d.posteriorLogVarianceClipped[t], Math.log(d.posteriorVariance[t]), 1e-12);
      }
      assert.equal(d.posteriorVariance[0], 0);
      assert.equal(d.posteriorLogVarianceClipped[0], d.posteriorLogVarianceClipped[1]);
      close(d.logSnr[10], Math.log(d.alphasCumprod[10] / (1 - d.alphasCumprod[10])), 1e-12);
    }
  });

  it('rejects bad input with an error that names the problem and the fix', () => {
    assert.throws(() => makeBetas('linear', 1), (e: unknown) => e instanceof DlensError && /T \(number of diffusion steps\)/.test(e.message) && e.fix.length > 0);
    assert.throws(() => makeBetas('quadratic', 10), /Unknown schedule 'quadratic'.*linear, cosine/);
    assert.throws(() => diffusionTables([0.1, NaN, 0.2]), /beta\[1\] is NaN/);
    assert.throws(() => diffusionTables([0.1, 1.2, 0.2]), /beta\[1\] = 1.2 is outside \(0, 1\)/);
    assert.throws(() => makeBetas('linear', 10, { betaStart: 0 }), /beta\[0\] = 0/);
  });
});
