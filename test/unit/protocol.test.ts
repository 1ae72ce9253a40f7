import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatestWins, parseFromPanel, parseFromRunner, parseJob, parseToPanel, parseToRunner } from '../../engine/protocol';

const tensor = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
const frame = (extra: Record<string, unknown> = {}) => ({ type: 'frame', step: 0, steps: 2, t: 999, tPrev: 499, x: tensor([2, 4, 4, 3]), eps: tensor([2, 4, 4, 3]), x0: tensor([2, 4, 4, 3]), ...extra });
const forward = { kind: 'forward', backend: 'auto', outDir: '/tmp/out', image: '/tmp/a.png', size: 32, schedule: 'linear', T: 1000, timesteps: [0, 999], seed: 0 };

describe('protocol: jobs', () => {
  it('accepts a well-formed job and keeps its fields', () => {
    assert.deepEqual(parseJob(forward), forward);
    assert.deepEqual(parseToRunner({ type: 'start', job: forward }), { type: 'start', job: forward });
    assert.deepEqual(parseToRunner({ type: 'cancel' }), { type: 'cancel' });
  });

  it('rejects malformed jobs, naming the field, what arrived and what was expected', () => {
    assert.throws(() => parseJob({ ...forward, kind: 'paint' }), /field 'kind' is "paint"; expected one of train, sample, sweep, forward/);
    assert.throws(() => parseJob({ ...forward, outDir: 'relative/out' }), /'outDir' is the relative path "relative\/out"; the runner needs an absolute path/);
    assert.throws(() => parseJob({ ...forward, timesteps: [0, 1000] }), /'timesteps' is an array of 2; expected 1\.\.64 integers in \[0, 999\]/);
    assert.throws(() => parseJob({ ...forward, seed: 1.5 }), /'seed' is number 1.5; expected an integer/);
    const train = { kind: 'train', backend: 'auto', runDir: '/r', resume: false, dataset: 'shapes', preset: 'tiny', cond: 'none', schedule: 'linear', T: 1000, steps: 10, batchSize: 4, microBatch: 4, learningRate: 1e-3, seed: 0, checkpointEvery: 5, previewEvery: 0, logEvery: 1 };
    assert.equal(parseJob(train).kind, 'train');
    assert.throws(() => parseJob({ ...train, preset: 'huge' }), /'preset' is "huge"; expected one of tiny, small, base/);
    assert.throws(() => parseJob({ ...train, microBatch: 8 }), /'microBatch' is number 8; expected an integer in 1\.\.4/);
    assert.equal((parseJob({ ...train, workers: 2 }) as { workers?: number }).workers, 2);
    assert.throws(() => parseJob({ ...train, workers: 0 }), /'workers' is number 0; expected an integer in 1\.\.64/);
    assert.throws(() => parseJob({ ...train, batchSize: undefined }), /field 'batchSize' is missing/);
    assert.throws(() => parseToRunner({ type: 'start' }), /Malformed start message's job: expected an object, got missing/);
    assert.throws(() => parseToRunner('start'), /expected an object, got "start"/);
  });

  it('every protocol error says how to fix it', () => {
    assert.throws(() => parseToRunner({ type: 'stop' }), /Fix: send messages built with the types in engine\/protocol/);
  });
});

describe('protocol: runner messages', () => {
  it('accepts frames whose tensors are Float32Arrays of the stated shape', () => {
    const f = parseFromRunner(frame({ epsCond: tensor([2, 4, 4, 3]), epsUncond: tensor([2, 4, 4, 3]) }));
    assert.equal(f.type, 'frame');
    assert.ok(f.type === 'frame' && f.x.data instanceof Float32Array);
  });

  it('rejects tensors sent as JSON arrays of numbers, or with a shape that does not match their data', () => {
    assert.throws(() => parseFromRunner(frame({ x: { shape: [1, 1, 1, 1], data: [0] } })), /'data' is an array of 1; tensors travel as a Float32Array, never as a JSON array of numbers/);
    assert.throws(() => parseFromRunner(frame({ x: { shape: [2, 4, 4, 3], data: new Float32Array(5) } })), /holds 96 values but 'data' has 5/);
    assert.throws(() => parseFromRunner(frame({ x: tensor([2, 4, 4, 2]) })), /is not an image batch \[B, H, W, 1 or 3\]/);
    assert.throws(() => parseFromRunner(frame({ eps: tensor([1, 4, 4, 3]) })), /field 'eps' has shape \[1, 4, 4, 3\] but x has \[2, 4, 4, 3\]/);
    assert.throws(() => parseFromRunner(frame({ step: 2 })), /field 'step' is number 2; expected an integer in 0\.\.1/);
  });

  it('accepts NaN losses (divergence is news) but not NaN in plain numeric fields', () => {
    const p = { type: 'trainProgress', step: 1, steps: 2, loss: NaN, lr: 1e-3, gradNorm: Infinity, stepsPerSecond: 2, lossByBucket: new Float32Array(10) };
    assert.ok(Number.isNaN((parseFromRunner(p) as { loss: number }).loss));
    assert.throws(() => parseFromRunner({ ...p, lr: NaN }), /field 'lr' is number NaN; expected a finite number/);
    assert.throws(() => parseFromRunner({ ...p, lossByBucket: [1, 2] }), /'lossByBucket' must be a Float32Array/);
  });

  it('lists the known message types when the type is unknown', () => {
    assert.throws(() => parseFromRunner({ type: 'progress' }), /expected one of ready, heartbeat, backend, log, trainProgress, preview, frame, cell, heatmap, doctorReport, done, error, protocolError/);
  });
});

describe('protocol: panel messages', () => {
  it('validates what goes to the panel', () => {
    assert.equal(parseToPanel({ ...frame(), seq: 3 }).type, 'frame');
    assert.throws(() => parseToPanel({ ...frame() }), /field 'seq' is missing/);
    assert.equal(parseToPanel({ type: 'picture', src: 'https://file+.vscode-resource.vscode-cdn.net/x.png', caption: '' }).type, 'picture');
    assert.throws(() => parseToPanel({ type: 'picture', src: 'javascript:alert(1)', caption: '' }), /is not a webview resource URI/);
    assert.throws(() => parseToPanel({ type: 'cell', row: 2, col: 0, rows: 2, cols: 2, scale: 1, label: '', image: tensor([1, 4, 4, 3]) }), /field 'row' is number 2; expected an integer in 0\.\.1/);
  });

  it('validates what the panel sends back', () => {
    assert.deepEqual(parseFromPanel({ type: 'frameShown', seq: 1, step: 0 }), { type: 'frameShown', seq: 1, step: 0 });
    assert.throws(() => parseFromPanel({ type: 'frameShown', seq: -1, step: 0 }), /field 'seq' is number -1/);
    assert.throws(() => parseFromPanel({ type: 'eval', code: '1' }), /expected one of ready, frameShown, panelError/);
  });
});

describe('LatestWins (frame flow control)', () => {
  it('keeps one item in flight and only the newest waiting; the last item is always delivered', async () => {
    const sent: number[] = [];
    const gate = new LatestWins<number>((n) => sent.push(n));
    for (let i = 0; i < 10; i++) gate.offer(i);
    assert.deepEqual(sent, [0]);
    assert.equal(gate.dropped, 8);
    gate.ack();
    assert.deepEqual(sent, [0, 9]);
    const idle = gate.idle();
    gate.ack();
    await idle;
    assert.equal(gate.busy, false);
    gate.offer(10);
    assert.deepEqual(sent, [0, 9, 10]);
  });

  it('reset() resends the newest when the reader went away', () => {
    const sent: number[] = [];
    const gate = new LatestWins<number>((n) => sent.push(n));
    gate.offer(1);
    gate.reset(1);
    assert.deepEqual(sent, [1, 1]);
  });
});
