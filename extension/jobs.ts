/**
 * Runs jobs in runner processes and shows them: a progress notification with Cancel, the status bar
 * while training, the output channel, the panel if there is one, and a clear message when a job ends
 * badly. It moves messages; the runner computes, the record on disk is the truth.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DoctorReport } from '../engine/doctor/types';
import type { FromRunner, JobSpec, TrainProgressMessage } from '../engine/protocol';
import { manifestPath } from '../engine/run/manifest';
import type { Log } from './log';
import type { LensPanel } from './panel';
import { RunnerClient, type RunnerOutcome } from './runner/client';
import { describeOutcome, recordDir, recordOutcome } from './runner/outcome';
import type { TrainingStatus } from './statusBar';

export interface JobUi {
  /** notification title, e.g. "training shapes-tiny-…" */
  title: string;
  panel?: LensPanel;
  hangTimeoutMs?: number;
  /** every message of the runner, for a view of its own (the training dashboard) */
  onMessage?: (msg: FromRunner) => void;
}

export interface JobResult {
  status: 'completed' | 'cancelled' | 'failed';
  error?: string;
  step?: number;
  resumedFrom?: number;
  files: string[];
  warnings: string[];
  /** frames recorded on disk by the runner */
  frames: number;
  /** frames that reached the extension (fewer when the runner coalesced them) */
  framesReceived: number;
  /** how long after Stop the runner was gone */
  stopMs?: number;
  /** a doctor job's report */
  doctorReport?: DoctorReport;
}

export interface ActiveJob {
  id: number;
  spec: JobSpec;
  dir: string;
  pid: number | undefined;
  startedAt: number;
  /** newest training progress */
  readonly progress?: TrainProgressMessage;
  /** frames that reached the extension so far */
  readonly frames: number;
  cancel(): void;
  done: Promise<JobResult>;
}

export class Jobs implements vscode.Disposable {
  private readonly active = new Map<number, ActiveJob>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private nextId = 1;
  private lastFire = 0;

  constructor(private readonly runnerPath: string, private readonly log: Log, private readonly status: TrainingStatus) {}

  list(): ActiveJob[] {
    return [...this.active.values()];
  }

  /** Jobs working on a run: its training, or sampling/sweeping it; for forward, doctor and study jobs, their output folder. */
  forRun(dir: string): ActiveJob[] {
    const d = path.resolve(dir);
    return this.list().filter((j) => path.resolve('runDir' in j.spec ? j.spec.runDir : j.dir) === d);
  }

  training(runDir: string): ActiveJob | undefined {
    return this.forRun(runDir).find((j) => j.spec.kind === 'train');
  }

  run(spec: JobSpec, ui: JobUi): ActiveJob {
    if (!fs.existsSync(this.runnerPath)) throw new Error(`The runner ${this.runnerPath} is missing. Fix: run \`npm run build\` in the extension's folder, or reinstall the extension.`);
    const id = this.nextId++;
    const dir = recordDir(spec);
    const label = `${spec.kind} ${path.basename(spec.kind === 'train' ? spec.runDir : dir)}`;
    let stopRequestedAt: number | undefined;
    const state = { frames: 0, progress: undefined as TrainProgressMessage | undefined, report: undefined as DoctorReport | undefined };
    const client = new RunnerClient(spec, {
      runnerPath: this.runnerPath, logFile: path.join(dir, 'runner.log'), hangTimeoutMs: ui.hangTimeoutMs,
      onMessage: (msg) => this.onMessage(id, spec, state, msg, ui),
      onLog: (line) => this.log.line(`[${label}] ${line}`),
      env: runnerEnv(),
    });
    const cancel = () => {
      stopRequestedAt ??= Date.now();
      client.cancel();
    };
    const notification = this.showProgress(id, ui.title, client, cancel);
    const done = client.done.then(async (outcome) => {
      await notification;
      return { ...this.finish(job, outcome, ui, stopRequestedAt), doctorReport: state.report };
    });
    const job: ActiveJob = {
      id, spec, dir, pid: client.pid, startedAt: Date.now(), cancel, done,
      get frames() { return state.frames; },
      get progress() { return state.progress; },
    };
    this.active.set(id, job);
    if (spec.kind === 'train') this.status.starting(id, spec.runDir);
    ui.panel?.setStatus('running', `${label}: starting the runner…`);
    this.log.line(`[${label}] started runner pid ${client.pid}`);
    this.fire(true);
    return job;
  }

  /** The notification with Cancel; it closes when the runner is gone. */
  private showProgress(id: number, title: string, client: RunnerClient, cancel: () => void): Thenable<void> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Diffusion: ${title}`, cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(cancel);
      let lastPct = 0;
      const report = (message: string, pct: number) => {
        progress.report({ message, increment: Math.max(0, pct - lastPct) });
        lastPct = Math.max(lastPct, pct);
      };
      const unsubscribe = this.progressListeners.add(id, (msg) => {
        if (msg.type === 'trainProgress') report(`step ${msg.step}/${msg.steps} · loss ${msg.loss.toFixed(4)}`, (100 * msg.step) / msg.steps);
        else if (msg.type === 'frame') report(`step ${msg.step + 1}/${msg.steps}`, (100 * (msg.step + 1)) / msg.steps);
      });
      try {
        await client.done;
      } finally {
        unsubscribe();
      }
    });
  }

  private readonly progressListeners = new Listeners<FromRunner>();

  private onMessage(id: number, spec: JobSpec, state: { frames: number; progress?: TrainProgressMessage; report?: DoctorReport }, msg: FromRunner, ui: JobUi): void {
    this.progressListeners.emit(id, msg);
    switch (msg.type) {
      case 'trainProgress':
        state.progress = msg;
        if (spec.kind === 'train') this.status.update(id, spec.runDir, msg);
        this.fire(false);
        break;
      case 'frame':
        state.frames++;
        ui.panel?.frame(msg);
        break;
      case 'cell':
        ui.panel?.cell(msg);
        break;
      case 'heatmap':
        ui.panel?.heatmap(msg);
        break;
      case 'doctorReport':
        state.report = msg.report;
        if (spec.kind === 'doctor') ui.panel?.showDoctor(spec.file, msg.report);
        break;
      default:
        break;
    }
    ui.onMessage?.(msg);
  }

  private finish(job: ActiveJob, outcome: RunnerOutcome, ui: JobUi, stopRequestedAt: number | undefined): JobResult {
    const stopMs = stopRequestedAt !== undefined ? Date.now() - stopRequestedAt : undefined;
    try {
      recordOutcome(job.spec, outcome, job.pid);
    } catch (err) {
      this.log.line(`could not update the record in ${job.dir}: ${(err as Error).message}`);
    }
    // A new run that failed before writing its manifest leaves only our runner.log: nothing to keep.
    if (outcome.status === 'failed' && job.spec.kind === 'train' && !job.spec.resume && !fs.existsSync(manifestPath(job.spec.runDir))) {
      fs.rmSync(job.spec.runDir, { recursive: true, force: true });
    }
    this.active.delete(job.id);
    if (job.spec.kind === 'train') this.status.ended(job.id);
    this.fire(true);
    const done = outcome.status !== 'failed' ? outcome.done : undefined;
    const result: JobResult = { status: outcome.status, step: done?.step, resumedFrom: done?.resumedFrom, files: done?.files ?? [], warnings: done?.warnings ?? [], frames: done?.frames ?? 0, framesReceived: job.frames, stopMs };
    const name = path.basename(job.spec.kind === 'train' ? job.spec.runDir : job.dir);
    if (outcome.status === 'failed') {
      result.error = describeOutcome(job.spec, outcome);
      ui.panel?.setStatus('failed', result.error);
      this.log.error(`${job.spec.kind} ${name} failed: ${result.error}`, ['last lines of the runner log:', ...outcome.logTail.slice(-20)]);
    } else {
      for (const w of result.warnings) this.log.line(`warning: ${w}`);
      const what = outcome.status === 'completed' ? 'finished' : 'was cancelled';
      ui.panel?.setStatus(outcome.status, `${job.spec.kind} ${what}${done?.step !== undefined ? ` at step ${done.step}` : ''}`);
      this.log.line(`[${job.spec.kind} ${name}] ${what}${stopMs !== undefined ? ` ${stopMs} ms after Stop` : ''}`);
    }
    return result;
  }

  /** Tree refreshes at most twice a second for progress; start and end always refresh. */
  private fire(always: boolean): void {
    const now = Date.now();
    if (!always && now - this.lastFire < 500) return;
    this.lastFire = now;
    this.changed.fire();
  }

  dispose(): void {
    for (const j of this.active.values()) j.cancel();
    this.changed.dispose();
  }
}

class Listeners<T> {
  private readonly byId = new Map<number, (v: T) => void>();
  add(id: number, fn: (v: T) => void): () => void {
    this.byId.set(id, fn);
    return () => this.byId.delete(id);
  }
  emit(id: number, v: T): void {
    this.byId.get(id)?.(v);
  }
}

/**
 * VS Code's own TypeScript compiler, for the type check of a user's implementation (engine/user/typecheck.ts):
 * the extension does not ship one. A DLENS_TYPESCRIPT the user set wins.
 */
function runnerEnv(): Record<string, string> {
  if (process.env.DLENS_TYPESCRIPT) return {};
  const bundled = path.join(vscode.env.appRoot, 'extensions', 'node_modules', 'typescript', 'lib', 'typescript.js');
  return fs.existsSync(bundled) ? { DLENS_TYPESCRIPT: bundled } : {};
}
