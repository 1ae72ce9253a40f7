/**
 * Runs every check on whatever the module exports, in dependency order: the schedule first (the tables
 * every later check reads), then addNoise, the timestep list, the step (which needs both), sampling with the
 * exact oracle, and the model. A check that throws becomes a `<group>.threw` finding; the others still run.
 */
import { diffusionTables } from '../diffusion';
import { DlensError, assertInteger } from '../errors';
import { makeBetas } from '../schedules';
import { inferenceTimesteps } from '../timesteps';
import type { Implementation } from '../user/types';
import { checkForward } from './forward';
import { checkModel } from './model';
import { checkRecovery } from './recovery';
import { type DoctorContext, Results } from './results';
import { checkStep } from './sampler';
import { checkSchedule } from './schedule';
import { checkTimesteps } from './timesteps';
import type { CheckGroup, DoctorReport, DoctorSettings } from './types';

export interface DoctorOptions {
  /** training timesteps handed to betas(T); default 1000 */
  T?: number;
  /** sampling steps handed to timesteps(); default 50 */
  steps?: number;
  seed?: number;
  /** called as each group starts, for progress */
  onGroup?: (group: CheckGroup) => void;
}

export async function runDoctor(impl: Implementation, options: DoctorOptions = {}): Promise<DoctorReport> {
  const settings: DoctorSettings = { T: options.T ?? 1000, steps: options.steps ?? 50, seed: options.seed ?? 0 };
  assertInteger('T (training timesteps)', settings.T, 2);
  assertInteger('seed', settings.seed, 0);
  if (!Number.isInteger(settings.steps) || settings.steps < 2 || settings.steps > settings.T) {
    throw new DlensError('bad-steps', `The doctor cannot check ${settings.steps} sampling steps with T = ${settings.T}.`, `choose --steps from 2 to ${settings.T}.`);
  }
  const results = new Results();
  const reference = makeBetas('linear', settings.T);
  const ctx: DoctorContext = { impl, settings, results, tables: diffusionTables(reference), timesteps: inferenceTimesteps('trailing', settings.T, settings.steps) };

  const guard = async (group: CheckGroup, fn: () => Promise<void> | void) => {
    options.onGroup?.(group);
    try {
      await fn();
    } catch (err) {
      const e = err as Error;
      results.find({
        check: `${group}.threw`, severity: 'error', export: exportOf(group),
        message: `Your ${exportOf(group)} threw while the ${group}.* checks ran it: ${e?.message ?? String(err)}`,
        expected: 'no exception', measured: e?.name ?? 'exception', evidence: { values: { stack: String(e?.stack ?? '').split('\n').slice(0, 8).join('\n') } },
        fix: e instanceof DlensError && e.fix ? e.fix : 'run the function on the arguments in the message; the stack points at the line.',
      });
    }
  };

  await guard('schedule', () => {
    const betas = checkSchedule(ctx);
    if (betas) ctx.tables = diffusionTables(betas);
    else if (impl.betas) results.notes.push('Your schedule has errors, so the other checks used the reference linear schedule (1e-4 to 0.02).');
  });
  await guard('forward', () => checkForward(ctx));
  await guard('timesteps', () => {
    const list = checkTimesteps(ctx);
    if (list) ctx.timesteps = list;
    else if (impl.timesteps) results.notes.push(`Your timesteps have errors, so the sampler checks used the reference trailing list for ${settings.steps} steps.`);
  });
  let ddim = true;
  await guard('sampler', async () => {
    ddim = (await checkStep(ctx)).ddim;
    await checkRecovery(ctx, ddim || !impl.step);
  });
  await guard('model', () => checkModel(ctx));
  return results.report(settings);
}

function exportOf(group: CheckGroup) {
  return ({ schedule: 'betas', forward: 'addNoise', timesteps: 'timesteps', sampler: 'step', model: 'createModel' } as const)[group];
}
