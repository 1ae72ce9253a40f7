/**
 * schedule.*: the user's betas(T). Everything downstream reads alphaBar_t = prod_{s<=t} (1 - beta_s), so a
 * schedule with errors is replaced by the reference for the later checks (said in the report's notes).
 */
import type { DiffusionTables } from '../diffusion';
import { type DoctorContext, fmt } from './results';

/** One 8-bit grey level of an image in [-1, 1]: signal below it left in x_T is invisible. */
const GREY_LEVEL = 2 / 255;

/** Returns the user's betas when they can stand in the tables, else undefined. */
export function checkSchedule(ctx: DoctorContext): Float64Array | undefined {
  const { impl, results, settings } = ctx;
  const T = settings.T;
  if (!impl.betas) {
    for (const id of ['schedule.length', 'schedule.range', 'schedule.beta-one', 'schedule.monotonic', 'schedule.terminal-snr'] as const) results.skip(id, 'no betas export: the reference linear schedule is used.');
    return undefined;
  }
  const raw = impl.betas(T) as unknown;
  const list = Array.isArray(raw) || ArrayBuffer.isView(raw) ? Array.from(raw as ArrayLike<unknown>) : undefined;
  const bad = list ? list.findIndex((b) => typeof b !== 'number' || !Number.isFinite(b)) : -1;
  if (!list || list.length !== T || bad >= 0) {
    results.find({
      check: 'schedule.length', severity: 'error', export: 'betas',
      message: !list ? `betas(${T}) returned ${typeof raw}, not an array.` : list.length !== T ? `betas(${T}) returned ${list.length} values: the schedule must have one beta per training timestep.` : `betas(${T})[${bad}] is ${String(list[bad])}, not a finite number.`,
      expected: `${T} finite numbers`, measured: !list ? typeof raw : list.length !== T ? `${list.length} values` : `beta[${bad}] = ${String(list[bad])}`,
      evidence: { values: { T, length: list?.length ?? 0 } },
      fix: `return one beta per timestep: an array (or Float64Array) of length T, computed from the T you are given.`,
    });
    return undefined;
  }
  results.pass('schedule.length');
  const betas = Float64Array.from(list as number[]);
  const plot = (title: string, extra: { label: string; values: number[] }[] = []) => ({
    title, xLabel: 't', yLabel: 'beta_t', x: [...betas.keys()], series: [{ label: 'your beta_t', values: Array.from(betas) }, ...extra],
  });

  const outside = betas.findIndex((b) => b <= 0 || b > 1);
  results.record('schedule.range', outside < 0 ? undefined : {
    severity: 'error', export: 'betas',
    message: `beta[${outside}] = ${fmt(betas[outside])} is outside (0, 1): a beta is the variance of the noise one step adds, so it must be positive and below 1.`,
    expected: '0 < beta_t < 1 for every t', measured: `beta[${outside}] = ${fmt(betas[outside])}`,
    evidence: { values: { t: outside, beta: betas[outside] }, plot: plot('Your schedule') },
    fix: 'check the schedule formula (a sign, a swapped start/end, a missing division); DDPM uses linspace(1e-4, 0.02, T).',
  });

  // 1 - 1e-9: in float64, alphaBar then collapses to (at most) 1e-9 times what it was: pure noise with no way back.
  const one = betas.findIndex((b) => b >= 1 - 1e-9 && b <= 1);
  results.record('schedule.beta-one', one < 0 ? undefined : {
    severity: 'error', export: 'betas',
    message: `beta[${one}] = ${fmt(betas[one])} reaches 1, so alpha_t = 1 - beta_t = 0: from t = ${one} on alphaBar = 0, the reverse step divides by sqrt(alpha_t), and an epsilon-prediction model cannot give x0 = (x_t - sqrt(1 - alphaBar) eps) / sqrt(alphaBar) (a division by 0). This is the unclipped cosine schedule's last step.`,
    expected: 'every beta_t <= 0.999', measured: `beta[${one}] = ${fmt(betas[one])}`,
    evidence: { values: { t: one, beta: betas[one] }, plot: plot('Your schedule') },
    fix: 'clip the betas: Math.min(beta, 0.999) (Nichol & Dhariwal 2021, as diffusers\' betas_for_alpha_bar does); if you want zero terminal SNR on purpose, train with v-prediction (Lin et al. 2023).',
  });
  if (outside >= 0 || one >= 0) return undefined;

  // Allow float64 rounding of a formula that is monotonic on paper.
  const drop = betas.findIndex((b, t) => t > 0 && b < betas[t - 1] - 1e-12 * Math.max(1, betas[t - 1]));
  const reversed = betas[T - 1] < betas[0];
  results.record('schedule.monotonic', drop < 0 ? undefined : {
    severity: 'warning', export: 'betas',
    message: reversed
      ? `Your betas fall from ${fmt(betas[0])} at t = 0 to ${fmt(betas[T - 1])} at t = ${T - 1}: the schedule runs backwards (most noise added first, the last steps nearly noiseless).`
      : `beta decreases at t = ${drop} (${fmt(betas[drop - 1])} then ${fmt(betas[drop])}); every published schedule adds more noise per step as t grows.`,
    expected: 'beta_t non-decreasing in t', measured: `beta[${drop - 1}] = ${fmt(betas[drop - 1])} > beta[${drop}] = ${fmt(betas[drop])}`,
    evidence: { values: { t: drop }, plot: plot('Your schedule') },
    fix: reversed ? 'reverse the array (beta_0 is the first, smallest noising step).' : 'check the formula near that t; if the dip is intended, ignore this warning.',
  });

  let alphaBarT = 1;
  for (const b of betas) alphaBarT *= 1 - b;
  // What x_T keeps of the image (sqrt(alphaBar_T)) versus the noise it holds (sqrt(1 - alphaBar_T)):
  // sampling starts from pure N(0, I), so the kept share is a train/test mismatch (Lin et al. 2023).
  const signal = Math.sqrt(alphaBarT);
  const noise = Math.sqrt(1 - alphaBarT);
  const tooMuch = signal > noise;
  results.record('schedule.terminal-snr', signal <= GREY_LEVEL ? undefined : {
    severity: tooMuch ? 'error' : 'warning', export: 'betas',
    message: `At t = ${T - 1}, x_T still holds sqrt(alphaBar_T) = ${fmt(signal)} of the image (terminal SNR ${fmt(alphaBarT / (1 - alphaBarT))}), but sampling starts from pure noise. ${tooMuch ? 'The image dominates x_T: samples from N(0, I) start far from anything the model saw in training.' : 'The model learns to keep the low frequencies (mean brightness) it sees in x_T, which pure noise lacks: samples come out with medium brightness only (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed").'}`,
    expected: `sqrt(alphaBar_T) <= ${fmt(GREY_LEVEL)} (less than one 8-bit grey level of signal)`, measured: `sqrt(alphaBar_T) = ${fmt(signal)}`,
    evidence: { values: { alphaBarT, sqrtAlphaBarT: signal, terminalSnr: alphaBarT / (1 - alphaBarT) } },
    fix: 'use more or larger betas (DDPM linear 1e-4..0.02 with T = 1000 leaves 0.0064), or rescale to zero terminal SNR and train with v-prediction (Lin et al. 2023, Algorithm 1).',
  });
  return betas;
}

/** alphaBar_t for t = -1 .. T: 1 before the first step, clamped past the end (used by the diagnoses). */
export function alphaBarAt(tables: DiffusionTables, t: number): number {
  if (t < 0) return 1;
  return tables.alphasCumprod[Math.min(t, tables.T - 1)];
}
