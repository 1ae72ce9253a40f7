/** Diffusion: Show Training Dashboard — live while the run trains here, otherwise its recorded history. */
import type { Services } from '../services';
import type { CommandResult } from './result';
import { resolveRun } from './runArg';

const NAME = 'Diffusion: Show Training Dashboard';

export async function dashboardCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const run = await resolveRun(s, NAME, arg, () => true, '');
  if (!run?.manifest) return { status: 'dismissed' };
  const live = s.jobs.training(run.dir) !== undefined;
  const dashboard = s.dashboards.open(run.dir, s.settings().runsFolder, run.manifest);
  if (!live) dashboard.panel?.setStatus(run.manifest.status, `${run.manifest.status} at step ${run.manifest.step} of ${run.manifest.training.steps} (recorded history)`);
  return { status: 'completed', runDir: run.dir };
}
