/** Wraps a job that writes an output folder so its job.json always says how it ended. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobSpec } from '../protocol/jobs';
import type { JobOutcome } from './context';
import { writeJobRecord } from './jobRecord';

export async function recorded(dir: string, job: JobSpec, body: () => Promise<JobOutcome>): Promise<JobOutcome> {
  fs.mkdirSync(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  writeJobRecord(dir, { job, status: 'running', startedAt, files: [] });
  try {
    const outcome = await body();
    writeJobRecord(dir, { job, status: outcome.status, startedAt, endedAt: new Date().toISOString(), files: outcome.files.map((f) => path.relative(dir, f)) });
    return outcome;
  } catch (err) {
    writeJobRecord(dir, { job, status: 'failed', startedAt, endedAt: new Date().toISOString(), error: (err as Error).message, files: [] });
    throw err;
  }
}
