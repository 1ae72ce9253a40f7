/**
 * The doctor job in the real runner (dist/runner.js): the user's file is loaded and checked in the child,
 * the report arrives as a validated doctorReport message and is written to report.json.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { type DoctorReportMessage, type FromRunner, type JobSpec, parseDoctorReport, parseJob } from '../../engine/protocol';
import { readJobRecord } from '../../engine/runner/jobRecord';
import { RunnerClient } from '../../extension/runner/client';

const root = path.resolve(__dirname, '../..');
const runner = path.join(root, 'dist', 'runner.js');
const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const doctorJob = (file: string): JobSpec => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-doctor-'));
  made.push(outDir);
  return { kind: 'doctor', backend: 'wasm', outDir, file: path.join(root, 'examples', file), T: 1000, steps: 50, seed: 0 };
};

describe('doctor job', () => {
  it('runs the checks in the runner and sends the findings as one validated message', async () => {
    const job = doctorJob('bug-last-step-noise.ts');
    const reports: DoctorReportMessage[] = [];
    const outcome = await new RunnerClient(job, { runnerPath: runner, onMessage: (m: FromRunner) => m.type === 'doctorReport' && reports.push(m) }).done;
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
    assert.equal(reports.length, 1);
    const final = reports[0].report.findings.find((f) => f.check === 'sampler.final-noise');
    assert.equal(final?.severity, 'error');
    const onDisk = JSON.parse(fs.readFileSync(path.join(job.kind === 'doctor' ? job.outDir : '', 'report.json'), 'utf8'));
    assert.deepEqual(parseDoctorReport(onDisk, 'report.json').findings, reports[0].report.findings);
    assert.equal(readJobRecord(job.kind === 'doctor' ? job.outDir : '')?.status, 'completed');
  });

  it('a file that does not load fails the job with the loader\'s message and fix', async () => {
    const outcome = await new RunnerClient(doctorJob('no-such-file.ts'), { runnerPath: runner }).done;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.status === 'failed' ? outcome.message : '', /not found/);
  });

  it('the job spec is validated: steps within 2..T, absolute paths', () => {
    const ok = { kind: 'doctor', backend: 'wasm', outDir: '/tmp/o', file: '/tmp/f.ts', T: 100, steps: 50, seed: 0 };
    assert.deepEqual(parseJob(ok), ok);
    assert.throws(() => parseJob({ ...ok, steps: 101 }), /field 'steps'.*2\.\.100/);
    assert.throws(() => parseJob({ ...ok, file: 'f.ts' }), /relative path/);
  });
});
