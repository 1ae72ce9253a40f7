/**
 * After a runner ends without saying so itself (killed, crashed, hung, cancelled by signal), the
 * extension writes the ending into the record on disk: manifest.json for training runs, job.json for
 * the other jobs. Only a record still marked 'running' is touched; what the runner recorded (checkpoints,
 * frames, PNGs) stays as it is. No vscode import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJobRecord, writeJobRecord } from '../../engine/runner/jobRecord';
import type { JobSpec } from '../../engine/protocol';
import { manifestPath, readManifest, writeManifest } from '../../engine/run/manifest';
import type { RunnerOutcome } from './client';

export function recordDir(job: JobSpec): string {
  return job.kind === 'train' ? job.runDir : job.outDir;
}

/** One line for the record and the notification: what ended the runner and what is still on disk. */
export function describeOutcome(job: JobSpec, outcome: RunnerOutcome): string {
  if (outcome.status !== 'failed') return outcome.status;
  // An engine error says itself what state it left; a dead runner cannot, so say what survived.
  if (job.kind !== 'train' || outcome.cause === 'error') return outcome.message;
  try {
    const m = readManifest(job.runDir);
    const kept = m.checkpoint ? `The checkpoint at step ${m.checkpoint.step} is intact; Resume Training continues from it.` : 'No checkpoint had been written yet.';
    return `${outcome.message} ${kept}`;
  } catch {
    return outcome.message;
  }
}

export function recordOutcome(job: JobSpec, outcome: RunnerOutcome, pid: number | undefined): void {
  const dir = recordDir(job);
  if (outcome.status === 'failed' || outcome.status === 'cancelled') {
    const status = outcome.status;
    const error = status === 'failed' ? `${describeOutcome(job, outcome)}\nLast log lines:\n${outcome.logTail.slice(-15).join('\n')}` : undefined;
    if (job.kind === 'train') markRun(job.runDir, status, error);
    else markJob(dir, status, error);
  }
  if (pid !== undefined) removeTempFiles(dir, pid);
}

function markRun(runDir: string, status: 'failed' | 'cancelled', error: string | undefined): void {
  if (!fs.existsSync(manifestPath(runDir))) return;
  try {
    const m = readManifest(runDir);
    if (m.status !== 'running') return;
    m.status = status;
    if (error) m.error = error;
    writeManifest(runDir, m);
  } catch {
    // a corrupt manifest stays as it is: the Runs view reports it
  }
}

function markJob(dir: string, status: 'failed' | 'cancelled', error: string | undefined): void {
  const rec = readJobRecord(dir);
  if (!rec || rec.status !== 'running') return;
  writeJobRecord(dir, { ...rec, status, error, endedAt: new Date().toISOString() });
}

/** writeFileAtomic's `<file>.<pid>.tmp` left behind by a killed runner: never a valid file, only clutter. */
function removeTempFiles(dir: string, pid: number): void {
  for (const sub of ['', 'checkpoints', 'previews']) {
    const folder = path.join(dir, sub);
    let names: string[];
    try {
      names = fs.readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.endsWith(`.${pid}.tmp`))) fs.rmSync(path.join(folder, name), { force: true });
  }
}
