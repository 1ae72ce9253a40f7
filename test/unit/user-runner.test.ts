/**
 * A user implementation through the real runner (dist/runner.js): the job's `impl` is bundled and run
 * in the runner process, training checkpoints the user's model, and sampling streams a frame per step.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { type FromRunner, type JobSpec, parseJob } from '../../engine/protocol';
import { readFrameRecord } from '../../engine/runner/frameRecord';
import { readManifest } from '../../engine/run/manifest';
import { RunnerClient } from '../../extension/runner/client';

const root = path.resolve(__dirname, '../..');
const runner = path.join(root, 'dist', 'runner.js');
const fixture = (name: string) => path.join(root, 'test/fixtures/user', name);
const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-user-runner-'));
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const trainJob = (runDir: string, impl: string): JobSpec => parseJob({
  kind: 'train', backend: 'wasm', runDir, resume: false, dataset: 'shapes', imageSize: 16, preset: 'tiny', cond: 'none', schedule: 'linear', T: 100,
  steps: 2, batchSize: 2, microBatch: 2, learningRate: 1e-3, seed: 0, checkpointEvery: 2, previewEvery: 0, logEvery: 1, impl,
});

describe('runner jobs with a user implementation', () => {
  it('the job spec takes an absolute impl path and refuses a relative one', () => {
    assert.throws(() => trainJob('/tmp/run', 'my-ddpm.ts'), /field 'impl' is the relative path "my-ddpm\.ts"; the runner needs an absolute path/);
    assert.equal((trainJob('/tmp/run', '/w/my-ddpm.ts') as { impl?: string }).impl, '/w/my-ddpm.ts');
  });

  it('trains with the user model, then samples with the user model and step: one recorded frame per step', async () => {
    assert.ok(fs.existsSync(runner), `${runner} missing: run npm run build`);
    const runDir = path.join(tmp(), 'run');
    const logs: string[] = [];
    const trained = await new RunnerClient(trainJob(runDir, fixture('tiny-model.ts')), { runnerPath: runner, onMessage: (m) => m.type === 'log' && logs.push(m.message) }).done;
    assert.equal(trained.status, 'completed', JSON.stringify(trained));
    assert.match(logs.join('\n'), /your implementation tiny-model\.ts: createModel/);
    assert.equal(readManifest(runDir).implementation?.provided.join(), 'createModel');

    // A module that provides both the model (for the weights) and the DDIM step: re-exported together.
    const both = path.join(tmp(), 'both.ts');
    fs.writeFileSync(both, `export { createModel } from ${JSON.stringify(fixture('tiny-model.ts'))};\nexport { step, timesteps } from ${JSON.stringify(fixture('ddim.ts'))};\n`);
    const outDir = tmp();
    const frames: FromRunner[] = [];
    const sample = parseJob({ kind: 'sample', backend: 'wasm', runDir, outDir, sampler: 'ddim', steps: 5, eta: 0, spacing: 'trailing', guidance: 0, n: 2, seed: 0, weights: 'ema', impl: both });
    const sampled = await new RunnerClient(sample, { runnerPath: runner, onMessage: (m) => m.type === 'frame' && frames.push(m) }).done;
    assert.equal(sampled.status, 'completed', JSON.stringify(sampled));
    assert.ok(frames.length >= 1);
    // the user's timesteps(): round(T - i T/N) - 1 for T = 100, N = 5
    assert.deepEqual(readFrameRecord(outDir).frames.map((f) => f.t), [99, 79, 59, 39, 19]);
  });

  it('a syntax error in the implementation fails the job with the file and line, and the runner exits cleanly', async () => {
    const outcome = await new RunnerClient(trainJob(path.join(tmp(), 'run'), fixture('syntax-error.ts')), { runnerPath: runner }).done;
    assert.ok(outcome.status === 'failed' && outcome.cause === 'error' && outcome.code === 'impl-syntax', JSON.stringify(outcome));
    assert.match(outcome.message, /syntax-error\.ts:4:\d+: Unexpected "\)"/);
  });
});
