/**
 * dist/runner.js: the process that runs one job for the extension, then exits. Started with
 * child_process.fork (see channel.ts for why IPC); a crash or runaway allocation here, including in a
 * user's model code, kills this process and never the extension host.
 */
import { DlensError } from '../errors';
import { type JobSpec, type ToRunner, parseToRunner } from '../protocol';
import { chooseRunnerBackend } from './backendChoice';
import { Channel } from './channel';
import type { JobContext, JobOutcome } from './context';
import { doctorJob } from './doctorJob';
import { forwardJob } from './forwardJob';
import { heatmapJob } from './heatmapJob';
import { sampleJob } from './sampleJob';
import { studyJob } from './studyJob';
import { sweepJob } from './sweepJob';
import { trainJob } from './trainJob';

const channel = new Channel();
const controller = new AbortController();
let started = false;

// The extension went away (window closed, host crashed): stop as Stop would, so the trainer saves a
// checkpoint and marks the run cancelled (resumable), rather than run on unattended or die mid-record.
process.on('disconnect', () => {
  if (!started) process.exit(0);
  controller.abort();
  setTimeout(() => process.exit(0), 10_000);
});
process.on('uncaughtException', (err) => void fail(err));
process.on('unhandledRejection', (err) => void fail(err));

process.on('message', (raw) => {
  let msg: ToRunner;
  try {
    msg = parseToRunner(raw);
  } catch (err) {
    if (!started) void channel.finish({ type: 'protocolError', message: (err as Error).message }, 2);
    else channel.send({ type: 'protocolError', message: (err as Error).message });
    return;
  }
  if (msg.type === 'cancel') {
    controller.abort();
    return;
  }
  if (started) {
    channel.send({ type: 'protocolError', message: 'A runner runs exactly one job; this one already started. Fix: start a new runner for the next job.' });
    return;
  }
  started = true;
  void run(msg.job);
});

channel.startHeartbeat();
channel.send({ type: 'ready', pid: process.pid });

const JOBS: { [K in JobSpec['kind']]: (job: Extract<JobSpec, { kind: K }>, ctx: JobContext) => Promise<JobOutcome> } = {
  train: trainJob,
  sample: sampleJob,
  sweep: sweepJob,
  forward: forwardJob,
  heatmap: heatmapJob,
  doctor: doctorJob,
  study: studyJob,
};

async function run(job: JobSpec): Promise<void> {
  try {
    const { backend, attempts } = await chooseRunnerBackend(job.backend);
    channel.send({ type: 'backend', backend, attempts });
    const ctx: JobContext = {
      signal: controller.signal,
      log: (message, level = 'info') => channel.send({ type: 'log', level, message }),
      progress: (p) => channel.send({ type: 'trainProgress', ...p }),
      preview: (step, file, rawFile) => channel.send({ type: 'preview', step, file, rawFile }),
      frame: (f) => channel.frame(f),
      cell: (c) => channel.send(c),
      heatmap: (h) => channel.send(h),
      doctorReport: (report) => channel.send({ type: 'doctorReport', report }),
    };
    const outcome = await (JOBS[job.kind] as (job: JobSpec, ctx: JobContext) => Promise<JobOutcome>)(job, ctx);
    await channel.finish({ type: 'done', ...outcome }, 0);
  } catch (err) {
    await fail(err);
  }
}

async function fail(err: unknown): Promise<void> {
  const e = err as Partial<DlensError> & Error;
  process.stderr.write(`${e?.stack ?? String(err)}\n`);
  await channel.finish({ type: 'error', code: e instanceof DlensError ? e.code : 'internal', message: e?.message ?? String(err), fix: e instanceof DlensError ? e.fix : undefined }, 1);
}
