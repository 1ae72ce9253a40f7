/** Diffusion: Sample (Step Through)… — sample a trained run, every step recorded and streamed to a panel. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type SampleJob, parseJob } from '../../engine/protocol';
import type { RunManifest } from '../../engine/run/manifest';
import { SPACINGS } from '../../engine/timesteps';
import { stamp } from '../paths';
import { askInt, askNumber, pick } from '../prompts';
import type { Services } from '../services';
import { isArgObject, parseArgs } from './args';
import { conditionFlow } from './condition';
import { jobImplementation } from './implementation';
import type { CommandResult } from './result';
import { hasCheckpoint, requireRunDir, resolveRun } from './runArg';

const NAME = 'Diffusion: Sample (Step Through)';

const SCHEMA = {
  runDir: { type: 'path' },
  sampler: { type: 'string', values: ['ddpm', 'ddim'] },
  steps: { type: 'int', min: 1, max: 100_000 },
  eta: { type: 'number', min: 0, max: 1 },
  spacing: { type: 'string', values: SPACINGS },
  guidance: { type: 'number', min: -100, max: 100 },
  prompt: { type: 'string' },
  negativePrompt: { type: 'string' },
  classIndex: { type: 'int', min: -1 },
  n: { type: 'int', min: 1, max: 64 },
  seed: { type: 'int', min: 0 },
  weights: { type: 'string', values: ['ema', 'raw'] },
  hangTimeoutMs: { type: 'int', min: 1000 },
} as const;

interface SampleChoices {
  sampler: 'ddpm' | 'ddim';
  steps: number;
  guidance: number;
  prompt?: string;
  classIndex?: number;
  seed: number;
}

export async function sampleCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const a = isArgObject(arg) && !('kind' in arg) ? parseArgs(NAME, arg, SCHEMA) : undefined;
  const run = await resolveRun(s, NAME, a ? requireRunDir(NAME, a.runDir) : arg, hasCheckpoint, 'it needs a checkpoint');
  if (!run?.manifest) return { status: 'dismissed' };
  const m = run.manifest;
  const last = s.memory.recall<SampleChoices>('sample');
  const choices: SampleChoices | undefined = a
    ? { sampler: (a.sampler as SampleChoices['sampler']) ?? 'ddim', steps: a.steps ?? 50, guidance: a.guidance ?? 3, prompt: a.prompt, classIndex: a.classIndex, seed: a.seed ?? 0 }
    : await ask(m, last);
  if (!choices) return { status: 'dismissed' };
  s.memory.remember('sample', choices);
  const settings = s.settings();
  const outDir = path.join(run.dir, 'samples', stamp());
  const job = parseJob({
    kind: 'sample', backend: settings.backend, runDir: run.dir, outDir, sampler: choices.sampler, steps: choices.steps, eta: a?.eta ?? 0,
    spacing: a?.spacing ?? 'trailing', guidance: choices.guidance, prompt: choices.prompt, negativePrompt: a?.negativePrompt, classIndex: choices.classIndex,
    n: a?.n ?? 16, seed: choices.seed, weights: a?.weights ?? 'ema', ...jobImplementation(s, settings),
  }) as SampleJob;
  const panel = s.panels.create(`Sampling ${run.name}`, settings.runsFolder);
  // A trajectory player from the first frame: seeks are answered from the record the runner is writing.
  panel.attachRecord(outDir);
  panel.setHeader(`Sampling ${run.name}`, [
    `${choices.sampler.toUpperCase()}, ${choices.steps} steps (${job.spacing} spacing${choices.sampler === 'ddim' ? `, eta ${job.eta}` : ''}), ${job.n} images, seed ${job.seed}`,
    m.model.cond === 'none' ? 'unconditional model' : `guidance ${choices.guidance}${choices.prompt ? `, prompt "${choices.prompt}"` : ''}${choices.classIndex !== undefined ? `, class ${m.dataset.classNames?.[choices.classIndex] ?? choices.classIndex}` : ''}`,
    `checkpoint at step ${run.checkpointStep}, ${job.weights.toUpperCase()} weights; record: ${outDir}`,
    ...(job.impl ? [`your implementation: ${job.impl}`] : []),
  ]);
  const r = await s.jobs.run(job, { title: `sampling ${run.name}`, panel, hangTimeoutMs: a?.hangTimeoutMs }).done;
  panel.syncRecord();
  const png = r.files.find((f) => f.endsWith('.png'));
  if (png) panel.showPicture(vscode.Uri.file(png), 'final samples');
  return { status: r.status, error: r.error, runDir: run.dir, outDir, files: r.files, warnings: r.warnings, frames: r.frames, framesReceived: r.framesReceived };
}

async function ask(m: RunManifest, last: Partial<SampleChoices>): Promise<SampleChoices | undefined> {
  const sampler = await pick(`${NAME}: sampler`, [
    { label: 'DDIM', description: 'deterministic with eta 0; good in 20-50 steps', value: 'ddim' as const },
    { label: 'DDPM', description: 'ancestral sampling; needs many steps', value: 'ddpm' as const },
  ], last.sampler ?? 'ddim');
  if (!sampler) return undefined;
  const steps = await askInt(`${NAME}: steps`, `Sampling steps (at most T = ${m.schedule.T})`, last.steps ?? (sampler === 'ddim' ? 50 : m.schedule.T), 1, m.schedule.T);
  if (steps === undefined) return undefined;
  let guidance = 0;
  if (m.model.cond !== 'none') {
    const g = await askNumber(`${NAME}: guidance scale`, '0 = unconditional, 1 = conditional, above 1 = stronger guidance', last.guidance ?? 3, -100, 100);
    if (g === undefined) return undefined;
    guidance = g;
  }
  const cond = await conditionFlow(NAME, m, last);
  if (!cond) return undefined;
  const seed = await askInt(`${NAME}: seed`, 'Seed of the starting noise', last.seed ?? 0, 0);
  if (seed === undefined) return undefined;
  return { sampler, steps, guidance, ...cond, seed };
}

