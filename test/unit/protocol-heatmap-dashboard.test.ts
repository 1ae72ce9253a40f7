/** The heatmap job and messages, and the training dashboard's messages: what is accepted, and why the rest is not. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseFromRunner, parseJob, parseToPanel } from '../../engine/protocol';
import { readMetricsLog } from '../../engine/run/metricsLog';
import { TrainHistory, type TrainPoint, metricsMessage, metricsPoints } from '../../engine/run/trainHistory';

const tensor = (shape: number[], fill = 0) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });
const job = { kind: 'heatmap', backend: 'auto', runDir: '/runs/a', weights: 'ema', outDir: '/runs/a/heatmaps/1', timesteps: [50, 500], count: 2, seed: 0 };
/** 2 timesteps x 3 images of 4x4 RGB */
const heatmap = (extra: Record<string, unknown> = {}) => ({
  type: 'heatmap', column: 0, columns: 2, label: 'a (EMA, step 4)', timesteps: [50, 500],
  x0: tensor([3, 4, 4, 3]), xt: tensor([6, 4, 4, 3]), error: tensor([6, 4, 4, 1], 0.5), mseAt: [1, 1], profileT: [250, 750], profileMse: [1, 0.9], ...extra,
});

describe('protocol: heatmap job', () => {
  it('accepts one model, or two with the second named in compare', () => {
    assert.deepEqual(parseJob(job), { ...job, step: undefined, compare: undefined, impl: undefined });
    const two = parseJob({ ...job, step: 4, compare: { runDir: '/runs/b', weights: 'raw', step: 2 } });
    assert.deepEqual(two.kind === 'heatmap' && two.compare, { runDir: '/runs/b', weights: 'raw', step: 2 });
  });

  it('rejects relative paths, unknown weights and too many images, naming the field', () => {
    assert.throws(() => parseJob({ ...job, compare: { runDir: 'b', weights: 'ema' } }), /heatmap job, field 'compare': field 'runDir' is the relative path "b"/);
    assert.throws(() => parseJob({ ...job, weights: 'best' }), /field 'weights' is "best"; expected one of ema, raw/);
    assert.throws(() => parseJob({ ...job, count: 17 }), /field 'count' is number 17; expected an integer in 1\.\.16/);
    assert.throws(() => parseJob({ ...job, timesteps: [] }), /field 'timesteps' is an array of 0/);
  });
});

describe('protocol: heatmap message', () => {
  it('passes from the runner to the panel unchanged', () => {
    const fromRunner = parseFromRunner(heatmap());
    assert.equal(fromRunner.type, 'heatmap');
    assert.deepEqual(parseToPanel(heatmap()), fromRunner);
  });

  it('rejects maps whose shape does not follow from the timesteps and x0, and negative or non-finite errors', () => {
    assert.throws(() => parseToPanel(heatmap({ error: tensor([3, 4, 4, 1]) })), /field 'error' has shape \[3, 4, 4, 1\]; with 2 timesteps and x0 \[3, 4, 4, 3\] it must be \[6, 4, 4, 1\]/);
    assert.throws(() => parseToPanel(heatmap({ xt: tensor([6, 4, 4, 1]) })), /field 'xt' has shape \[6, 4, 4, 1\]/);
    assert.throws(() => parseToPanel(heatmap({ error: tensor([6, 4, 4, 1], -0.1) })), /field 'error' holds -0\.1.* a finite number >= 0/);
    assert.throws(() => parseToPanel(heatmap({ error: tensor([6, 4, 4, 1], NaN) })), /field 'error' holds NaN/);
    assert.throws(() => parseToPanel(heatmap({ mseAt: [1] })), /field 'mseAt' is an array of 1; expected 2\.\.2 numbers/);
    assert.throws(() => parseToPanel(heatmap({ profileMse: [1] })), /field 'profileMse' is an array of 1/);
    assert.throws(() => parseToPanel(heatmap({ column: 2 })), /field 'column' is number 2; expected an integer in 0\.\.1/);
  });
});

const point = (step: number, loss = 1 / step): TrainPoint => ({ step, loss, lr: 1e-3, gradNorm: 0.5, stepsPerSecond: 10, lossByBucket: [loss, NaN, loss * 2] });

describe('protocol: training dashboard messages', () => {
  it('carries points as columns and back, NaN losses included', () => {
    const points = [point(10), point(20, NaN), point(30)];
    const msg = metricsMessage(points, 100, true);
    const parsed = parseToPanel(msg);
    assert.equal(parsed.type, 'trainMetrics');
    const back = metricsPoints(parsed as typeof msg);
    assert.deepEqual(back.map((p) => [p.step, p.loss, Array.from(p.lossByBucket)]), points.map((p) => [p.step, p.loss, Array.from(p.lossByBucket, (v) => Math.fround(v))]));
  });

  it('rejects columns of the wrong length or kind, steps out of order, and a negative learning rate', () => {
    const good = metricsMessage([point(10), point(20)], 100, false);
    assert.throws(() => parseToPanel({ ...good, loss: new Float64Array(1) }), /field 'loss' is a Float64Array of 1; expected a Float64Array of 2 values/);
    assert.throws(() => parseToPanel({ ...good, lr: [1e-3, 1e-3] }), /field 'lr' is an array of 2/);
    assert.throws(() => parseToPanel({ ...good, step: Float64Array.of(20, 10) }), /increasing integer steps/);
    assert.throws(() => parseToPanel({ ...good, lr: Float64Array.of(1e-3, -1) }), /field 'lr' must hold finite values >= 0/);
    assert.throws(() => parseToPanel({ ...good, lossByBucket: new Float32Array(5) }), /expected a Float32Array of 2 x 3 values/);
  });

  it('accepts previews only as webview resource URIs', () => {
    assert.equal(parseToPanel({ type: 'trainPreview', step: 4, ema: 'https://r/a.png', raw: 'https://r/b.png' }).type, 'trainPreview');
    assert.throws(() => parseToPanel({ type: 'trainPreview', step: 4, ema: 'https://r/a.png', raw: 'file:///b.png' }), /field 'raw' "file:\/\/\/b.png" is not a webview resource URI/);
  });

  it('the runner may name a raw-weights preview beside the EMA one', () => {
    assert.deepEqual(parseFromRunner({ type: 'preview', step: 2, file: '/r/p/step-2.png', rawFile: '/r/p/step-2-raw.png' }), { type: 'preview', step: 2, file: '/r/p/step-2.png', rawFile: '/r/p/step-2-raw.png' });
  });
});

describe('training history', () => {
  it('stays within its bound, spanning the whole run: first and newest points kept', () => {
    const h = new TrainHistory(100);
    for (let s = 1; s <= 10_000; s++) h.add(point(s));
    assert.ok(h.points.length <= 100, `${h.points.length} points kept`);
    assert.ok(h.points.length >= 50, `only ${h.points.length} points kept`);
    assert.equal(h.points[0].step, 1);
    assert.equal(h.latest?.step, 10_000);
    assert.ok(h.points.every((p, i) => i === 0 || p.step > h.points[i - 1].step));
  });

  it('drops what a resumed run logs again: the steps after its checkpoint were never saved', () => {
    const h = new TrainHistory();
    h.addAll([point(10), point(20), point(30), point(20, 7), point(30, 8)]);
    assert.deepEqual(h.points.map((p) => [p.step, p.loss]), [[10, 0.1], [20, 7], [30, 8]]);
  });

  it("reads a run's metrics.jsonl, null losses as NaN, skipping a partial last line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-metrics-'));
    const line = (step: number, loss: number | null) => JSON.stringify({ step, steps: 40, loss, lr: 1e-3, gradNorm: 1, stepsPerSecond: 5, lossByBucket: [loss, null], time: '' });
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${line(10, 0.5)}\n${line(20, null)}\n{"step": 30, "lo`);
    const log = readMetricsLog(dir);
    assert.equal(log.steps, 40);
    assert.equal(log.skipped, 1);
    assert.deepEqual(log.points.map((p) => [p.step, p.loss, ...p.lossByBucket as number[]]), [[10, 0.5, 0.5, NaN], [20, NaN, NaN, NaN]]);
    assert.deepEqual(readMetricsLog(path.join(dir, 'missing')), { points: [], skipped: 0 });
  });
});
