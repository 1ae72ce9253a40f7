/**
 * sampler.* (and timesteps.step-consistency): the user's step, read as coefficients by StepProbe and
 * compared with the reference update for the same inputs: ddimStep(eta) (eta = 1 is DDPM's posterior mean,
 * Song et al. 2021 sec. 4.1), noise of std ddimSigma(eta) (for eta = 1 the posterior variance), no noise after the last step.
 */
import { ddimSigma } from '../samplers/ddim';
import { type DoctorContext, fmt } from './results';
import { alphaBarAt } from './schedule';
import { type Coefficients, type StepReading, StepProbe, StepShapeError, coefficientsFor, coefficientsMatch, diagnose, fixedStride, referenceCoefficients } from './stepProbe';
import { Z_BOUND, coefficientTolerance } from './stats';
import type { Finding } from './types';

/** c0 x0 + c1 eps, with the sign where it belongs */
const affine = (c: Coefficients) => `${fmt(c.c0)} x0 ${c.c1 < 0 ? '-' : '+'} ${fmt(Math.abs(c.c1))} eps`;

type Pair = [number, number];

const STEP_IDS = ['sampler.output-shape', 'sampler.reference-update', 'sampler.eta', 'timesteps.step-consistency', 'sampler.final-step', 'sampler.final-alpha', 'sampler.final-noise', 'sampler.noise-argument', 'sampler.posterior-variance'] as const;

export interface StepVerdict {
  /** the step follows eta (false: a DDPM-only step that ignores it, or one too broken to tell) */
  ddim: boolean;
}

/** Which timestep pairs the probes use: one-step pairs across the schedule, the pairs of the list in use, odd gaps. */
function pairs(ctx: DoctorContext): { consecutive: Pair[]; gapped: Pair[]; finals: Pair[] } {
  const T = ctx.settings.T;
  const L = ctx.timesteps;
  const consecutive = [...new Set([1, 2, 5, 20, 100, 250, 500, 750, 900, T - 1].filter((t) => t >= 1 && t < T))].map((t): Pair => [t, t - 1]);
  const fromList: Pair[] = [];
  const picks = Math.min(8, L.length - 1);
  for (let j = 0; j < picks; j++) {
    const i = Math.round((j * (L.length - 2)) / Math.max(1, picks - 1));
    fromList.push([L[i], L[i + 1]]);
  }
  // Gaps no sensible fixed stride equals, so a step that computes tPrev itself is caught whatever its stride.
  const odd: Pair[] = ([[T - 1, 7], [Math.round(0.6 * T), 33], [Math.round(0.3 * T), 121]] as Pair[]).map(([t, k]): Pair => [t, t - k]).filter(([, p]) => p >= 0);
  const key = (p: Pair) => p.join();
  const seen = new Set(consecutive.map(key));
  const gapped = [...fromList, ...odd].filter((p) => p[0] - p[1] > 1 && !seen.has(key(p)) && (seen.add(key(p)), true));
  const finals = [...new Set([0, L[L.length - 1], Math.min(T - 1, Math.ceil(T / 50) - 1)])].map((t): Pair => [t, -1]);
  return { consecutive, gapped, finals };
}

export async function checkStep(ctx: DoctorContext): Promise<StepVerdict> {
  const { results } = ctx;
  if (!ctx.impl.step) {
    for (const id of STEP_IDS) results.skip(id, 'no step export: the reference DDPM/DDIM update is used.');
    return { ddim: true };
  }
  const probe = new StepProbe(ctx);
  try {
    return await runStepChecks(ctx, probe);
  } catch (err) {
    if (!(err instanceof StepShapeError)) throw err;
    results.find({
      check: 'sampler.output-shape', severity: 'error', export: 'step',
      message: `step returned ${err.measured} at t = ${err.t}, tPrev = ${err.tPrev} for x of shape [16,16,16,1] (float32).`,
      expected: 'a float32 tensor of the shape of x', measured: err.measured, evidence: { values: { t: err.t, tPrev: err.tPrev } },
      fix: 'return x_prev as a tensor of x\'s shape (an elementwise update of x, eps and noise).',
    });
    return { ddim: false };
  } finally {
    probe.dispose();
  }
}

async function runStepChecks(ctx: DoctorContext, probe: StepProbe): Promise<StepVerdict> {
  const { results } = ctx;
  const { consecutive, gapped, finals } = pairs(ctx);
  const readAll = (ps: Pair[], eta: number) => Promise.all(ps.map(([t, p]) => probe.read(t, p, eta)));
  const ddpmOne = await readAll(consecutive, 1);
  const ddpmGap = await readAll(gapped, 1);
  results.pass('sampler.output-shape');
  const bad = (rs: StepReading[]) => rs.filter((r) => !coefficientsMatch(ctx, r, referenceCoefficients(ctx, r.t, r.tPrev, r.eta)));
  const badOne = bad(ddpmOne);
  const badGap = bad(ddpmGap);
  const updateOk = badOne.length === 0 && badGap.length === 0;
  let stride: number | undefined;
  if (updateOk) {
    results.pass('sampler.reference-update');
    results.pass('timesteps.step-consistency');
  } else {
    stride = fixedStride(ctx, [...ddpmOne, ...ddpmGap]);
    if (stride !== undefined || badOne.length === 0) {
      results.find({ check: 'timesteps.step-consistency', ...consistencyFinding(ctx, [...badGap, ...badOne].sort((a, b) => b.t - a.t)[0], stride, [...ddpmOne, ...ddpmGap]) });
      results.skip('sampler.reference-update', 'see timesteps.step-consistency: the update is right for the previous timestep the step assumes.');
    } else {
      results.find({ check: 'sampler.reference-update', ...updateFinding(ctx, ddpmOne, badOne[0], 1) });
      results.skip('timesteps.step-consistency', 'the update itself differs from the reference (sampler.reference-update).');
    }
  }

  // eta = 0 must be DDIM's deterministic update, unless the step ignores eta altogether (a DDPM-only step).
  const ddimOne = await readAll(consecutive, 0);
  const ddimGap = await readAll(gapped, 0);
  const ignoresEta = [...ddimOne, ...ddimGap].every((r, k) => {
    const same = [...ddpmOne, ...ddpmGap][k];
    // Same coefficients up to rounding, or up to Z_BOUND joint standard errors for a step drawing its own noise.
    const close = (a: number, b: number, seA: number, seB: number) => Math.abs(a - b) <= 1e-6 * (1 + Math.abs(b)) + Z_BOUND * Math.hypot(seA, seB);
    return r.finite && same.finite && close(r.c0, same.c0, r.se0, same.se0) && close(r.c1, same.c1, r.se1, same.se1);
  });
  let ddim = false;
  if (ignoresEta) {
    results.notes.push('Your step ignores eta (a DDPM-only step): the DDIM (eta = 0) checks were skipped.');
    results.pass('sampler.eta');
  } else if (bad([...ddimOne, ...ddimGap]).length === 0) {
    ddim = true;
    results.pass('sampler.eta');
  } else if (updateOk) {
    const first = bad([...ddimOne, ...ddimGap])[0];
    results.find({ check: 'sampler.eta', ...updateFinding(ctx, ddimOne, first, 0) });
  } else {
    results.skip('sampler.eta', 'the eta = 1 update already differs from the reference (see the finding above).');
  }

  await finalChecks(ctx, probe, finals, stride);
  if (results.has('timesteps.step-consistency')) results.skip('sampler.posterior-variance', 'the step steps to another timestep than tPrev (timesteps.step-consistency), so its noise is for that timestep.');
  else await varianceCheck(ctx, probe, [...consecutive, ...gapped], ddim);
  return { ddim };
}

/** The previous timestep a reading's update lands on (-1 = the end): the best fit of all, null when none fits. */
function assumedPrevious(ctx: DoctorContext, r: StepReading): number | null {
  const ab = alphaBarAt(ctx.tables, r.t);
  let best: { p: number; err: number } | undefined;
  for (let p = r.t - 1; p >= -1; p--) {
    const c = coefficientsFor(ab, ab, alphaBarAt(ctx.tables, p), r.eta);
    const err = Math.abs(r.c0 - c.c0) + Math.abs(r.c1 - c.c1);
    if (coefficientsMatch(ctx, r, c, 8) && (!best || err < best.err)) best = { p, err };
  }
  return best ? best.p : null;
}

function consistencyFinding(ctx: DoctorContext, r: StepReading, stride: number | undefined, readings: StepReading[]): Omit<Finding, 'check'> {
  const want = referenceCoefficients(ctx, r.t, r.tPrev, 1);
  const sorted = [...readings].sort((a, b) => a.t - b.t || a.tPrev - b.tPrev);
  const assumed = stride === undefined ? undefined : stride === 1 ? 'tPrev = t - 1 (every timestep, as in DDPM\'s Algorithm 2)' : `tPrev = t - ${stride} (a fixed stride, like T // numSteps)`;
  return {
    severity: 'error', export: 'step',
    message: `Stepping from t = ${r.t} to tPrev = ${r.tPrev}, your step ${assumed ? `behaves as if ${assumed}` : 'matches the reference only when tPrev = t - 1'}: it does not use the tPrev it is given. With any other timestep list (fewer steps, other spacing, img2img) every step lands at the wrong noise level. This is the diffusers bug of computing prev_timestep by a fixed stride instead of reading it from the list.`,
    expected: `x_prev = ${affine(want)} for t = ${r.t} -> ${r.tPrev}`, measured: `${affine(r)}`,
    evidence: {
      values: { t: r.t, tPrev: r.tPrev, ...(stride !== undefined ? { assumedStride: stride } : {}) },
      plot: {
        title: 'Previous timestep: given vs where your step lands', xLabel: 't', yLabel: 'tPrev', x: sorted.map((c) => c.t),
        series: [{ label: 'tPrev given', values: sorted.map((c) => c.tPrev) }, { label: 'tPrev your step assumes', values: sorted.map((c) => assumedPrevious(ctx, c)) }],
      },
    },
    fix: 'read alphaBar_prev as tPrev >= 0 ? alphasCumprod[tPrev] : 1, and use the pair\'s own alpha = alphaBar_t / alphaBar_prev (not alphas[t] or betas[t]) in the DDPM update.',
  };
}

function updateFinding(ctx: DoctorContext, curve: StepReading[], r: StepReading, eta: number): Omit<Finding, 'check'> {
  const want = referenceCoefficients(ctx, r.t, r.tPrev, eta);
  const diagnosis = r.finite ? diagnose(ctx, curve.filter((c) => c.finite)) : undefined;
  const style = eta === 1 ? 'DDPM-style, eta = 1: the posterior mean' : 'DDIM, eta = 0';
  const expected = curve.map((c) => referenceCoefficients(ctx, c.t, c.tPrev, eta));
  return {
    severity: 'error', export: 'step',
    message: `With the noise set to zero, your step from t = ${r.t} to tPrev = ${r.tPrev} (${style}) gives ${r.finite ? `${affine(r)}` : 'non-finite values'}; the reference update gives ${affine(want)} (x_t built from a known x0 and eps).${diagnosis ? ` ${diagnosis}` : ''}`,
    expected: `${affine(want)}`, measured: r.finite ? `${affine(r)}` : 'NaN or Infinity',
    evidence: {
      values: { t: r.t, tPrev: r.tPrev, eta, ...(diagnosis ? { diagnosis } : {}) },
      plot: {
        title: `Step coefficients, t -> t - 1, eta = ${eta}`, xLabel: 't', yLabel: 'coefficient', x: curve.map((c) => c.t),
        series: [
          { label: 'measured on x0', values: curve.map((c) => (c.finite ? c.c0 : null)) }, { label: 'reference on x0', values: expected.map((e) => e.c0) },
          { label: 'measured on eps', values: curve.map((c) => (c.finite ? c.c1 : null)) }, { label: 'reference on eps', values: expected.map((e) => e.c1) },
        ],
      },
    },
    fix: 'x0 = (x - sqrt(1 - ab) eps) / sqrt(ab); x_prev = sqrt(abPrev) x0 + sqrt(1 - abPrev - sigma^2) eps + sigma noise, with ab = alphasCumprod[t], abPrev = tPrev >= 0 ? alphasCumprod[tPrev] : 1, sigma = eta sqrt((1 - abPrev) / (1 - ab)) sqrt(1 - ab / abPrev) (Song et al. 2021, eq. 12).',
  };
}

async function finalChecks(ctx: DoctorContext, probe: StepProbe, finals: Pair[], stride: number | undefined): Promise<void> {
  const { results } = ctx;
  const readings = await Promise.all(finals.map(([t]) => probe.read(t, -1, 1)));
  const wrong = readings.filter((r) => !coefficientsMatch(ctx, r, { c0: 1, c1: 0 }));
  // diffusers' set_alpha_to_one = False: the last step goes to alphasCumprod[0] instead of 1.
  // (deterministic, or with DDIM's eta = 1 direction term: both are seen in the wild)
  const toFirst = wrong.length > 0 && wrong.every((r) => [0, 1].some((eta) => coefficientsMatch(ctx, r, coefficientsFor(alphaBarAt(ctx.tables, r.t), alphaBarAt(ctx.tables, r.t), ctx.tables.alphasCumprod[0], eta), 8)));
  // A step that ignores tPrev (timesteps.step-consistency) goes to t - stride here too: not a separate bug.
  const explained = stride !== undefined && wrong.every((r) => coefficientsMatch(ctx, r, coefficientsFor(alphaBarAt(ctx.tables, r.t), alphaBarAt(ctx.tables, r.t), alphaBarAt(ctx.tables, r.t - stride), 1), 8));
  const r = wrong[0];
  if (explained) {
    results.skip('sampler.final-step', 'see timesteps.step-consistency: the last step goes to t - stride, as every step does.');
    results.pass('sampler.final-alpha');
  } else if (!r) {
    results.pass('sampler.final-step');
    results.pass('sampler.final-alpha');
  } else if (toFirst) {
    results.pass('sampler.final-step');
    results.find({
      check: 'sampler.final-alpha', severity: 'warning', export: 'step',
      message: `After the last step (t = ${r.t} -> tPrev = -1) your step returns ${affine(r)}: it steps to alphasCumprod[0] = ${fmt(ctx.tables.alphasCumprod[0])} instead of alphaBar = 1, so the sample keeps sqrt(1 - alphasCumprod[0]) = ${fmt(Math.sqrt(1 - ctx.tables.alphasCumprod[0]))} of noise (diffusers' set_alpha_to_one = False).`,
      expected: '1 x0 + 0 eps (the predicted x0)', measured: `${affine(r)}`, evidence: { values: { t: r.t, alphasCumprod0: ctx.tables.alphasCumprod[0] } },
      fix: 'use alphaBar_prev = 1 when tPrev = -1 (set_alpha_to_one = True): the last step returns the predicted x0.',
    });
  } else {
    // One or two readings fit too many hypotheses to name one.
    const diagnosis = wrong.length >= 2 && wrong.every((w) => w.finite) ? diagnose(ctx, wrong) : undefined;
    results.pass('sampler.final-alpha');
    results.find({
      check: 'sampler.final-step', severity: 'error', export: 'step',
      message: r.finite
        ? `The last step (t = ${r.t} -> tPrev = -1) returns ${affine(r)}; after the last step alphaBar_prev = 1, so the update returns the predicted x0.${diagnosis ? ` ${diagnosis}` : ''}`
        : `The last step (t = ${r.t} -> tPrev = -1) returns NaN or Infinity: alphasCumprod[-1] is undefined in JavaScript (NaN in arithmetic).`,
      expected: '1 x0 + 0 eps (the predicted x0)', measured: r.finite ? `${affine(r)}` : 'NaN or Infinity', evidence: { values: { t: r.t, tPrev: -1 } },
      fix: 'read alphaBar_prev as tPrev >= 0 ? alphasCumprod[tPrev] : 1.',
    });
  }
  const noisy: { t: number; sigma: number }[] = [];
  for (const [t] of finals) {
    const { sigma } = await probe.sigma(t, -1, 1);
    if (!(Math.abs(sigma) <= coefficientTolerance(ctx.settings.T, alphaBarAt(ctx.tables, t)))) noisy.push({ t, sigma });
  }
  results.record('sampler.final-noise', noisy.length === 0 ? undefined : {
    severity: 'error', export: 'step',
    message: `The last step (t = ${noisy[0].t} -> tPrev = -1) adds noise of std ${fmt(Math.abs(noisy[0].sigma))}. The output of the last step is the sample itself: noise added there stays in every image (Ho et al. Algorithm 2: z = 0 when t = 1).`,
    expected: 'no noise when tPrev = -1', measured: `noise std ${fmt(Math.abs(noisy[0].sigma))}`, evidence: { values: { t: noisy[0].t, noiseStd: Math.abs(noisy[0].sigma) } },
    fix: 'add sigma * noise only when tPrev >= 0.',
  });
}

/**
 * Added noise against sigma_ref = ddimSigma(eta) for the pair (for eta = 1 the posterior std sqrt(betaTilde);
 * Ho et al.'s "fixed large" sqrt(beta) of the pair is accepted too). Exact when the step scales the noise it is
 * given (tolerance: float32 rounding); else statistical: the rms of N values of N(0, 2 sigma^2) estimates
 * sqrt(2) sigma with relative standard error 1 / sqrt(2N), so Z_BOUND / sqrt(2N) relative.
 */
async function varianceCheck(ctx: DoctorContext, probe: StepProbe, ps: Pair[], ddim: boolean): Promise<void> {
  const { results } = ctx;
  const etas = ddim ? [1, 0.5, 0] : [1];
  const rows: { t: number; tPrev: number; eta: number; sigma: number; want: number; alt?: number; ok: boolean }[] = [];
  let own = false;
  for (const eta of etas) {
    for (const [t, tPrev] of ps) {
      const ab = alphaBarAt(ctx.tables, t);
      const abPrev = alphaBarAt(ctx.tables, tPrev);
      const want = ddimSigma(eta, ab, abPrev);
      const alt = eta === 1 ? Math.sqrt(1 - ab / abPrev) : undefined;
      const m = await probe.sigma(t, tPrev, eta);
      own ||= m.ownNoise;
      const tol = m.ownNoise ? (Z_BOUND / Math.sqrt(2 * m.n)) * want + coefficientTolerance(ctx.settings.T, ab) : coefficientTolerance(ctx.settings.T, ab) * (1 + want);
      const near = (w: number) => Math.abs(Math.abs(m.sigma) - w) <= (m.ownNoise ? (Z_BOUND / Math.sqrt(2 * m.n)) * w + coefficientTolerance(ctx.settings.T, ab) : tol);
      rows.push({ t, tPrev, eta, sigma: Math.abs(m.sigma), want, alt, ok: Number.isFinite(m.sigma) && (near(want) || (alt !== undefined && near(alt))) });
    }
  }
  results.record('sampler.noise-argument', !own ? undefined : {
    severity: 'warning', export: 'step',
    message: 'Your step gives different results for the same inputs: it draws noise of its own instead of using the `noise` argument. Runs then cannot be replayed from their seed, and the doctor can check the added variance only statistically.',
    expected: 'the same output for the same x, eps and noise', measured: 'a different output on each call', evidence: {},
    fix: 'add sigma * noise (the tensor you are given), not tf.randomNormal(...).',
  });
  const bad = rows.find((r) => !r.ok);
  const curve = rows.filter((r) => r.eta === (bad?.eta ?? 1) && r.tPrev === r.t - 1);
  results.record('sampler.posterior-variance', !bad ? undefined : {
    severity: 'error', export: 'step',
    message: `Stepping from t = ${bad.t} to ${bad.tPrev} with eta = ${bad.eta}, your step adds noise of std ${fmt(bad.sigma)}; ${bad.eta === 1 ? `the posterior q(x_tPrev | x_t, x0) has std ${fmt(bad.want)} (sqrt of betaTilde${bad.alt !== undefined ? `; Ho et al.'s "fixed large" sqrt(beta) = ${fmt(bad.alt)} is accepted too` : ''})` : `DDIM's sigma for eta = ${bad.eta} is ${fmt(bad.want)}`}.${Math.abs(bad.sigma - bad.want * bad.want) < 1e-6 * (1 + bad.want) ? ' Your std equals the variance: the square root is missing.' : ''}`,
    expected: `noise std ${fmt(bad.want)}`, measured: `noise std ${fmt(bad.sigma)}`,
    evidence: {
      values: { t: bad.t, tPrev: bad.tPrev, eta: bad.eta },
      plot: { title: `Noise std added per step, eta = ${bad.eta}`, xLabel: 't', yLabel: 'std', x: curve.map((r) => r.t), series: [{ label: 'measured', values: curve.map((r) => r.sigma) }, { label: 'expected', values: curve.map((r) => r.want) }] },
    },
    fix: 'sigma = eta * sqrt((1 - abPrev) / (1 - ab)) * sqrt(1 - ab / abPrev) (for eta = 1: sqrt(posteriorVariance) of the pair), times the noise argument.',
  });
}
