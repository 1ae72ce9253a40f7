/** Diffusion: Open Run — a run's summary, its newest picture, and its newest recorded trajectory in the player. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readFrameRecord } from '../../engine/runner/frameRecord';
import { outputFolders } from '../runRecords';
import type { Services } from '../services';
import type { CommandResult } from './result';
import { resolveRun } from './runArg';

const NAME = 'Diffusion: Open Run';

export async function openRunCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const run = await resolveRun(s, NAME, arg, () => true, '');
  if (!run?.manifest) return { status: 'dismissed' };
  const m = run.manifest;
  const panel = s.panels.create(run.name, s.settings().runsFolder);
  panel.setHeader(run.name, [
    `${m.preset} U-Net, ${(m.parameters / 1e6).toFixed(2)}M parameters, conditioning ${m.model.cond}; ${m.dataset.spec} ${m.dataset.imageSize}px`,
    `${m.status} at step ${m.step} of ${m.training.steps}${run.lastLoss !== undefined ? `, last loss ${run.lastLoss.toFixed(4)}` : ''}; checkpoint ${run.checkpointStep !== undefined ? `at step ${run.checkpointStep}` : 'none yet'}`,
    `schedule ${m.schedule.name}, T = ${m.schedule.T}; folder ${run.dir}`,
  ]);
  const live = s.jobs.training(run.dir);
  const stale = !live && m.status === 'running';
  panel.setStatus(m.status, live ? 'training in this window' : stale ? 'marked running, but not by this window: interrupted, or running elsewhere' : (run.problem ?? m.status));
  const picture = newestPicture(run.dir);
  if (picture) panel.showPicture(vscode.Uri.file(picture.file), picture.caption);
  // The newest recorded trajectory goes to the player: it gets every step's statistics and seeks the
  // frames it shows, so nothing but the index is read up front, whatever the record's length.
  const record = outputFolders(run.dir, 'samples').map((dir) => ({ dir, ...readFrameRecord(dir) })).find((r) => r.frames.length > 0);
  if (record) panel.attachRecord(record.dir);
  return { status: 'completed', runDir: run.dir, frames: record?.frames.length ?? 0 };
}

function newestPicture(runDir: string): { file: string; caption: string } | undefined {
  for (const dir of outputFolders(runDir, 'samples')) {
    const file = path.join(dir, 'samples.png');
    if (fs.existsSync(file)) return { file, caption: `samples, ${path.basename(dir)}` };
  }
  const previews = path.join(runDir, 'previews');
  const newest = fs.existsSync(previews) ? fs.readdirSync(previews).filter((f) => f.endsWith('.png')).sort().pop() : undefined;
  return newest ? { file: path.join(previews, newest), caption: `training preview, ${newest.replace('.png', '')}` } : undefined;
}
