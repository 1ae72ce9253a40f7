/** The augmentation study as a runner job: progress lines to the log, study.json and report.md on disk. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StudyJob } from '../protocol/jobs';
import type { StudyConfig } from '../study/config';
import { writeStudyMarkdown } from '../study/markdown';
import { runStudy } from '../study/study';
import type { JobContext, JobOutcome } from './context';

export async function studyJob(job: StudyJob, ctx: JobContext): Promise<JobOutcome> {
  const overrides: Partial<StudyConfig> = {};
  for (const key of ['generatorSteps', 'synthetic', 'samplerSteps', 'classifierSteps', 'seeds'] as const) {
    if (job[key] !== undefined) overrides[key] = job[key];
  }
  if (job.filter) overrides.filter = job.filter;
  const report = await runStudy({ dataset: job.dataset, quick: job.quick, out: job.outDir, overrides, log: (m) => ctx.log(m), signal: ctx.signal });
  const json = path.join(job.outDir, 'study.json');
  fs.writeFileSync(json, JSON.stringify(report) + '\n');
  const md = writeStudyMarkdown(job.outDir, report);
  const pngs = [report.files.synthetic, report.files.real, report.files.nearCopies].filter((f): f is string => !!f).map((f) => path.join(job.outDir, f));
  return { kind: 'study', status: 'completed', files: [json, md, ...pngs], warnings: [] };
}
