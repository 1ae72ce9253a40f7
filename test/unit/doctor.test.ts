import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { CHECK_IDS, type DoctorReport, referenceImplementation, runDoctor } from '../../engine/doctor';
import type { Implementation, StepArgs } from '../../engine/user/types';
import { backend } from '../helpers';

const load = async (name: string) => (await import(`../../examples/${name}`)) as Implementation;
const errors = (r: DoctorReport) => r.findings.filter((f) => f.severity === 'error').map((f) => f.check);
const finding = (r: DoctorReport, check: string) => r.findings.find((f) => f.check === check);

function assertFinding(r: DoctorReport, check: string, severity: 'error' | 'warning', message?: RegExp) {
  const f = finding(r, check);
  assert.ok(f, `expected a ${check} finding; got ${JSON.stringify(r.findings.map((x) => x.check))}`);
  assert.equal(f.severity, severity);
  if (message) assert.match(f.message, message);
  // Every finding says what was expected, what was measured, and the fix.
  assert.ok(f.expected.length > 0 && f.measured.length > 0 && f.fix.length > 0, JSON.stringify(f));
}

describe('doctor: what correct means', () => {
  before(backend);

  it('the reference (the engine\'s own functions) passes every check, for several seeds', async () => {
    for (const seed of [0, 1, 2]) {
      const r = await runDoctor(referenceImplementation(), { seed });
      assert.deepEqual(r.findings, [], `seed ${seed}: ${JSON.stringify(r.findings.map((f) => [f.check, f.message]))}`);
      assert.deepEqual([...r.passed].sort(), [...CHECK_IDS].sort());
      assert.deepEqual(r.skipped, []);
    }
  });

  it('the reference passes with other step counts and schedule lengths', async () => {
    for (const [T, steps] of [[1000, 1000], [1000, 7], [200, 37]]) {
      const r = await runDoctor(referenceImplementation(), { T, steps });
      // DDPM's 1e-4..0.02 over only 200 steps keeps alphaBar_T = prod(1 - beta) ~ exp(-200 * 0.01): a true warning.
      assert.deepEqual(r.findings.map((f) => `${f.check}:${f.severity}`), T === 200 ? ['schedule.terminal-snr:warning'] : [], `T=${T} steps=${steps}: ${r.findings.map((f) => f.message).join(' | ')}`);
    }
  });

  it('examples/ddpm-correct.ts gets no errors and no warnings', async () => {
    const r = await runDoctor(await load('ddpm-correct'));
    assert.deepEqual(r.findings, []);
    assert.ok(r.passed.includes('sampler.oracle-recovery') && r.passed.includes('model.depends-on-t'));
  });

  it('a module with no exports skips every check with a reason', async () => {
    const r = await runDoctor({});
    assert.deepEqual(r.findings, []);
    assert.equal(r.skipped.length, CHECK_IDS.length);
    assert.ok(r.skipped.every((s) => s.reason.length > 0));
  });

  it('legal variants pass: a DDPM-only step, "fixed large" variance, a step drawing its own noise (warned)', async () => {
    const ref = referenceImplementation().step!;
    const ddpmOnly = await runDoctor({ step: (a) => ref({ ...a, eta: 1 }) });
    assert.deepEqual(errors(ddpmOnly), []);
    assert.ok(ddpmOnly.notes.some((n) => /ignores eta/.test(n)));

    // sigma^2 = beta of the pair, not betaTilde (Ho et al.'s two choices)
    const fixedLarge = (a: StepArgs) => tf.tidy(() => {
      const mean = ref({ ...a, eta: 1, noise: tf.zerosLike(a.noise) });
      if (a.tPrev < 0) return mean;
      return tf.add(mean, tf.mul(a.noise, Math.sqrt(1 - a.alphasCumprod[a.t] / a.alphasCumprod[a.tPrev])));
    }) as tf.Tensor4D;
    assert.deepEqual(errors(await runDoctor({ step: fixedLarge })), []);

    let calls = 0;
    const ownNoise = await runDoctor({ step: (a) => ref({ ...a, noise: tf.randomNormal(a.x.shape, 0, 1, 'float32', 1000 + calls++) as tf.Tensor4D }) });
    assert.deepEqual(errors(ownNoise), []);
    assertFinding(ownNoise, 'sampler.noise-argument', 'warning');
  });
});

describe('doctor: rounding is not a bug', () => {
  before(backend);

  it('an addNoise and a step that rebuild alphaBar from betas by a float32 cumulative product pass', async () => {
    const float32Cumprod = (betas: Float64Array) => {
      let p = Math.fround(1);
      return Float64Array.from(betas, (b) => (p = Math.fround(p * Math.fround(1 - b))));
    };
    const ref = referenceImplementation();
    const r = await runDoctor({
      addNoise: (a) => ref.addNoise!({ ...a, alphasCumprod: float32Cumprod(a.betas) }),
      step: (a) => ref.step!({ ...a, alphasCumprod: float32Cumprod(a.betas) }),
    });
    assert.deepEqual(r.findings.map((f) => f.check), []);
  });

  it('the expected noise std of eta = 1 is the posterior std: ddimSigma(1)^2 = posteriorVariance on one-step pairs', async () => {
    const { ddimSigma } = await import('../../engine/samplers/ddim');
    const { diffusionTables } = await import('../../engine/diffusion');
    const d = diffusionTables(referenceImplementation().betas!(1000));
    for (const t of [1, 2, 10, 500, 999]) {
      const s = ddimSigma(1, d.alphasCumprod[t], d.alphasCumprod[t - 1]);
      assert.ok(Math.abs(s * s - d.posteriorVariance[t]) <= 1e-12 * d.posteriorVariance[t] + 1e-18, `t=${t}`);
    }
  });
});

describe('doctor: each example bug gets its finding', () => {
  before(backend);
  const cases: [file: string, check: string, severity: 'error' | 'warning', message?: RegExp][] = [
    ['bug-off-by-one', 'forward.signal-coefficient', 'error', /alphasCumprod\[t - 1\].*off by one/],
    ['bug-off-by-one', 'forward.noise-coefficient', 'error', /off by one/],
    ['bug-noise-no-sqrt', 'forward.noise-coefficient', 'error', /without the square root/],
    ['bug-fixed-stride', 'timesteps.step-consistency', 'error', /tPrev = t - 20/],
    ['bug-ddpm-every-timestep', 'timesteps.step-consistency', 'error', /tPrev = t - 1\b/],
    ['bug-last-step-noise', 'sampler.final-noise', 'error', /adds noise of std 0\.01/],
    ['bug-betas-for-alphas-cumprod', 'sampler.reference-update', 'error', /reads betas\[t\] where alphasCumprod\[t\] belongs/],
    ['bug-ascending-timesteps', 'timesteps.descending', 'error', /ascending/],
    ['bug-cosine-beta-one', 'schedule.beta-one', 'error', /beta\[999\] = 1 reaches 1/],
    ['bug-model-ignores-t', 'model.depends-on-t', 'error', /ignores t/],
    ['warn-terminal-snr', 'schedule.terminal-snr', 'warning', /0\.068/],
    ['warn-final-alpha', 'sampler.final-alpha', 'warning', /set_alpha_to_one/],
  ];
  const reports = new Map<string, Promise<DoctorReport>>();
  const report = (file: string) => {
    if (!reports.has(file)) reports.set(file, load(file).then((impl) => runDoctor(impl)));
    return reports.get(file)!;
  };
  for (const [file, check, severity, message] of cases) {
    it(`${file}.ts: ${check} (${severity})`, async () => assertFinding(await report(file), check, severity, message));
  }

  it('warnings only where the bug is legal: the warn-* examples get no errors', async () => {
    assert.deepEqual(errors(await report('warn-terminal-snr')), []);
    assert.deepEqual(errors(await report('warn-final-alpha')), []);
  });

  it('a root cause is reported once: the stride bug is not also a reference-update, final-step or variance error', async () => {
    assert.deepEqual(errors(await report('bug-fixed-stride')), ['timesteps.step-consistency']);
    assert.deepEqual(errors(await report('bug-ascending-timesteps')), ['timesteps.descending']);
    assert.deepEqual(errors(await report('bug-cosine-beta-one')), ['schedule.beta-one']);
  });

  it('the evidence carries measured vs expected series for the panel', async () => {
    const f = finding(await report('bug-noise-no-sqrt'), 'forward.noise-coefficient')!;
    const plot = f.evidence.plot!;
    assert.equal(plot.series.length, 2);
    assert.equal(plot.series[0].values.length, plot.x.length);
    // Expected curve is sqrt(1 - alphaBar_t), measured is 1 - alphaBar_t: measured = expected^2 at every t.
    plot.x.forEach((_, i) => assert.ok(Math.abs((plot.series[0].values[i] as number) - (plot.series[1].values[i] as number) ** 2) < 1e-5));
  });
});

describe('doctor: statistical checks catch what exact probes cannot', () => {
  before(backend);
  const ref = referenceImplementation();

  it('forward.moments catches an addNoise that clips x_t to [-1, 1] (its coefficients on 0/1 inputs are right)', async () => {
    const r = await runDoctor({ addNoise: (a) => tf.tidy(() => tf.clipByValue(ref.addNoise!(a), -1, 1)) as tf.Tensor4D });
    assertFinding(r, 'forward.moments', 'error', /std/);
    assert.ok(r.passed.includes('forward.signal-coefficient') && r.passed.includes('forward.noise-coefficient'));
  });

  it('sampler.posterior-variance catches a noise std that is the variance (sqrt missing), measured from own draws too', async () => {
    let draws = 0;
    const r = await runDoctor({
      step: (a) => tf.tidy(() => {
        const mean = ref.step!({ ...a, noise: tf.zerosLike(a.noise) });
        if (a.tPrev < 0) return mean;
        const ab = a.alphasCumprod[a.t], abPrev = a.alphasCumprod[a.tPrev];
        const variance = a.eta ** 2 * ((1 - abPrev) / (1 - ab)) * (1 - ab / abPrev);
        return tf.add(mean, tf.mul(tf.randomNormal(a.x.shape, 0, 1, 'float32', 1 + draws++), variance));
      }) as tf.Tensor4D,
    });
    assertFinding(r, 'sampler.posterior-variance', 'error', /square root is missing/);
  });

  it('sampler.oracle-recovery fails a step that shrinks its predicted x0 by 10% (the coefficients say so too)', async () => {
    const r = await runDoctor({ step: (a) => tf.tidy(() => (a.tPrev < 0 ? tf.mul(ref.step!(a), 0.9) : ref.step!(a))) as tf.Tensor4D });
    assertFinding(r, 'sampler.oracle-recovery', 'error', /mean|std/);
    assertFinding(r, 'sampler.final-step', 'error');
  });

  it('model.depends-on-cond catches a class-conditional model whose embedding never reaches the output', async () => {
    const correct = await load('ddpm-correct');
    const r = await runDoctor({
      createModel: (a) => {
        const m = correct.createModel!(a);
        return { ...m, predict: (x, t, _cond) => m.predict(x, t) };
      },
    });
    assertFinding(r, 'model.depends-on-cond', 'error', /same output for class 0 and class 1/);
    const fine = await runDoctor({ createModel: correct.createModel });
    assert.ok(fine.passed.includes('model.depends-on-cond'));
  });

  it('a throwing export becomes a <group>.threw finding and the other groups still run', async () => {
    const r = await runDoctor({ timesteps: () => { throw new Error('boom'); }, betas: ref.betas });
    assertFinding(r, 'timesteps.threw', 'error', /boom/);
    assert.ok(r.passed.includes('schedule.monotonic'));
  });
});
