/**
 * Noise-prediction error heatmaps against exact oracles. The dataset is real shapes data cut to ONE
 * example, so every drawn image is that example and a test denoiser can recover the true noise from
 * x_t alone: eps = (x_t - sqrt(alphaBar_t) x_0) / sqrt(1 - alphaBar_t).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createShapes } from '../../engine/data';
import { diffusionTables } from '../../engine/diffusion';
import { DlensError } from '../../engine/errors';
import { errorHeatmaps } from '../../engine/eval/errorHeatmap';
import type { NoisePredictor } from '../../engine/eval/lossProfile';
import { VIRIDIS_STOPS, errorRange, viridis } from '../../engine/eval/viridis';
import type { RunManifest } from '../../engine/run/manifest';
import { makeBetas } from '../../engine/schedules';
import { backend, mean } from '../helpers';

const tables = diffusionTables(makeBetas('linear', 1000));
const one = createShapes({ imageSize: 16, size: 1, seed: 7 });
const x0Values = one.get([0]).images;
const unconditional = { model: { cond: 'none' }, dataset: { spec: 'shapes' } } as unknown as RunManifest;
const OFFSET = [0.1, -0.3, 0.5];

/** The true noise plus a known offset per channel. */
const trueNoisePlusOffset: NoisePredictor = {
  predict: (x, t) => tf.tidy(() => {
    const x0 = tf.tensor4d(x0Values, [1, 16, 16, 3]);
    const eps = tf.div(tf.sub(x, tf.mul(x0, tables.sqrtAlphasCumprod[t])), tables.sqrtOneMinusAlphasCumprod[t]);
    return tf.add(eps, tf.tensor4d(OFFSET, [1, 1, 1, 3]));
  }),
};
const zeros: NoisePredictor = { predict: (x) => tf.zerosLike(x) };

describe('error heatmaps', () => {
  before(backend);

  it('maps exactly |offset| (averaged over channels) at every pixel when the model is off by a known offset', async () => {
    const timesteps = [0, 250, 999];
    const r = await errorHeatmaps(trueNoisePlusOffset, unconditional, tables, one, { timesteps, count: 3, seed: 5, profileCount: 4, buckets: 5 });
    const meanAbs = mean(OFFSET.map(Math.abs));
    const meanSq = mean(OFFSET.map((o) => o * o));
    assert.equal(r.error.length, timesteps.length * 3 * 16 * 16);
    // float32 round-off, amplified by 1 / sqrt(1 - alphaBar_0) = 100 when the oracle recovers eps at t = 0
    const worst = r.error.reduce((m, v) => Math.max(m, Math.abs(v - meanAbs)), 0);
    assert.ok(worst < 1e-4, `largest deviation from |offset| = ${worst}`);
    for (const v of r.mseAt) assert.ok(Math.abs(v - meanSq) < 1e-4, `MSE ${v}, expected ${meanSq}`);
    assert.deepEqual(r.profile.t, [100, 300, 500, 700, 900]);
    for (const v of r.profile.mse) assert.ok(Math.abs(v - meanSq) < 1e-4, `profile MSE ${v}, expected ${meanSq}`);
    assert.deepEqual(Array.from(r.x0), Array.from({ length: 3 }, () => Array.from(x0Values)).flat());
  });

  it('noises every timestep with the same draw: the noise recovered from each row of x_t is one and the same', async () => {
    const timesteps = [10, 500, 990];
    const r = await errorHeatmaps(zeros, unconditional, tables, one, { timesteps, count: 2, seed: 1, profileCount: 2, buckets: 2 });
    const n = 2 * 16 * 16 * 3;
    const noiseAt = (i: number) => Array.from(r.xt.subarray(i * n, (i + 1) * n), (x, k) => (x - tables.sqrtAlphasCumprod[timesteps[i]] * r.x0[k]) / tables.sqrtOneMinusAlphasCumprod[timesteps[i]]);
    const first = noiseAt(0);
    for (const i of [1, 2]) assert.ok(noiseAt(i).every((e, k) => Math.abs(e - first[k]) < 1e-3), `row ${i} was noised with another draw`);
  });

  it('gives a model that predicts zeros an MSE of E[eps^2] = 1 per bucket, within 5 standard errors of its sample size', async () => {
    const shapes = createShapes({ imageSize: 16, size: 50, seed: 0 });
    const profileCount = 16;
    const r = await errorHeatmaps(zeros, unconditional, tables, shapes, { timesteps: [100, 900], count: 4, seed: 3, profileCount, buckets: 4 });
    // eps^2 is chi-squared with one degree of freedom: variance 2, so the mean of N draws has standard error sqrt(2 / N).
    const tolerance = (N: number) => 5 * Math.sqrt(2 / N);
    for (const v of r.profile.mse) assert.ok(Math.abs(v - 1) < tolerance(profileCount * 16 * 16 * 3), `bucket MSE ${v}`);
    for (const v of r.mseAt) assert.ok(Math.abs(v - 1) < tolerance(4 * 16 * 16 * 3), `MSE ${v}`);
    // |eps| has mean sqrt(2 / pi) and variance 1 - 2 / pi; both rows share one draw of 4 x 16 x 16 x 3 values.
    const m = mean(r.error);
    assert.ok(Math.abs(m - Math.sqrt(2 / Math.PI)) < 5 * Math.sqrt((1 - 2 / Math.PI) / (4 * 16 * 16 * 3)), `mean |eps| ${m}`);
  });

  it('shows two models the same images and noise for the same seed, and other ones for another seed', async () => {
    const shapes = createShapes({ imageSize: 16, size: 50, seed: 0 });
    const o = { timesteps: [300], count: 4, profileCount: 2, buckets: 2 };
    const a = await errorHeatmaps(zeros, unconditional, tables, shapes, { ...o, seed: 9 });
    const b = await errorHeatmaps(trueNoisePlusOffset, unconditional, tables, shapes, { ...o, seed: 9 });
    const c = await errorHeatmaps(zeros, unconditional, tables, shapes, { ...o, seed: 10 });
    assert.deepEqual(b.xt, a.xt);
    assert.notDeepEqual(c.xt, a.xt);
  });

  it('rejects a timestep outside 0..T-1, naming the range and a fix', async () => {
    await assert.rejects(errorHeatmaps(zeros, unconditional, tables, one, { timesteps: [50, 1000] }), (err: unknown) => {
      assert.ok(err instanceof DlensError);
      assert.match(err.message, /Timestep 1000 is not an integer in 0\.\.999 \(this run has T = 1000\)/);
      assert.match(err.fix, /pick timesteps from 0 to 999/);
      return true;
    });
  });
});

describe('viridis colour scale', () => {
  it('runs from the first stop (dark purple) to the last (yellow), clamping outside [0, 1]', () => {
    assert.deepEqual(viridis(0), [0x44, 0x01, 0x54]);
    assert.deepEqual(viridis(1), [0xfd, 0xe7, 0x25]);
    assert.deepEqual(viridis(-3), viridis(0));
    assert.deepEqual(viridis(7), viridis(1));
    assert.deepEqual(viridis(NaN), viridis(0));
    // halfway between two stops is their average
    const [a, b] = [VIRIDIS_STOPS[2], VIRIDIS_STOPS[3]];
    assert.deepEqual(viridis(2.5 / 8), [0, 1, 2].map((k) => Math.round((a[k] + b[k]) / 2)));
  });

  it('grows brighter with the value, so a larger error never looks darker', () => {
    const luma = (u: number) => { const [r, g, b] = viridis(u); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    for (let u = 0; u < 1; u += 0.01) assert.ok(luma(u + 0.01) >= luma(u), `darker at ${u + 0.01}`);
  });

  it('ranges from 0 to the largest finite error of all maps together', () => {
    assert.deepEqual(errorRange([Float32Array.of(0.5, 2), Float32Array.of(3, NaN)]), { min: 0, max: 3 });
    assert.deepEqual(errorRange([Float32Array.of(0, 0)]), { min: 0, max: 1 });
  });
});
