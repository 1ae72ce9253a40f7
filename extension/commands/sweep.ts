/** Diffusion: Guidance Sweep… — scales x seeds from a conditional run, cells streamed to a panel. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type SweepJob, parseJob } from '../../engine/protocol';
import type { RunManifest } from '../../engine/run/manifest';
import { stamp } from '../paths';
import { askInt, askNumbers } from '../prompts';
import type { RunInfo } from '../runRecords';
import type { Services } from '../services';
import { isArgObject, parseArgs } from './args';
import { conditionFlow } from './condition';
import { jobImplementation } from './implementation';
import type { CommandResult } from './result';
import { hasCheckpoint, requireRunDir, resolveRun } from './runArg';

const NAME = 'Diffusion: Guidance Sweep';
export const DEFAULT_SCALES = [0, 1, 3, 5, 7.5, 10, 15];

const SCHEMA = {
  runDir: { type: 'path' },
  scales: { type: 'numbers', min: -100, max: 100 },
  seeds: { type: 'int', min: 1, max: 64 },
  prompt: { type: 'string' },
  negativePrompt: { type: 'string' },
  classIndex: { type: 'int', min: -1 },
  steps: { type: 'int', min: 1, max: 100_000 },
  seed: { type: 'int', min: 0 },
  hangTimeoutMs: { type: 'int', min: 1000 },
} as const;

interface SweepChoices {
  scales: number[];
  seeds: number;
  prompt?: string;
  classIndex?: number;
  seed: number;
}

const conditional = (r: RunInfo) => hasCheckpoint(r) && r.manifest?.model.cond !== 'none';

export async function sweepCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const a = isArgObject(arg) && !('kind' in arg) ? parseArgs(NAME, arg, SCHEMA) : undefined;
  const run = await resolveRun(s, NAME, a ? requireRunDir(NAME, a.runDir) : arg, conditional, 'guidance needs a class- or text-conditioned run with a checkpoint');
  if (!run?.manifest) return { status: 'dismissed' };
  const last = s.memory.recall<SweepChoices>('sweep');
  const choices: SweepChoices | undefined = a
    ? { scales: a.scales ?? DEFAULT_SCALES, seeds: a.seeds ?? 4, prompt: a.prompt, classIndex: a.classIndex, seed: a.seed ?? 0 }
    : await ask(run.manifest, last);
  if (!choices) return { status: 'dismissed' };
  s.memory.remember('sweep', choices);
  const settings = s.settings();
  const outDir = path.join(run.dir, 'sweeps', stamp());
  const job = parseJob({
    kind: 'sweep', backend: settings.backend, runDir: run.dir, outDir, scales: choices.scales, seeds: choices.seeds, prompt: choices.prompt,
    negativePrompt: a?.negativePrompt, classIndex: choices.classIndex, steps: a?.steps ?? 50, seed: choices.seed, ...jobImplementation(s, settings),
  }) as SweepJob;
  const panel = s.panels.create(`Guidance sweep ${run.name}`, settings.runsFolder);
  panel.setHeader(`Guidance sweep: ${run.name}`, [`columns: guidance scale ${job.scales.join(', ')}`, `rows: seeds ${job.seed}..${job.seed + job.seeds - 1}${job.prompt ? `, prompt "${job.prompt}"` : ''}`, `DDIM ${job.steps} steps; record: ${outDir}`]);
  const r = await s.jobs.run(job, { title: `guidance sweep ${run.name}`, panel, hangTimeoutMs: a?.hangTimeoutMs }).done;
  const png = r.files.find((f) => f.endsWith('.png'));
  if (png) panel.showPicture(vscode.Uri.file(png), 'sweep grid');
  return { status: r.status, error: r.error, runDir: run.dir, outDir, files: r.files, warnings: r.warnings };
}

async function ask(m: RunManifest, last: Partial<SweepChoices>): Promise<SweepChoices | undefined> {
  const scales = await askNumbers(`${NAME}: guidance scales`, 'Columns of the grid', last.scales ?? DEFAULT_SCALES, (n) => n >= -100 && n <= 100, 'each between -100 and 100');
  if (!scales) return undefined;
  const cond = await conditionFlow(NAME, m, last, true);
  if (!cond) return undefined;
  const seeds = await askInt(`${NAME}: rows`, 'Number of seeds (rows)', last.seeds ?? 4, 1, 64);
  if (seeds === undefined) return undefined;
  const seed = await askInt(`${NAME}: first seed`, 'Row r uses seed + r', last.seed ?? 0, 0);
  if (seed === undefined) return undefined;
  return { scales, seeds, ...cond, seed };
}
