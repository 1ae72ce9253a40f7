import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { type DiffusionTables, diffusionTables } from '../../engine/diffusion';
import { mixtureOracle } from '../../engine/oracle';
import { Rng } from '../../engine/random';
import { ddimStep, sampleDdim } from '../../engine/samplers/ddim';
import { ddpmStep, sampleDdpm } from '../../engine/samplers/ddpm';
import type { ProbeEvent } from '../../engine/samplers/types';
import { makeBetas } from '../../engine/schedules';
import { inferenceTimesteps } from '../../engine/timesteps';
import { backend, column, maxAbsDiff, mean, values, variance } from '../helpers';

const tables = diffusionTables(makeBetas('linear', 1000));

/**
 * For data N(mu, s2) the exact eps and E[x0 | x_t] are affine in x_t, so every sampler step is an affine
 * map plus independent noise, and the output's mean and variance follow in closed form. This is the
 * scalar float64 derivation the tensor samplers must reproduce.
 */
function exactGaussianOutput(d: DiffusionTables, ts: number[], sampler: 'ddim' | 'ddpm', eta: number, mu: number, s2: number) {
  let m = 0;
  let v = 1;
  ts.forEach((t, i) => {
    const ab = d.alphasCumprod[t];
    const abPrev = i + 1 < ts.length ? d.alphasCumprod[ts[i + 1]] : 1;
    const vt = ab * s2 + 1 - ab;
    const [ke, ce] = [Math.sqrt(1 - ab) / vt, (-Math.sqrt(1 - ab) * Math.sqrt(ab) * mu) / vt]; // eps = ke x + ce
    const [k0, c0] = [(Math.sqrt(ab) * s2) / vt, mu * (1 - (ab * s2) / vt)]; // x0 = k0 x + c0
    let A: number, B: number, C2: number;
    if (sampler === 'ddim') {
      const sigma2 = eta ** 2 * ((1 - abPrev) / (1 - ab)) * (1 - ab / abPrev);
      const dir = Math.sqrt(1 - abPrev - sigma2);
      [A, B, C2] = [Math.sqrt(abPrev) * k0 + dir * ke, Math.sqrt(abPrev) * c0 + dir * ce, sigma2];
    } else {
      const alpha = ab / abPrev;
      const c1 = (Math.sqrt(abPrev) * (1 - alpha)) / (1 - ab);
      const c2 = (Math.sqrt(alpha) * (1 - abPrev)) / (1 - ab);
      [A, B, C2] = [c1 * k0 + c2, c1 * c0, i + 1 < ts.length ? ((1 - alpha) * (1 - abPrev)) / (1 - ab) : 0];
    }
    m = A * m + B;
    v = A * A * v + C2;
  });
  return { mean: m, variance: v };
}

describe('samplers on a single Gaussian: output moments equal the exact linear-Gaussian recursion', () => {
  before(backend);
  const mu = 0.7;
  const s2 = 0.3 ** 2;
  const oracle = mixtureOracle({ weights: [1], means: [[mu, mu]], std: 0.3 }, tables);
  const configs = [
    { name: 'DDPM, all 1000 steps', sampler: 'ddpm', eta: 0, ts: inferenceTimesteps('leading', 1000, 1000) },
    { name: 'DDPM, 50 trailing steps', sampler: 'ddpm', eta: 0, ts: inferenceTimesteps('trailing', 1000, 50) },
    { name: 'DDIM eta=0, 50 trailing steps', sampler: 'ddim', eta: 0, ts: inferenceTimesteps('trailing', 1000, 50) },
    { name: 'DDIM eta=1, 50 leading steps', sampler: 'ddim', eta: 1, ts: inferenceTimesteps('leading', 1000, 50) },
    { name: 'DDIM eta=0.5, 20 linspace steps', sampler: 'ddim', eta: 0.5, ts: inferenceTimesteps('linspace', 1000, 20) },
    { name: 'DDIM eta=0, custom uneven list', sampler: 'ddim', eta: 0, ts: [999, 800, 420, 130, 40, 7] },
  ] as const;
  for (const c of configs) {
    it(c.name, async () => {
      const n = 20000;
      const rng = new Rng(11);
      const xT = rng.normal([n, 2]);
      const opts = { tables, timesteps: c.ts, rng };
      const out = c.sampler === 'ddpm' ? await sampleDdpm(oracle, xT, opts) : await sampleDdim(oracle, xT, { ...opts, eta: c.eta });
      const xs = await values(out);
      tf.dispose([xT, out]);
      const want = exactGaussianOutput(tables, [...c.ts], c.sampler, c.eta, mu, s2);
      const all = [...column(xs, 2, 0), ...column(xs, 2, 1)];
      const got = { mean: mean(all), variance: variance(all) };
      // 40000 values: the mean's s.e. is sqrt(var/40000); the variance's relative s.e. sqrt(2/40000) = 0.7%.
      assert.ok(Math.abs(got.mean - want.mean) < 5 * Math.sqrt(want.variance / all.length), `mean ${got.mean} vs exact ${want.mean}`);
      assert.ok(Math.abs(got.variance / want.variance - 1) < 0.04, `variance ${got.variance} vs exact ${want.variance}`);
    });
  }

  it('DDPM over every timestep lands on the data variance, as the continuous theory says', () => {
    const exact = exactGaussianOutput(tables, inferenceTimesteps('leading', 1000, 1000), 'ddpm', 0, mu, s2);
    assert.ok(Math.abs(exact.variance / s2 - 1) < 0.05 && Math.abs(exact.mean - mu) < 0.01, JSON.stringify(exact));
  });
});

describe('sampler mechanics', () => {
  before(backend);
  const oracle = mixtureOracle({ weights: [0.5, 0.5], means: [[-1, -1], [1, 1]], std: 0.2 }, tables);

  it('DDIM with eta = 0 is deterministic: the same x_T gives the same samples whatever the seed', async () => {
    const xT = new Rng(3).normal([64, 2]);
    const ts = inferenceTimesteps('trailing', 1000, 25);
    const a = await sampleDdim(oracle, xT, { tables, timesteps: ts, rng: new Rng(1) });
    const b = await sampleDdim(oracle, xT, { tables, timesteps: ts, rng: new Rng(2) });
    assert.equal(maxAbsDiff(await values(a), await values(b)), 0);
    tf.dispose([xT, a, b]);
  });

  it('the same seed replays a stochastic (DDPM) trajectory exactly; another seed does not', async () => {
    const run = async (seed: number) => {
      const rng = new Rng(seed);
      const xT = rng.normal([16, 2]);
      const out = await sampleDdpm(oracle, xT, { tables, timesteps: inferenceTimesteps('trailing', 1000, 100), rng });
      const v = await values(out);
      tf.dispose([xT, out]);
      return v;
    };
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    assert.deepEqual(a, b);
    assert.ok(maxAbsDiff(a, c) > 0.01);
  });

  it('one DDIM step with eta = 1 equals one DDPM posterior-variance step given the same noise', async () => {
    const rng = new Rng(4);
    const x = rng.normal([8, 4]);
    const eps = rng.normal([8, 4]);
    const z = rng.normal([8, 4]);
    for (const [t, tPrev] of [[999, 979], [500, 300], [40, 39]]) {
      const alphaBar = tables.alphasCumprod[t];
      const alphaBarPrev = tables.alphasCumprod[tPrev];
      const x0 = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - alphaBar))), Math.sqrt(alphaBar));
      const input = { x, eps, x0, alphaBar, alphaBarPrev, isLast: false, noise: () => z.clone() };
      const viaDdim = ddimStep(1)(input);
      const viaDdpm = ddpmStep('posterior')(input);
      assert.ok(maxAbsDiff(await values(viaDdim), await values(viaDdpm)) < 1e-4, `t=${t}`);
      tf.dispose([x0, viaDdim, viaDdpm]);
    }
    tf.dispose([x, eps, z]);
  });

  it('calls the probe once per step with t, tPrev from the list in use, and next = the following x', async () => {
    const events: { step: number; t: number; tPrev: number; x: number[]; next: number[]; x0: number[]; hasEps: boolean }[] = [];
    const ts = [999, 640, 87, 3];
    const xT = new Rng(8).normal([4, 2]);
    const out = await sampleDdpm(oracle, xT, {
      tables, timesteps: ts, rng: new Rng(9),
      probe: async (e: ProbeEvent) => {
        events.push({ step: e.step, t: e.t, tPrev: e.tPrev, x: await values(e.x), next: await values(e.next), x0: await values(e.x0), hasEps: e.eps.shape.join() === '4,2' });
      },
    });
    assert.deepEqual(events.map((e) => [e.step, e.t, e.tPrev]), [[0, 999, 640], [1, 640, 87], [2, 87, 3], [3, 3, -1]]);
    assert.ok(events.every((e) => e.hasEps));
    assert.deepEqual(events[0].x, await values(xT));
    for (let i = 1; i < events.length; i++) assert.deepEqual(events[i].x, events[i - 1].next);
    // No noise on the last step: the result is exactly the posterior mean with alphaBar_prev = 1, i.e. x0-hat.
    assert.ok(maxAbsDiff(events[3].next, events[3].x0) < 1e-6);
    assert.deepEqual(await values(out), events[3].next);
    tf.dispose([xT, out]);
  });

  it('leaks no tensors, with or without a probe', async () => {
    const xT = new Rng(1).normal([8, 2]);
    const before = tf.memory().numTensors;
    for (const probe of [undefined, () => undefined]) {
      const out = await sampleDdim(oracle, xT, { tables, timesteps: inferenceTimesteps('trailing', 1000, 10), rng: new Rng(1), eta: 1, probe });
      out.dispose();
      const ddpm = await sampleDdpm(oracle, xT, { tables, timesteps: inferenceTimesteps('trailing', 1000, 10), rng: new Rng(1), probe });
      ddpm.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
    xT.dispose();
  });

  it('clips x0 when asked, and then no predicted x0 leaves the range', async () => {
    const wide = mixtureOracle({ weights: [1], means: [[3, -3]], std: 0.1 }, tables);
    let worst = 0;
    const xT = new Rng(2).normal([32, 2]);
    const out = await sampleDdim(wide, xT, {
      tables, timesteps: inferenceTimesteps('trailing', 1000, 10), rng: new Rng(2), clipX0: 1,
      probe: async (e) => {
        worst = Math.max(worst, ...(await values(e.x0)).map(Math.abs));
      },
    });
    assert.ok(worst <= 1 + 1e-6, `max |x0| ${worst}`);
    assert.ok((await values(out)).every((v) => Math.abs(v) <= 1 + 1e-5));
    tf.dispose([xT, out]);
  });

  it('names the problem when the denoiser returns the wrong shape or dtype, and frees x_t', async () => {
    const xT = tf.zeros([2, 4, 4, 1]);
    const before = tf.memory().numTensors;
    const opts = { tables, timesteps: [999, 500], rng: new Rng(0) };
    await assert.rejects(sampleDdim(() => tf.zeros([2, 4, 4, 3]), xT, opts), /denoiser returned shape \[2,4,4,3\] at t = 999; expected \[2,4,4,1\]/);
    await assert.rejects(sampleDdim(() => tf.zeros([2, 4, 4, 1], 'int32'), xT, opts), /dtype int32/);
    await assert.rejects(sampleDdim(xT.clone.bind(xT) as never, xT, { ...opts, timesteps: [1000] }), /outside 0..999/);
    assert.equal(tf.memory().numTensors, before);
    await assert.rejects(sampleDdim(oracle, xT, { ...opts, eta: 1.5 }), /eta must be a number in \[0, 1\]/);
    xT.dispose();
  });

  it('stops at the next step when cancelled', async () => {
    const controller = new AbortController();
    const xT = tf.zeros([2, 2]);
    let steps = 0;
    const run = sampleDdim(oracle, xT, {
      tables, timesteps: inferenceTimesteps('trailing', 1000, 50), rng: new Rng(0), signal: controller.signal,
      probe: () => {
        if (++steps === 3) controller.abort();
      },
    });
    await assert.rejects(run, /cancelled at step 3 of 50/);
    assert.equal(steps, 3);
    xT.dispose();
  });
});
