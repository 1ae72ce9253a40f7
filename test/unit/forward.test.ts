import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { diffusionTables } from '../../engine/diffusion';
import { epsAndX0, epsFromV, epsFromX0, qPosterior, qSample, vFromEpsX0, x0FromEps, x0FromV } from '../../engine/forward';
import { sampleMixture } from '../../engine/oracle';
import { Rng } from '../../engine/random';
import { makeBetas } from '../../engine/schedules';
import { backend, maxAbsDiff, values } from '../helpers';

const tables = diffusionTables(makeBetas('linear', 1000));

describe('forward process q(x_t | x_0)', () => {
  before(backend);

  it('has signal coefficient sqrt(alphaBar_t) and noise coefficient sqrt(1 - alphaBar_t) at every t', async () => {
    const ones = tf.ones([1, 2, 2, 1]);
    const zeros = tf.zerosLike(ones);
    for (let t = 0; t < tables.T; t += 37) {
      // alphaBar_t computed here independently as the product of (1 - beta_s), s = 0..t.
      let alphaBar = 1;
      for (let s = 0; s <= t; s++) alphaBar *= 1 - (1e-4 + ((0.02 - 1e-4) * s) / 999);
      const signal = qSample(tables, ones, t, zeros);
      const noise = qSample(tables, zeros, t, ones);
      assert.ok(Math.abs((await values(signal))[0] - Math.sqrt(alphaBar)) < 1e-6, `signal at t=${t}`);
      assert.ok(Math.abs((await values(noise))[0] - Math.sqrt(1 - alphaBar)) < 1e-6, `noise at t=${t}`);
      tf.dispose([signal, noise]);
    }
    tf.dispose([ones, zeros]);
  });

  it('matches the theoretical mean and variance of x_t at every t for mixture data', async () => {
    // x0 ~ 0.6 N(-1.5, 0.25^2) + 0.4 N(2, 0.25^2): E = -0.1, Var = 0.25^2 + 0.6*1.4^2 + 0.4*2.1^2 = 2.9025.
    const mixture = { weights: [0.6, 0.4], means: [[-1.5], [2]], std: 0.25 };
    const m0 = -0.1;
    const v0 = 0.0625 + 0.6 * 1.4 ** 2 + 0.4 * 2.1 ** 2;
    const rng = new Rng(7);
    const n = 4096;
    const { x: x0 } = sampleMixture(mixture, n, rng);
    let worstMeanZ = 0;
    let worstVarRatio = 0;
    for (let t = 0; t < tables.T; t++) {
      const noise = rng.normal([n, 1]);
      const xt = qSample(tables, x0, t, noise);
      const xs = await values(xt);
      tf.dispose([noise, xt]);
      const ab = tables.alphasCumprod[t];
      const wantMean = Math.sqrt(ab) * m0;
      const wantVar = ab * v0 + (1 - ab);
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      const vari = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
      worstMeanZ = Math.max(worstMeanZ, Math.abs(mean - wantMean) / Math.sqrt(wantVar / n));
      worstVarRatio = Math.max(worstVarRatio, Math.abs(vari / wantVar - 1));
    }
    x0.dispose();
    // 1000 timesteps x one z-score each: the largest should stay within ~4.5 standard errors.
    assert.ok(worstMeanZ < 5, `worst mean z-score ${worstMeanZ}`);
    // Var-of-variance for n = 4096 is about 2/n -> 2.2% s.e.; allow 5 s.e.
    assert.ok(worstVarRatio < 0.11, `worst relative variance error ${worstVarRatio}`);
  });

  it('takes one timestep per example', async () => {
    const x0 = tf.ones([3, 1, 1, 1]);
    const noise = tf.zerosLike(x0);
    const xt = qSample(tables, x0, [0, 500, 999], noise);
    assert.ok(maxAbsDiff(await values(xt), [0, 500, 999].map((t) => tables.sqrtAlphasCumprod[t])) < 1e-6);
    assert.throws(() => qSample(tables, x0, [0, 1], noise), /Got 2 timesteps for a batch of 3/);
    assert.throws(() => qSample(tables, x0, 1000, noise), /Timestep 1000 is outside 0..999/);
    assert.throws(() => qSample(tables, x0, 5, tf.zeros([3, 2, 1, 1])), /noise has shape \[3,2,1,1\], expected \[3,1,1,1\]/);
    tf.dispose([x0, noise, xt]);
  });

  it('converts between eps, x0 and v predictions without loss', async () => {
    const rng = new Rng(1);
    const x0 = rng.normal([4, 3, 3, 2]);
    const eps = rng.normal([4, 3, 3, 2]);
    for (const t of [0, 10, 500, 999]) {
      const ab = tables.alphasCumprod[t];
      const xt = qSample(tables, x0, t, eps);
      assert.ok(maxAbsDiff(await values(x0FromEps(xt, eps, ab)), await values(x0)) < 2e-3 / Math.sqrt(ab), `x0FromEps t=${t}`);
      assert.ok(maxAbsDiff(await values(epsFromX0(xt, x0, ab)), await values(eps)) < 2e-3 / Math.sqrt(1 - ab), `epsFromX0 t=${t}`);
      const v = vFromEpsX0(eps, x0, ab);
      assert.ok(maxAbsDiff(await values(x0FromV(xt, v, ab)), await values(x0)) < 1e-4, `x0FromV t=${t}`);
      assert.ok(maxAbsDiff(await values(epsFromV(xt, v, ab)), await values(eps)) < 1e-4, `epsFromV t=${t}`);
      for (const [kind, out] of [['epsilon', eps], ['x0', x0], ['v', v]] as const) {
        const r = epsAndX0(out, xt, ab, kind);
        assert.ok(maxAbsDiff(await values(r.x0), await values(x0)) < 2e-3 / Math.sqrt(ab), `${kind} x0 t=${t}`);
        tf.dispose([r.eps, r.x0]);
      }
      tf.dispose([xt, v]);
    }
    assert.throws(() => epsAndX0(eps, x0, 0, 'epsilon'), /cannot give x0 at a timestep where alphaBar = 0.*Fix: use prediction 'v'/);
    tf.dispose([x0, eps]);
  });

  it('posterior q(x_{t-1} | x_t, x_0) has the closed-form mean and variance', async () => {
    const x0 = tf.tensor4d([0.5, -0.25], [2, 1, 1, 1]);
    const xt = tf.tensor4d([1, 0], [2, 1, 1, 1]);
    const t = 300;
    const { betas: b, alphasCumprod: ab } = tables;
    const { mean, variance } = qPosterior(tables, x0, xt, t);
    const c1 = (Math.sqrt(ab[t - 1]) * b[t]) / (1 - ab[t]);
    const c2 = (Math.sqrt(1 - b[t]) * (1 - ab[t - 1])) / (1 - ab[t]);
    assert.ok(maxAbsDiff(await values(mean), [c1 * 0.5 + c2, c1 * -0.25]) < 1e-6);
    assert.ok(Math.abs((variance as number) - (b[t] * (1 - ab[t - 1])) / (1 - ab[t])) < 1e-15);
    tf.dispose([x0, xt, mean]);
  });
});
