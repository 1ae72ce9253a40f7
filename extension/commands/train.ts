/** Diffusion: Train Model… — a new run in the runs folder, trained in a runner. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRESET_NAMES, type PresetName } from '../../engine/nn/presets';
import { CONDITIONINGS, type ConditioningName, type TrainJob, parseJob } from '../../engine/protocol';
import { manifestPath } from '../../engine/run/manifest';
import { SCHEDULE_NAMES } from '../../engine/schedules';
import { newRunName } from '../paths';
import { askInt, pick } from '../prompts';
import type { Services } from '../services';
import type { Settings } from '../settings';
import { clipRestriction } from '../trust';
import { CommandArgError, isArgObject, parseArgs } from './args';
import { jobImplementation } from './implementation';
import type { CommandResult } from './result';

const NAME = 'Diffusion: Train Model';

const SCHEMA = {
  dataset: { type: 'string', nonEmpty: true },
  imageSize: { type: 'int', min: 4, max: 1024 },
  preset: { type: 'string', values: PRESET_NAMES },
  cond: { type: 'string', values: CONDITIONINGS },
  schedule: { type: 'string', values: SCHEDULE_NAMES },
  T: { type: 'int', min: 2, max: 100_000 },
  steps: { type: 'int', min: 1 },
  batchSize: { type: 'int', min: 1, max: 4096 },
  learningRate: { type: 'number', min: 1e-8, max: 1 },
  seed: { type: 'int', min: 0 },
  checkpointEvery: { type: 'int', min: 1 },
  previewEvery: { type: 'int', min: 0 },
  name: { type: 'string', nonEmpty: true },
  clipDir: { type: 'path' },
  hangTimeoutMs: { type: 'int', min: 1000 },
} as const;

/** What the flow asks and remembers. */
interface TrainChoices {
  dataset: string;
  preset: PresetName;
  cond: ConditioningName;
  /** cond 'clip': the user's CLIP text export */
  clipDir?: string;
  steps: number;
  seed: number;
}

export async function trainCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const settings = s.settings();
  const a = isArgObject(arg) ? parseArgs(NAME, arg, SCHEMA) : undefined;
  const choices = a
    ? { dataset: a.dataset ?? settings.defaultDataset, preset: (a.preset as PresetName) ?? settings.defaultModelPreset, cond: (a.cond as ConditioningName) ?? 'none', clipDir: a.clipDir, steps: a.steps ?? 1000, seed: a.seed ?? 0 }
    : await ask(settings, s.memory.recall<TrainChoices>('train'));
  if (!choices) return { status: 'dismissed' };
  if (choices.cond === 'clip') {
    const restricted = clipRestriction(vscode.workspace.isTrusted);
    if (restricted) {
      void vscode.window.showWarningMessage(restricted);
      return { status: 'restricted', error: restricted };
    }
    if (!choices.clipDir) throw new CommandArgError(NAME, "cond 'clip' needs the folder of your CLIP text export.", 'pass clipDir: "/path/to/export" (config.json, tokenizer.json, tokenizer_config.json, onnx/text_model.onnx).');
  }
  s.memory.remember('train', choices);
  const dataset = datasetSpec(choices.dataset);
  const runsFolder = settings.runsFolder;
  const name = a?.name ?? newRunName([dataset.startsWith('folder:') ? `folder-${path.basename(dataset.slice(7))}` : dataset, choices.preset, choices.cond], (n) => fs.existsSync(path.join(runsFolder, n)));
  const batchSize = a?.batchSize ?? 32;
  const job = parseJob({
    kind: 'train', backend: settings.backend, runDir: path.join(runsFolder, name), resume: false, dataset, imageSize: a?.imageSize,
    preset: choices.preset, cond: choices.cond, clipDir: choices.clipDir && path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd(), choices.clipDir), schedule: a?.schedule ?? 'linear', T: a?.T ?? 1000, steps: choices.steps, batchSize,
    // The wasm heap stops at 4 GiB: bigger models take smaller micro-batches (gradients are accumulated).
    microBatch: Math.min(batchSize, { tiny: 32, small: 16, base: 8 }[choices.preset]), learningRate: a?.learningRate ?? 5e-4, seed: choices.seed,
    checkpointEvery: a?.checkpointEvery ?? Math.min(100, choices.steps), previewEvery: a?.previewEvery ?? settings.previewInterval,
    logEvery: Math.max(1, Math.min(10, Math.floor(choices.steps / 100))), ...jobImplementation(s, settings),
  }) as TrainJob;
  return runTraining(s, job, `training ${name}`, a?.hangTimeoutMs);
}

/** Shared with Resume Training. */
export async function runTraining(s: Services, job: TrainJob, title: string, hangTimeoutMs?: number): Promise<CommandResult> {
  const busy = s.jobs.training(job.runDir);
  if (busy) throw new CommandArgError(NAME, `${path.basename(job.runDir)} is already training in this window.`, 'wait for it, or stop it with Diffusion: Stop Run.');
  // A new run into an existing record is refused by the runner at once: no dashboard for it.
  const refused = !job.resume && fs.existsSync(manifestPath(job.runDir));
  const dashboard = refused ? undefined : s.dashboards.startLive(job.runDir, s.settings().runsFolder, [
    `${job.preset} U-Net, conditioning ${job.cond}; ${job.dataset}${job.imageSize ? ` ${job.imageSize}px` : ''}`,
    `batch ${job.batchSize}, learning rate ${job.learningRate}; schedule ${job.schedule}, T = ${job.T}; ${job.resume ? 'resumed, ' : ''}${job.steps} steps; previews every ${job.previewEvery || '(off)'}`,
  ], job.steps);
  dashboard?.show();
  // The panel may be closed and reopened meanwhile (Show Training Dashboard): status goes to the current one.
  const active = s.jobs.run(job, { title, hangTimeoutMs, get panel() { return dashboard?.panel; }, onMessage: (msg) => dashboard?.receive(msg) });
  const r = await active.done.finally(() => s.dashboards.endLive(job.runDir));
  if (r.status === 'completed') {
    s.log.info(`${path.basename(job.runDir)} finished ${r.step} steps.`, [
      { title: 'Open Run', run: () => vscode.commands.executeCommand('diffusionLens.openRun', { runDir: job.runDir }) },
      { title: 'Sample…', run: () => vscode.commands.executeCommand('diffusionLens.sample', undefined) },
    ]);
  }
  return { status: r.status, error: r.error, runDir: job.runDir, step: r.step, resumedFrom: r.resumedFrom, files: r.files, warnings: r.warnings };
}

/** 'shapes', 'fashion-mnist', 'phantoms', 'mri', or 'folder:PATH' with PATH made absolute (the runner has no workspace). */
function datasetSpec(spec: string): string {
  if (spec === 'shapes' || spec === 'fashion-mnist' || spec === 'phantoms' || spec === 'mri') return spec;
  if (spec.startsWith('folder:') && spec.length > 7) {
    const dir = spec.slice(7);
    const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    return `folder:${path.resolve(base, dir)}`;
  }
  throw new CommandArgError(NAME, `unknown dataset ${JSON.stringify(spec)}.`, 'use shapes, fashion-mnist, phantoms, mri or folder:PATH (a folder of PNG/JPEG images).');
}

async function ask(settings: Settings, last: Partial<TrainChoices>): Promise<TrainChoices | undefined> {
  const title = `${NAME}`;
  let dataset = await pick(`${title} (1/5): dataset`, [
    { label: 'Shapes', description: 'built in: 16 px coloured shapes, 16 classes, captions', value: 'shapes' },
    { label: 'Fashion-MNIST', description: '28 px greyscale, 10 classes (apt-get install dataset-fashion-mnist)', value: 'fashion-mnist' },
    { label: 'Image folder…', description: 'your PNG/JPEG files, captions from captions.jsonl or captions.csv', value: 'folder:' },
    ...(last.dataset?.startsWith('folder:') ? [{ label: path.basename(last.dataset.slice(7)), description: last.dataset.slice(7), value: last.dataset }] : []),
  ], last.dataset ?? settings.defaultDataset);
  if (dataset === 'folder:') {
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Folder of training images' });
    if (!folder?.length) return undefined;
    dataset = `folder:${folder[0].fsPath}`;
  }
  if (!dataset) return undefined;
  const preset = await pick(`${title} (2/5): model size`, [
    { label: 'tiny', description: 'seconds per hundred steps; for trying things out', value: 'tiny' as PresetName },
    { label: 'small', description: '16-32 px demos', value: 'small' as PresetName },
    { label: 'base', description: 'larger images; slow on CPU', value: 'base' as PresetName },
  ], last.preset ?? settings.defaultModelPreset);
  if (!preset) return undefined;
  const conds: { label: string; description: string; value: ConditioningName }[] = [
    { label: 'none', description: 'unconditional', value: 'none' },
    ...(dataset.startsWith('folder:') ? [] : [{ label: 'class', description: 'class labels; enables guidance by class', value: 'class' as const }]),
    { label: 'text', description: 'captions through a small text encoder; enables prompts', value: 'text' },
    { label: 'clip', description: 'captions through your own CLIP text export (a folder; needs a trusted workspace)', value: 'clip' },
  ];
  const cond = await pick(`${title} (3/5): conditioning`, conds, last.cond ?? 'none');
  if (!cond) return undefined;
  let clipDir: string | undefined;
  if (cond === 'clip') {
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Folder of your CLIP text export', defaultUri: last.clipDir ? vscode.Uri.file(last.clipDir) : undefined });
    if (!folder?.length) return undefined;
    clipDir = folder[0].fsPath;
  }
  const steps = await askInt(`${title} (4/5): steps`, 'Optimiser steps (training can be stopped and resumed)', last.steps ?? 1000, 1);
  if (steps === undefined) return undefined;
  const seed = await askInt(`${title} (5/5): seed`, 'Random seed: the same seed replays the same batches', last.seed ?? 0, 0);
  if (seed === undefined) return undefined;
  return { dataset, preset, cond, clipDir, steps, seed };
}
