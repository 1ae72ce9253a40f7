/**
 * `job.json` in a sample, sweep or forward output folder: what was asked and how it ended. Training
 * runs keep this in manifest.json instead. Written atomically, so a reader sees the old or the new one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobSpec } from '../protocol/jobs';
import type { JobState } from '../protocol/panel';
import { writeFileAtomic } from '../run/files';

export const JOB_RECORD = 'job.json';

export interface JobRecord {
  job: JobSpec;
  status: JobState;
  startedAt: string;
  endedAt?: string;
  error?: string;
  /** files written, relative to the folder */
  files: string[];
}

export function writeJobRecord(dir: string, record: JobRecord): void {
  writeFileAtomic(path.join(dir, JOB_RECORD), JSON.stringify(record, null, 2));
}

export function readJobRecord(dir: string): JobRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, JOB_RECORD), 'utf8')) as JobRecord;
  } catch {
    return undefined;
  }
}
