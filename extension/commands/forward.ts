/** Diffusion: Visualize Forward Process — q(x_t | x_0) of an image at several timesteps, in a panel. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type ForwardJob, parseJob } from '../../engine/protocol';
import { SCHEDULE_NAMES, type ScheduleName } from '../../engine/schedules';
import { forwardFolder, stamp } from '../paths';
import { askNumbers, pick } from '../prompts';
import type { Services } from '../services';
import { CommandArgError, isArgObject, parseArgs } from './args';
import type { CommandResult } from './result';

const NAME = 'Diffusion: Visualize Forward Process';

const SCHEMA = {
  image: { type: 'path' },
  size: { type: 'int', min: 4, max: 1024 },
  schedule: { type: 'string', values: SCHEDULE_NAMES },
  T: { type: 'int', min: 2, max: 100_000 },
  timesteps: { type: 'numbers', min: 0, integer: true },
  seed: { type: 'int', min: 0 },
  hangTimeoutMs: { type: 'int', min: 1000 },
} as const;

interface ForwardChoices {
  image: string;
  schedule: ScheduleName;
  timesteps: number[];
}

export async function forwardCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const a = isArgObject(arg) ? parseArgs(NAME, arg, SCHEMA) : undefined;
  const last = s.memory.recall<ForwardChoices>('forward');
  const T = a?.T ?? 1000;
  const choices: ForwardChoices | undefined = a
    ? { image: a.image ?? s.builtinImage, schedule: (a.schedule as ScheduleName) ?? 'linear', timesteps: a.timesteps ?? [0, 250, 500, 750, 999] }
    : await ask(s, last, T);
  if (!choices) return { status: 'dismissed' };
  const image = path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd(), choices.image);
  if (!fs.existsSync(image)) throw new CommandArgError(NAME, `image ${image} does not exist.`, 'pass the path of a PNG or JPEG file (relative paths are read from the workspace folder).');
  const bad = choices.timesteps.find((t) => t >= T);
  if (bad !== undefined) throw new CommandArgError(NAME, `timestep ${bad} is outside 0..${T - 1}.`, `use timesteps below T = ${T}.`);
  s.memory.remember('forward', choices);
  const settings = s.settings();
  const outDir = path.join(forwardFolder(settings.runsFolder), stamp());
  const job = parseJob({ kind: 'forward', backend: settings.backend, outDir, image, size: a?.size ?? 64, schedule: choices.schedule, T, timesteps: choices.timesteps, seed: a?.seed ?? 0 }) as ForwardJob;
  const panel = s.panels.create('Forward process', settings.runsFolder);
  // Steppable like a sampling run: the player seeks any timestep from the record the runner writes.
  panel.attachRecord(outDir);
  panel.setHeader(`Forward process q(x_t | x_0): ${path.basename(image)}`, [`${job.schedule} schedule, T = ${T}, the same noise at t = ${job.timesteps.join(', ')}`, `record: ${outDir}`]);
  const r = await s.jobs.run(job, { title: 'forward process', panel, hangTimeoutMs: a?.hangTimeoutMs }).done;
  const png = r.files.find((f) => f.endsWith('.png'));
  if (png) panel.showPicture(vscode.Uri.file(png), `x_t at t = ${job.timesteps.join(', ')}`);
  return { status: r.status, error: r.error, outDir, files: r.files, frames: r.frames, framesReceived: r.framesReceived };
}

async function ask(s: Services, last: Partial<ForwardChoices>, T: number): Promise<ForwardChoices | undefined> {
  let image = await pick(`${NAME}: image`, [
    { label: 'Built-in example', description: 'coloured shapes, 64 px', value: s.builtinImage },
    { label: 'Choose an image…', description: 'PNG or JPEG', value: '' },
    ...(last.image && last.image !== s.builtinImage ? [{ label: path.basename(last.image), description: last.image, value: last.image }] : []),
  ], last.image ?? s.builtinImage);
  if (image === '') {
    const file = await vscode.window.showOpenDialog({ canSelectFiles: true, filters: { Images: ['png', 'jpg', 'jpeg'] }, title: 'Image to noise' });
    image = file?.[0]?.fsPath;
  }
  if (!image) return undefined;
  const schedule = await pick(`${NAME}: schedule`, SCHEDULE_NAMES.map((n) => ({ label: n, value: n as ScheduleName })), last.schedule ?? 'linear');
  if (!schedule) return undefined;
  const timesteps = await askNumbers(`${NAME}: timesteps`, `Timesteps in 0..${T - 1}`, last.timesteps ?? [0, 250, 500, 750, 999], (t) => Number.isInteger(t) && t >= 0 && t < T, `whole numbers from 0 to ${T - 1}`);
  if (!timesteps) return undefined;
  return { image, schedule, timesteps };
}
