/** Stop Run, Resume Training and Delete Run: the Runs view's actions, also in the command palette. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type TrainJob, parseJob } from '../../engine/protocol';
import type { Services } from '../services';
import { CommandArgError, isArgObject, parseArgs } from './args';
import { jobImplementation } from './implementation';
import type { CommandResult } from './result';
import { requireRunDir, resolveRun, runDirOf } from './runArg';
import { runTraining } from './train';

export async function stopRunCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const NAME = 'Diffusion: Stop Run';
  const dir = runDirOf(NAME, arg, s.settings().runsFolder);
  let jobs = dir ? s.jobs.forRun(dir) : s.jobs.list();
  if (!dir && jobs.length > 1) {
    const picked = await vscode.window.showQuickPick(jobs.map((j) => ({ label: `${j.spec.kind} ${path.basename(j.dir)}`, description: j.progress ? `step ${j.progress.step}/${j.progress.steps}` : undefined, job: j })), { title: NAME, canPickMany: true, ignoreFocusOut: true });
    if (!picked?.length) return { status: 'dismissed' };
    jobs = picked.map((p) => p.job);
  }
  if (!jobs.length) {
    s.log.info(dir ? `nothing of ${path.basename(dir)} is running in this window.` : 'nothing is running.');
    return { status: 'completed', runDir: dir };
  }
  for (const j of jobs) j.cancel();
  const results = await Promise.all(jobs.map((j) => j.done));
  return { status: results.every((r) => r.status !== 'failed') ? 'cancelled' : 'failed', runDir: dir, stopMs: Math.max(...results.map((r) => r.stopMs ?? 0)), step: results[0]?.step };
}

export async function resumeCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const NAME = 'Diffusion: Resume Training';
  const a = isArgObject(arg) && !('kind' in arg) ? parseArgs(NAME, arg, { runDir: { type: 'path' }, steps: { type: 'int', min: 1 }, hangTimeoutMs: { type: 'int', min: 1000 } } as const) : undefined;
  const resumable = (r: { state: string; dir: string }) => r.state !== 'corrupt' && r.state !== 'partial' && !s.jobs.training(r.dir);
  const run = await resolveRun(s, NAME, a ? requireRunDir(NAME, a.runDir) : arg, resumable, 'it is training already');
  if (!run?.manifest) return { status: 'dismissed' };
  const m = run.manifest;
  if (!a && m.status === 'running') {
    // Marked running but not by this window: VS Code closed mid-run, or another process (dlens train) is on it.
    const go = await vscode.window.showWarningMessage(`${run.name} is marked running, but not by this window. If another process is still training it, both would write the same folder.`, { modal: true }, 'Resume');
    if (go !== 'Resume') return { status: 'dismissed' };
  }
  let steps = a?.steps;
  if (steps === undefined && m.step < m.training.steps) steps = m.training.steps;
  else if (steps === undefined && a) throw new CommandArgError(NAME, `${run.name} already has all ${m.training.steps} steps.`, `pass steps: a total above ${m.training.steps}.`);
  else if (steps === undefined) {
    // A finished run can only be extended: ask for the new total.
    const text = await vscode.window.showInputBox({
      title: NAME, prompt: `New total of steps (the run has ${m.step})`, value: String(m.step * 2), ignoreFocusOut: true,
      validateInput: (v) => (Number.isInteger(Number(v)) && Number(v) > m.step ? undefined : `Enter a whole number above ${m.step}.`),
    });
    if (text === undefined) return { status: 'dismissed' };
    steps = Number(text);
  }
  const t = m.training;
  const job = parseJob({
    kind: 'train', backend: s.settings().backend, runDir: run.dir, resume: true, dataset: m.dataset.spec, imageSize: m.dataset.imageSize,
    preset: m.preset, cond: m.model.cond, schedule: m.schedule.name, T: m.schedule.T, steps, batchSize: t.batchSize, microBatch: t.microBatch,
    learningRate: t.learningRate, seed: t.seed, checkpointEvery: t.checkpointEvery, previewEvery: t.previewEvery, logEvery: Math.max(1, Math.min(10, Math.floor(steps / 100))),
    ...jobImplementation(s, s.settings()),
  }) as TrainJob;
  return runTraining(s, job, `resuming ${run.name}`, a?.hangTimeoutMs);
}

export async function deleteRunCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const NAME = 'Diffusion: Delete Run';
  const confirmed = isArgObject(arg) && (arg as { confirm?: unknown }).confirm === true;
  const target = isArgObject(arg) && 'confirm' in arg ? { runDir: (arg as { runDir?: unknown }).runDir } : arg;
  const folder = s.settings().runsFolder;
  const dir = runDirOf(NAME, target, folder);
  if (!dir) throw new CommandArgError(NAME, 'no run given.', 'run it from the Runs view, or pass { runDir, confirm: true }.');
  if (path.dirname(path.resolve(dir)) !== path.resolve(folder)) throw new CommandArgError(NAME, `${dir} is not a run folder inside ${folder}.`, 'delete runs from the Runs view.');
  if (s.jobs.forRun(dir).length) throw new CommandArgError(NAME, `${path.basename(dir)} is in use by a running job.`, 'stop it first (Diffusion: Stop Run).');
  if (!confirmed) {
    const answer = await vscode.window.showWarningMessage(`Delete run ${path.basename(dir)} and everything in it (checkpoints, samples)?`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return { status: 'dismissed' };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  s.tree.refresh();
  return { status: 'completed', runDir: dir };
}
