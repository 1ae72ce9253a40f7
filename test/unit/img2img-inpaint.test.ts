import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { diffusionTables } from '../../engine/diffusion';
import { slerp } from '../../engine/interpolate';
import { mixtureOracle, mixtureStats } from '../../engine/oracle';
import { Rng } from '../../engine/random';
import { sampleDdim } from '../../engine/samplers/ddim';
import { sampleDdpm } from '../../engine/samplers/ddpm';
import { makeBetas } from '../../engine/schedules';
import { inferenceTimesteps } from '../../engine/timesteps';
import { backend, column, maxAbsDiff, mean, values } from '../helpers';

const tables = diffusionTables(makeBetas('linear', 1000));
const mixture = { weights: [0.5, 0.5], means: [[-2, 0], [2, 1]], std: 0.3 };
const oracle = mixtureOracle(mixture, tables);
const ts50 = inferenceTimesteps('trailing', 1000, 50);

describe('image-to-image', () => {
  before(backend);

  it('keeps the last floor(N * strength) steps and starts from the image noised to the first of them', async () => {
    const image = tf.fill([4, 2], 2);
    const xT = new Rng(1).normal([4, 2]);
    const seen: { t: number; x: number[] }[] = [];
    const out = await sampleDdim(oracle, xT, { tables, timesteps: ts50, rng: new Rng(1), init: { image, strength: 0.5 }, probe: async (e) => void seen.push({ t: e.t, x: await values(e.x) }) });
    assert.equal(seen.length, 25);
    assert.equal(seen[0].t, ts50[25]);
    const ab = tables.alphasCumprod[ts50[25]];
    const want = (await values(xT)).map((z) => Math.sqrt(ab) * 2 + Math.sqrt(1 - ab) * z);
    assert.ok(maxAbsDiff(seen[0].x, want) < 1e-5);
    tf.dispose([image, xT, out]);
  });

  it('strength 0 returns the image untouched; strength 1 runs every step', async () => {
    const image = tf.tensor2d([[0.5, -0.5]]);
    const xT = tf.zeros([1, 2]);
    let steps = 0;
    const same = await sampleDdim(oracle, xT, { tables, timesteps: ts50, rng: new Rng(0), init: { image, strength: 0 }, probe: () => void steps++ });
    assert.deepEqual(await values(same), await values(image));
    assert.equal(steps, 0);
    const full = await sampleDdim(oracle, xT, { tables, timesteps: ts50, rng: new Rng(0), init: { image, strength: 1 }, probe: () => void steps++ });
    assert.equal(steps, 50);
    await assert.rejects(sampleDdim(oracle, xT, { tables, timesteps: ts50, rng: new Rng(0), init: { image, strength: 1.5 } }), /strength must be a number in \[0, 1\], got 1.5/);
    tf.dispose([image, xT, same, full]);
  });

  it('a low strength keeps each sample in the component its image came from', async () => {
    const n = 400;
    const image = tf.tidy(() => tf.concat([tf.tile(tf.tensor2d([[-2, 0]]), [n / 2, 1]), tf.tile(tf.tensor2d([[2, 1]]), [n / 2, 1])]));
    const rng = new Rng(4);
    const xT = rng.normal([n, 2]);
    // strength 0.15 keeps 7 steps, from t = 139: sqrt(alphaBar) ~ 0.9 and noise std ~ 0.43 leave the
    // midpoint between the components ~4 noise stds away, so no sample should cross over.
    const out = await sampleDdim(oracle, xT, { tables, timesteps: ts50, rng, init: { image, strength: 0.15 } });
    const { assignments } = mixtureStats(await out.data(), mixture);
    assert.deepEqual(assignments, [...new Array(n / 2).fill(0), ...new Array(n / 2).fill(1)]);
    tf.dispose([image, xT, out]);
  });
});

describe('inpainting', () => {
  before(backend);

  it('returns the known region exactly and fills the masked one consistently with it', async () => {
    const n = 400;
    // Components at (-2, -2) and (2, 2): keep coordinate 1 at y = 2, generate coordinate 0.
    const diagonal = mixtureOracle({ weights: [0.5, 0.5], means: [[-2, -2], [2, 2]], std: 0.3 }, tables);
    const image = tf.tidy(() => tf.tile(tf.tensor2d([[0, 2]]), [n, 1]));
    const mask = tf.tensor2d([[1, 0]]);
    const rng = new Rng(5);
    const xT = rng.normal([n, 2]);
    const out = await sampleDdpm(diagonal, xT, { tables, timesteps: inferenceTimesteps('trailing', 1000, 250), rng, inpaint: { image, mask } });
    const xs = await values(out);
    assert.ok(column(xs, 2, 1).every((y) => y === 2), 'known coordinate changed');
    // The generated coordinate must come from the component whose y is 2: x near +2, not -2.
    const generated = column(xs, 2, 0);
    assert.ok(Math.abs(mean(generated) - 2) < 0.3, `generated mean ${mean(generated)}`);
    tf.dispose([image, mask, xT, out]);
  });

  it('rejects a mask of the wrong shape, naming both shapes', async () => {
    const xT = tf.zeros([2, 8, 8, 3]);
    const image = tf.zeros([2, 8, 8, 3]);
    const ok = await sampleDdim(() => tf.zeros([2, 8, 8, 3]), xT, { tables, timesteps: [10, 0], rng: new Rng(0), inpaint: { image, mask: tf.ones([1, 8, 8, 1]) } });
    await assert.rejects(
      sampleDdim(() => tf.zeros([2, 8, 8, 3]), xT, { tables, timesteps: [10, 0], rng: new Rng(0), inpaint: { image, mask: tf.ones([8, 8]) } }),
      /mask has shape \[8,8\]; the images are \[2,8,8,3\]/,
    );
    tf.dispose([xT, image, ok]);
  });
});

describe('spherical interpolation of initial noise', () => {
  before(backend);

  it('hits both ends, keeps the norm between equal-norm vectors, and halves the angle at 0.5', async () => {
    const a = tf.tensor2d([[3, 0, 0]]);
    const b = tf.tensor2d([[0, 3, 0]]);
    assert.ok(maxAbsDiff(await values(slerp(a, b, 0)), [3, 0, 0]) < 1e-6);
    assert.ok(maxAbsDiff(await values(slerp(a, b, 1)), [0, 3, 0]) < 1e-5);
    assert.ok(maxAbsDiff(await values(slerp(a, b, 0.5)), [3 / Math.SQRT2, 3 / Math.SQRT2, 0]) < 1e-5);
    for (const alpha of [0.1, 0.37, 0.8]) {
      const v = await values(slerp(a, b, alpha));
      assert.ok(Math.abs(Math.hypot(...v) - 3) < 1e-5);
      assert.ok(Math.abs(Math.atan2(v[1], v[0]) - (alpha * Math.PI) / 2) < 1e-5);
    }
    assert.ok(maxAbsDiff(await values(slerp(a, a, 0.3)), [3, 0, 0]) < 1e-5, 'parallel vectors');
    assert.throws(() => slerp(a, tf.zeros([1, 2]), 0.5), /z1 has shape/);
  });
});
