/**
 * The doctor in the runner: the user's module is loaded and run here, never in the extension host, so
 * a crash or endless loop in it costs only this process. The report goes out as one doctorReport
 * message and into report.json beside job.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDoctor } from '../doctor';
import { isErrorFree } from '../doctor/types';
import type { DoctorJob } from '../protocol/jobs';
import { loadImplementation } from '../user/load';
import type { JobContext, JobOutcome } from './context';
import { recorded } from './recorded';

export function doctorJob(job: DoctorJob, ctx: JobContext): Promise<JobOutcome> {
  return recorded(job.outDir, job, async () => {
    const loaded = await loadImplementation(job.file);
    ctx.log(`${path.basename(job.file)} exports ${loaded.provided.join(', ')}; checking (T = ${job.T}, ${job.steps} steps, seed ${job.seed})`);
    const report = await runDoctor(loaded.impl, { T: job.T, steps: job.steps, seed: job.seed, onGroup: (g) => ctx.log(`checking ${g}.*`) });
    report.notes.push(...(loaded.warnings ?? []));
    const file = path.join(job.outDir, 'report.json');
    fs.writeFileSync(file, JSON.stringify({ file: loaded.file, provided: loaded.provided, ...report }, null, 2));
    ctx.doctorReport(report);
    const errors = report.findings.filter((f) => f.severity === 'error').length;
    ctx.log(isErrorFree(report) ? `no errors (${report.findings.length} warnings, ${report.passed.length} checks passed)` : `${errors} errors`);
    return { kind: 'doctor', status: 'completed', files: [file], warnings: [] };
  });
}
