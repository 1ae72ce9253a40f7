/**
 * The host side of one Guidance Sweep panel: starts sweeps (from the command, or the panel's Run button),
 * tells the panel the grid's scales and row labels before any cell exists, and turns a clicked cell into
 * a sample job of that one image with its trajectory recorded. The runner computes; this moves requests.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type RunSweepMessage, type SweepGridMessage, type SweepJob, parseJob } from '../engine/protocol';
import type { RunManifest } from '../engine/run/manifest';
import { cellSample, sweepRowLabels } from '../engine/train/sweepRows';
import type { JobResult } from './jobs';
import type { LensPanel, PanelRequest } from './panel';
import { jobImplementation } from './commands/implementation';
import { stamp } from './paths';
import type { Services } from './services';

/** What a sweep asks for besides the run; prompts (one per row) replace prompt and seeds. */
export interface SweepChoice {
  scales: number[];
  seeds: number;
  prompt?: string;
  prompts?: string[];
  negativePrompt?: string;
  classIndex?: number;
  seed: number;
  steps: number;
}

/** In the prompt field, ` | ` separates prompts: each becomes a row (a prompt sweep). */
const PROMPT_SEPARATOR = '|';

export class SweepPanel {
  readonly panel: LensPanel;
  /** the sweep whose grid the panel shows: a clicked cell is one of its images */
  private shown: SweepJob | undefined;
  private running: { cancel(): void; done: Promise<JobResult> } | undefined;
  /** Run clicks are handled one after another: each cancels the sweep before it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly s: Services, private readonly run: { dir: string; name: string; manifest: RunManifest }) {
    this.panel = s.panels.create(`Guidance sweep ${run.name}`, s.settings().runsFolder);
    this.panel.onRequest((request) => void this.answer(request).catch((err: Error) => {
      this.panel.setStatus('failed', err.message);
      s.log.error(err.message);
    }));
  }

  /** Starts a sweep in this panel (cancelling the one running) and resolves when it ends. */
  sweep(choice: SweepChoice, hangTimeoutMs?: number): Promise<{ job: SweepJob; result: JobResult }> {
    const next = this.queue.then(() => this.start(choice, hangTimeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async start(choice: SweepChoice, hangTimeoutMs?: number): Promise<{ job: SweepJob; result: JobResult }> {
    if (this.running) {
      this.running.cancel();
      await this.running.done;
    }
    const { dir, name, manifest: m } = this.run;
    const outDir = path.join(dir, 'sweeps', stamp());
    const settings = this.s.settings();
    const job = parseJob({
      ...jobImplementation(this.s, settings),
      kind: 'sweep', backend: settings.backend, runDir: dir, outDir, scales: choice.scales, seeds: choice.prompts?.length ?? choice.seeds, prompts: choice.prompts,
      prompt: choice.prompt, negativePrompt: choice.negativePrompt, classIndex: choice.classIndex, steps: choice.steps, seed: choice.seed,
    }) as SweepJob;
    this.shown = job;
    this.panel.clearCells();
    const rows = job.prompts ? `prompts: ${job.prompts.map((p) => `"${p}"`).join(', ')}` : `seeds ${job.seed}..${job.seed + job.seeds - 1}${job.prompt ? `, prompt "${job.prompt}"` : ''}`;
    this.panel.setHeader(`Guidance sweep: ${name}`, [
      `columns: guidance scale ${job.scales.join(', ')}; rows: ${rows}${job.negativePrompt ? `; negative prompt "${job.negativePrompt}"` : ''}`,
      `DDIM ${job.steps} steps; click an image to step through its trajectory; record: ${outDir}`,
    ]);
    const grid: SweepGridMessage = {
      type: 'sweepGrid', scales: job.scales, rows: sweepRowLabels(m, job), prompt: promptFieldText(job, m), negativePrompt: job.negativePrompt ?? '',
      cond: m.model.cond === 'none' ? 'text' : m.model.cond,
    };
    this.panel.keep('sweepGrid', () => grid);
    const active = this.s.jobs.run(job, { title: `guidance sweep ${name}`, panel: this.panel, hangTimeoutMs });
    this.running = active;
    const result = await active.done;
    if (this.running === active) this.running = undefined;
    return { job, result };
  }

  private async answer(request: PanelRequest): Promise<void> {
    if (request.type === 'runSweep') {
      await this.sweep(this.choiceFrom(request));
      return;
    }
    const sweep = this.shown;
    if (!sweep) throw new Error(`Diffusion: Guidance Sweep: the panel asked for cell (${request.row}, ${request.col}) but shows no sweep. Fix: run a sweep first.`);
    let choices;
    try {
      choices = cellSample(sweep, this.run.manifest, request.row, request.col);
    } catch (err) {
      throw new Error(`Diffusion: Guidance Sweep: ${(err as Error).message}. Fix: click a cell of the grid shown.`);
    }
    // The Sample command with every choice given: its panel, record and progress, exactly as a user's sample.
    await vscode.commands.executeCommand('diffusionLens.sample', choices);
  }

  /** The panel's Run: its prompts and scales, the rest (seeds, steps, first seed) from the sweep shown. */
  private choiceFrom(request: RunSweepMessage): SweepChoice {
    const last = this.shown!;
    const m = this.run.manifest;
    const prompts = request.prompt.split(PROMPT_SEPARATOR).map((p) => p.trim()).filter(Boolean);
    if (m.model.cond === 'class') {
      const names = m.dataset.classNames ?? [];
      const unknown = prompts.find((p) => !names.some((n) => n.toLowerCase() === p.toLowerCase()));
      if (unknown) throw new Error(`Diffusion: Guidance Sweep: "${unknown}" is not a class of ${this.run.name}. Fix: enter one of ${names.join(', ')} (or leave the prompt empty for one class per row).`);
    }
    return {
      scales: request.scales, seeds: last.prompts ? 4 : last.seeds, seed: last.seed, steps: last.steps,
      negativePrompt: request.negativePrompt.trim() || undefined,
      ...(prompts.length > 1 ? { prompts } : { prompt: prompts[0] }),
    };
  }
}

/** What the prompt field shows for a sweep: its prompts, or for class runs the class's name. */
function promptFieldText(job: SweepJob, m: RunManifest): string {
  if (job.prompts) return job.prompts.join(` ${PROMPT_SEPARATOR} `);
  if (job.prompt) return job.prompt;
  return job.classIndex !== undefined && job.classIndex >= 0 ? (m.dataset.classNames?.[job.classIndex] ?? '') : '';
}
