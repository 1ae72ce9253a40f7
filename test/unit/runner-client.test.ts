/**
 * The extension's runner client against the real dist/runner.js and against small fake runners that
 * misbehave on purpose (ignore Stop, hang, crash, send malformed frames).
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { FromRunner, JobSpec } from '../../engine/protocol';
import { readFrameRecord } from '../../engine/runner/frameRecord';
import { readJobRecord } from '../../engine/runner/jobRecord';
import { RunnerClient } from '../../extension/runner/client';

const root = path.resolve(__dirname, '../..');
const runner = path.join(root, 'dist', 'runner.js');
/** Temporary folders of this file, removed when it is done. */
const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-runner-'));
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const forwardJob = (outDir: string): JobSpec => ({ kind: 'forward', backend: 'wasm', outDir, image: path.join(root, 'examples', 'shapes.png'), size: 16, schedule: 'cosine', T: 1000, timesteps: [0, 250, 500, 750, 999], seed: 0 });

/** A runner stand-in: `body` runs in a child with an IPC channel. */
function fake(body: string): string {
  const file = path.join(tmp(), 'fake-runner.js');
  fs.writeFileSync(file, `process.send({ type: 'ready', pid: process.pid });\n${body}\n`);
  return file;
}

describe('runner client', () => {
  it('runs a real job: frames arrive as Float32Array through IPC, every frame is recorded, the record says completed', async () => {
    assert.ok(fs.existsSync(runner), `${runner} missing: run npm run build`);
    const out = tmp();
    const frames: FromRunner[] = [];
    const client = new RunnerClient(forwardJob(out), { runnerPath: runner, logFile: path.join(out, 'runner.log'), onMessage: (m) => m.type === 'frame' && frames.push(m) });
    const outcome = await client.done;
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
    assert.equal(outcome.status === 'completed' && outcome.done?.frames, 5);
    assert.ok(frames.length >= 1 && frames.length <= 5);
    const last = frames[frames.length - 1];
    assert.ok(last.type === 'frame' && last.x.data instanceof Float32Array && last.t === 999, 'the last frame always arrives');
    const record = readFrameRecord(out);
    assert.deepEqual(record.frames.map((f) => f.t), [0, 250, 500, 750, 999]);
    assert.deepEqual(Array.from(record.frames[4].load().x.data.subarray(0, 3)), Array.from((last.type === 'frame' ? last.x.data : new Float32Array()).subarray(0, 3)));
    assert.equal(readJobRecord(out)?.status, 'completed');
    assert.match(fs.readFileSync(path.join(out, 'runner.log'), 'utf8'), /backend wasm/);
    // The forward process's x0 is this one image: the player's σ_data is its own std, recorded with every frame.
    const x0 = record.frames[0].load().x0.data;
    const mean = x0.reduce((a, b) => a + b, 0) / x0.length;
    const std = Math.sqrt(x0.reduce((a, b) => a + (b - mean) ** 2, 0) / x0.length);
    for (const f of record.frames) assert.ok(Math.abs(f.sigmaData - std) < 1e-9, `σ_data ${f.sigmaData} vs the image's std ${std}`);
  });

  it('the runner rejects a malformed job and says which field is wrong', async () => {
    const bad = { ...forwardJob('/tmp/x'), outDir: 'relative' } as JobSpec;
    const outcome = await new RunnerClient(bad, { runnerPath: runner }).done;
    assert.equal(outcome.status, 'failed');
    assert.ok(outcome.status === 'failed' && outcome.cause === 'protocol');
    assert.match(outcome.status === 'failed' ? outcome.message : '', /The runner rejected its job: .*'outDir' is the relative path "relative"/);
  });

  it('reports an engine error with its code and fix', async () => {
    const out = tmp();
    const outcome = await new RunnerClient({ ...forwardJob(out), image: path.join(out, 'missing.png') } as JobSpec, { runnerPath: runner }).done;
    assert.ok(outcome.status === 'failed' && outcome.cause === 'error' && outcome.code === 'file-not-found', JSON.stringify(outcome));
    assert.match(outcome.message, /Image file not found: .*missing\.png Fix: check the path/);
    assert.equal(readJobRecord(out)?.status, 'failed');
  });

  it('Stop escalates: message, then SIGTERM, then SIGKILL, so even a runner that ignores both is gone within a second', async () => {
    const client = new RunnerClient(forwardJob('/tmp/unused'), { runnerPath: fake("process.on('SIGTERM', () => {}); process.on('message', () => {}); setInterval(() => process.send({ type: 'heartbeat' }), 50);") });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    client.cancel();
    const outcome = await client.done;
    const ms = Date.now() - t0;
    assert.equal(outcome.status, 'cancelled');
    assert.equal(outcome.signal, 'SIGKILL');
    assert.ok(ms <= 1000, `took ${ms} ms`);
  });

  it('a runner that honours the cancel message exits cleanly, before any signal', async () => {
    const client = new RunnerClient(forwardJob('/tmp/unused'), { runnerPath: fake("process.on('message', (m) => { if (m.type === 'cancel') process.send({ type: 'done', kind: 'forward', status: 'cancelled', files: [], warnings: [] }, () => process.exit(0)); }); setInterval(() => {}, 1000);") });
    await new Promise((r) => setTimeout(r, 300));
    client.cancel();
    const outcome = await client.done;
    assert.equal(outcome.status, 'cancelled');
    assert.equal(outcome.signal, null);
  });

  it('a silent runner is declared hung and killed', async () => {
    const outcome = await new RunnerClient(forwardJob('/tmp/unused'), { runnerPath: fake('setInterval(() => {}, 1000);'), hangTimeoutMs: 400 }).done;
    assert.ok(outcome.status === 'failed' && outcome.cause === 'hang', JSON.stringify(outcome));
    assert.match(outcome.message, /The runner sent nothing for 0\.4 s \(hung, or a single step took longer than that\), so it was stopped\./);
  });

  it('a crash is reported with the exit code and the last lines of its log', async () => {
    const outcome = await new RunnerClient(forwardJob('/tmp/unused'), { runnerPath: fake("console.error('wasm: out of memory'); process.exit(3);") }).done;
    assert.ok(outcome.status === 'failed' && outcome.cause === 'crash');
    assert.match(outcome.message, /exited with code 3 before finishing/);
    assert.ok(outcome.logTail.includes('wasm: out of memory'));
  });

  it('a malformed frame (a JSON array instead of a Float32Array) stops the runner with a protocol error', async () => {
    const frame = "{ type: 'frame', step: 0, steps: 1, t: 0, tPrev: -1, x: { shape: [1, 1, 1, 1], data: [0] }, eps: { shape: [1, 1, 1, 1], data: [0] }, x0: { shape: [1, 1, 1, 1], data: [0] } }";
    const outcome = await new RunnerClient(forwardJob('/tmp/unused'), { runnerPath: fake(`process.send(${frame}); setInterval(() => {}, 1000);`) }).done;
    assert.ok(outcome.status === 'failed' && outcome.cause === 'protocol', JSON.stringify(outcome));
    assert.match(outcome.message, /never as a JSON array of numbers/);
  });
});

describe('runner without its extension', () => {
  it('when the extension goes away mid-training, saves a checkpoint, marks the run cancelled and exits', async () => {
    const runDir = path.join(tmp(), 'run');
    const job: JobSpec = {
      kind: 'train', backend: 'wasm', runDir, resume: false, dataset: 'shapes', preset: 'tiny', cond: 'none', schedule: 'linear', T: 1000,
      steps: 100000, batchSize: 2, microBatch: 2, learningRate: 1e-3, seed: 0, checkpointEvery: 1000, previewEvery: 0, logEvery: 1,
    };
    const child = fork(runner, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.send({ type: 'start', job });
    await new Promise<void>((resolve) => child.on('message', (m: { type: string; step?: number }) => m.type === 'trainProgress' && (m.step ?? 0) >= 2 && resolve()));
    child.disconnect();
    assert.equal(await exited, 0);
    const m = JSON.parse(fs.readFileSync(path.join(runDir, 'manifest.json'), 'utf8'));
    assert.equal(m.status, 'cancelled');
    assert.ok(m.checkpoint && m.checkpoint.step >= 2, 'no checkpoint at the step reached');
  });
});

describe('extension bundle', () => {
  it('dist/extension.js loads no TensorFlow.js, sharp or other engine dependency (activation stays light)', () => {
    const bundle = fs.readFileSync(path.join(root, 'dist', 'extension.js'), 'utf8');
    const requires = [...new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
    assert.deepEqual(requires, ['node:child_process', 'node:fs', 'node:path', 'vscode']);
  });
});
