/**
 * timesteps.*: the user's timesteps({ numTrainSteps, numSteps }), asked for several step counts because
 * rounding bugs (duplicates, an entry of T) show only for counts that do not divide T.
 * timesteps.step-consistency (does `step` read tPrev from this list?) lives with the step probes (step.ts).
 */
import { type DoctorContext, fmt } from './results';
import type { Finding } from './types';

const SHOW = 60;
const show = (list: readonly unknown[]) => `[${list.slice(0, SHOW).join(', ')}${list.length > SHOW ? `, … (${list.length})` : ''}]`;

/** Returns the list for the doctor's step count when it is usable, else undefined. */
export function checkTimesteps(ctx: DoctorContext): number[] | undefined {
  const { impl, results, settings } = ctx;
  const T = settings.T;
  if (!impl.timesteps) {
    for (const id of ['timesteps.type', 'timesteps.range', 'timesteps.descending', 'timesteps.duplicates', 'timesteps.count', 'timesteps.coverage'] as const) results.skip(id, 'no timesteps export: the reference trailing spacing is used.');
    return undefined;
  }
  const counts = [...new Set([settings.steps, 37, T].filter((n) => n >= 1 && n <= T))];
  let usable: number[] | undefined;
  const problems = new Map<string, Omit<Finding, 'check'>>();
  const once = (id: string, f: Omit<Finding, 'check'>) => void (problems.has(id) || problems.set(id, f));
  for (const N of counts) {
    const raw = impl.timesteps({ numTrainSteps: T, numSteps: N }) as unknown;
    const call = `timesteps({ numTrainSteps: ${T}, numSteps: ${N} })`;
    const list = Array.isArray(raw) || ArrayBuffer.isView(raw) ? Array.from(raw as ArrayLike<unknown>) : undefined;
    if (!list || list.length === 0 || !list.every((t) => typeof t === 'number' && Number.isInteger(t))) {
      once('timesteps.type', {
        severity: 'error', export: 'timesteps',
        message: `${call} returned ${list ? show(list) : typeof raw}: a timestep list is a non-empty array of integers.`,
        expected: 'a non-empty array of integers', measured: list ? show(list) : typeof raw, evidence: { values: { numSteps: N } },
        fix: 'return whole numbers (round, as numpy does, then cast): the tables are indexed by t.',
      });
      continue;
    }
    const ts = list as number[];
    const out = ts.findIndex((t) => t < 0 || t >= T);
    if (out >= 0) {
      once('timesteps.range', {
        severity: 'error', export: 'timesteps',
        message: `${call} contains ${ts[out]} (entry ${out}), outside 0..${T - 1}: t indexes alphasCumprod, which has T = ${T} entries.`,
        expected: `every t in 0..${T - 1}`, measured: `t = ${ts[out]} at entry ${out}`, evidence: { values: { numSteps: N, list: ts.slice(0, SHOW) } },
        fix: `the noisiest timestep is T - 1 = ${T - 1} (e.g. trailing spacing: round(T - i * T / N) - 1).`,
      });
    }
    const up = ts.findIndex((t, i) => i > 0 && t > ts[i - 1]);
    if (up >= 0) {
      const ascending = ts.every((t, i) => i === 0 || t >= ts[i - 1]);
      once('timesteps.descending', {
        severity: 'error', export: 'timesteps',
        message: ascending
          ? `${call} is ascending: ${show(ts)}. Sampling starts from pure noise at the noisiest timestep and walks down to 0; an ascending list starts at the clean end.`
          : `${call} goes up at entry ${up} (${ts[up - 1]} then ${ts[up]}): ${show(ts)}.`,
        expected: 'strictly descending, from the noisiest timestep down', measured: show(ts), evidence: { values: { numSteps: N, list: ts.slice(0, SHOW) } },
        fix: ascending ? 'reverse the list (diffusers: timesteps[::-1]).' : 'sort the list in descending order.',
      });
    }
    const dup = ts.findIndex((t, i) => ts.indexOf(t) !== i);
    if (dup >= 0) {
      once('timesteps.duplicates', {
        severity: 'error', export: 'timesteps',
        message: `${call} repeats t = ${ts[dup]} (entries ${ts.indexOf(ts[dup])} and ${dup}): a step from t to the same t changes nothing in DDIM but adds noise again in DDPM.`,
        expected: 'no repeated timestep', measured: `t = ${ts[dup]} twice`, evidence: { values: { numSteps: N, list: ts.slice(0, SHOW) } },
        fix: 'round once and deduplicate, or use integer strides (leading: i * (T // N); trailing: round(T - i * T / N) - 1).',
      });
    }
    if (out >= 0 || up >= 0 || dup >= 0) continue;
    if (ts.length !== N) {
      once('timesteps.count', {
        severity: 'warning', export: 'timesteps',
        message: `${call} returned ${ts.length} timesteps; ${N} steps were asked for.`,
        expected: `${N} entries`, measured: `${ts.length} entries`, evidence: { values: { numSteps: N, list: ts.slice(0, SHOW) } },
        fix: 'return exactly numSteps timesteps, so a step count chosen in the UI means what it says.',
      });
    }
    // One stride of slack at each end: leading spacing starts at T - T/N, trailing ends at T/N - 1.
    const stride = Math.ceil(T / ts.length);
    const first = ts[0];
    const last = ts[ts.length - 1];
    if (first < T - stride || last >= stride) {
      once('timesteps.coverage', {
        severity: 'warning', export: 'timesteps',
        message: first < T - stride
          ? `${call} starts at t = ${first}, more than one stride (${stride}) below T - 1 = ${T - 1}: x_T is drawn as pure noise but treated as x_${first}, which still holds sqrt(alphaBar) = ${fmt(ctx.tables.sqrtAlphasCumprod[Math.min(first, T - 1)])} of the image (Lin et al. 2023, table 2).`
          : `${call} ends at t = ${last}, at least a stride (${stride}) above 0: the last denoising steps are skipped.`,
        expected: `first >= ${T - stride}, last < ${stride}`, measured: `first ${first}, last ${last}`, evidence: { values: { numSteps: N, list: ts.slice(0, SHOW) } },
        fix: 'use trailing spacing (start at T - 1) or linspace (T - 1 down to 0).',
      });
    }
    if (N === settings.steps) usable = ts;
  }
  for (const id of ['timesteps.type', 'timesteps.range', 'timesteps.descending', 'timesteps.duplicates', 'timesteps.count', 'timesteps.coverage'] as const) results.record(id, problems.get(id));
  const fatal = ['timesteps.type', 'timesteps.range', 'timesteps.descending', 'timesteps.duplicates'].some((id) => problems.has(id));
  return fatal ? undefined : usable;
}
