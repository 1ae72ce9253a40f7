/**
 * The extension's handle on one runner process: start it, feed it one job, watch it, stop it.
 * No vscode import, so the unit tests drive it directly. Every way a runner can end (done, error,
 * crash, hang, cancel) settles `done` with one outcome; nothing here throws into the extension host.
 */
import { type ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DoneMessage, type FromRunner, type JobSpec, parseFromRunner } from '../../engine/protocol';

export interface RunnerClientOptions {
  /** dist/runner.js */
  runnerPath: string;
  /** stdout, stderr and log messages are appended here too (the run's runner.log) */
  logFile?: string;
  /** no message (heartbeats included) for this long = hung; default 120 s, since one synchronous step of a big model blocks heartbeats */
  hangTimeoutMs?: number;
  /** after a cancel message, wait this long before SIGTERM; then killGraceMs more before SIGKILL (default 500 + 400: stopped within a second) */
  cancelGraceMs?: number;
  killGraceMs?: number;
  onMessage?: (msg: FromRunner) => void;
  onLog?: (line: string) => void;
  /** added to the runner's environment */
  env?: Record<string, string>;
}

export type FailureCause = 'error' | 'crash' | 'hang' | 'protocol' | 'spawn';

export type RunnerOutcome =
  | { status: 'completed' | 'cancelled'; done?: DoneMessage; logTail: string[]; exitCode: number | null; signal: string | null }
  | { status: 'failed'; cause: FailureCause; message: string; code?: string; logTail: string[]; exitCode: number | null; signal: string | null };

const LOG_TAIL = 200;

export class RunnerClient {
  readonly done: Promise<RunnerOutcome>;
  private readonly child: ChildProcess;
  private settle!: (o: RunnerOutcome) => void;
  private readonly tail: string[] = [];
  private finalMessage: DoneMessage | undefined;
  private errorMessage: { code: string; message: string } | undefined;
  private violation: string | undefined;
  private hung = false;
  private cancelledAt: number | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private exited = false;

  constructor(
    readonly job: JobSpec,
    private readonly options: RunnerClientOptions,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
    if (options.logFile) fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    this.child = fork(options.runnerPath, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Never inherit --inspect from a debugged extension host (the port would clash); in desktop VS Code
      // process.execPath is Electron, which ELECTRON_RUN_AS_NODE turns into plain Node.
      execArgv: [],
      env: { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    this.child.stdout?.setEncoding('utf8').on('data', (s: string) => this.logLines(s));
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => this.logLines(s));
    this.child.on('message', (raw) => this.receive(raw));
    this.child.on('error', (err) => this.finish(null, null, { cause: 'spawn', message: `The runner could not be started (${err.message}).` }));
    // 'close', not 'exit': it comes after stdout/stderr are drained, so the log tail has the last words.
    this.child.on('close', (code, signal) => this.finish(code, signal));
    this.armWatchdog();
    // The runner registers its message handler before anything else, and IPC buffers until it does.
    this.sendSafely({ type: 'start', job });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Message first (the trainer saves a checkpoint and exits cleanly), then SIGTERM, then SIGKILL. */
  cancel(): void {
    if (this.exited || this.cancelledAt !== undefined) return;
    this.cancelledAt = Date.now();
    this.logLines('cancel requested\n');
    this.sendSafely({ type: 'cancel' });
    const term = this.options.cancelGraceMs ?? 500;
    const kill = term + (this.options.killGraceMs ?? 400);
    this.timers.push(setTimeout(() => this.signal('SIGTERM'), term), setTimeout(() => this.signal('SIGKILL'), kill));
  }

  private receive(raw: unknown): void {
    this.armWatchdog();
    let msg: FromRunner;
    try {
      msg = parseFromRunner(raw);
    } catch (err) {
      this.violation = (err as Error).message;
      this.logLines(`${this.violation}\n`);
      this.signal('SIGKILL');
      return;
    }
    if (msg.type === 'done') this.finalMessage = msg;
    else if (msg.type === 'error') this.errorMessage = msg;
    else if (msg.type === 'protocolError') this.violation = `The runner rejected its job: ${msg.message}`;
    else if (msg.type === 'log') this.logLines(`${msg.level === 'warn' ? 'warning: ' : ''}${msg.message}\n`);
    else if (msg.type === 'backend') this.logLines(`backend ${msg.backend} (${msg.attempts.join('; ')})\n`);
    try {
      this.options.onMessage?.(msg);
    } catch (err) {
      // A listener bug must not take the runner down with it.
      this.logLines(`internal error while handling a '${msg.type}' message: ${(err as Error).message}\n`);
    }
  }

  private finish(exitCode: number | null, signal: NodeJS.Signals | null, spawnFailure?: { cause: FailureCause; message: string }): void {
    if (this.exited) return;
    this.exited = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.watchdog) clearTimeout(this.watchdog);
    const logTail = [...this.tail];
    const base = { logTail, exitCode, signal };
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    if (spawnFailure) this.settle({ status: 'failed', ...spawnFailure, ...base });
    else if (this.finalMessage) this.settle({ status: this.finalMessage.status, done: this.finalMessage, ...base });
    else if (this.errorMessage) this.settle({ status: 'failed', cause: 'error', code: this.errorMessage.code, message: this.errorMessage.message, ...base });
    else if (this.violation) this.settle({ status: 'failed', cause: 'protocol', message: this.violation, ...base });
    else if (this.hung) {
      const ms = this.options.hangTimeoutMs ?? 120_000;
      const s = (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
      this.settle({ status: 'failed', cause: 'hang', message: `The runner sent nothing for ${s} s (hung, or a single step took longer than that), so it was stopped.`, ...base });
    } else if (this.cancelledAt !== undefined) this.settle({ status: 'cancelled', ...base });
    else {
      this.settle({ status: 'failed', cause: 'crash', message: `The runner ${how} before finishing (often an out-of-memory kill or a crash in native code; the log says more).`, ...base });
    }
  }

  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.exited) return;
    this.watchdog = setTimeout(() => {
      this.hung = true;
      this.logLines('no message from the runner within the hang timeout; stopping it\n');
      this.signal('SIGKILL');
    }, this.options.hangTimeoutMs ?? 120_000);
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.exited) return;
    try {
      this.child.kill(sig);
    } catch {
      // already gone: 'exit' settles the outcome
    }
  }

  private sendSafely(msg: object): void {
    if (!this.child.connected) return;
    try {
      this.child.send(msg);
    } catch {
      // the channel closed under us; 'exit' follows
    }
  }

  private logLines(text: string): void {
    const lines = text.split('\n').filter((l) => l.length > 0);
    if (!lines.length) return;
    for (const line of lines) {
      this.tail.push(line);
      if (this.tail.length > LOG_TAIL) this.tail.shift();
      this.options.onLog?.(line);
    }
    if (this.options.logFile) {
      try {
        fs.appendFileSync(this.options.logFile, lines.map((l) => `${new Date().toISOString()} ${l}\n`).join(''));
      } catch {
        // the run folder may have been deleted while running; the output channel still has the log
      }
    }
  }
}
