/**
 * Seeks answered from a real run record (written by FrameRecorder), while it grows and after; the
 * messages they produce pass the panel protocol's validators; the panel's seeker and statistics store.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { diffusionTables } from '../../engine/diffusion';
import { type FrameMessage, parseFromPanel, parseToPanel } from '../../engine/protocol';
import { FRAME_DATA, FRAME_INDEX, FrameRecorder } from '../../engine/runner/frameRecord';
import { FrameSource } from '../../engine/runner/frameSource';
import { makeBetas } from '../../engine/schedules';
import { frameStats } from '../../engine/trajectory/stats';
import { DEFAULT_BREAKPOINTS } from '../../engine/trajectory/breakpoints';
import { keyAction, stepOfTimestep } from '../../webview/trajectory/keys';
import { readTrajectoryState } from '../../webview/trajectory/saved';
import { Seeker, type StepFrame } from '../../webview/trajectory/seeker';
import { StatsStore } from '../../webview/trajectory/statsStore';

const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-seek-'));
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const STEPS = 5;
const T = (step: number) => 999 - step * 200;
const batch = (seed: number) => ({ shape: [2, 2, 2, 1], data: Float32Array.from({ length: 8 }, (_, i) => Math.sin(seed * 8 + i)) });
const frame = (step: number): FrameMessage => ({
  type: 'frame', step, steps: STEPS, t: T(step), tPrev: step === STEPS - 1 ? -1 : T(step + 1), x: batch(step), eps: batch(10 + step), x0: batch(20 + step), epsCond: batch(30 + step), epsUncond: batch(40 + step),
});
const { alphasCumprod } = diffusionTables(makeBetas('linear', 1000));

describe('seeks answered from a run record', () => {
  it('tails a record being written: each refresh adds only complete new frames, stats and frames match what was recorded', () => {
    const dir = tmp();
    const rec = new FrameRecorder(dir, { alphasCumprod });
    const source = new FrameSource(dir);
    assert.equal(source.refresh(), 0, 'an empty folder has nothing yet');
    rec.append(frame(0));
    rec.append(frame(1));
    assert.equal(source.refresh(), 2);
    // A line being written (no newline yet) is left for the next refresh.
    fs.appendFileSync(path.join(dir, FRAME_INDEX), '{"step": 2, "ste');
    assert.equal(source.refresh(), 0);
    fs.truncateSync(path.join(dir, FRAME_INDEX), fs.statSync(path.join(dir, FRAME_INDEX)).size - '{"step": 2, "ste'.length);
    [2, 3, 4].forEach((s) => rec.append(frame(s)));
    rec.close();
    assert.equal(source.refresh(), 3);
    assert.equal(source.count, 5);
    assert.deepEqual(source.problems, []);

    const answer = source.frame(3, 17);
    assert.equal(answer.type, 'stepFrame');
    assert.equal(answer.request, 17);
    for (const key of ['x', 'eps', 'x0', 'epsCond', 'epsUncond'] as const) assert.deepEqual(answer[key], frame(3)[key], key);
    // The answer is a valid panel message, as the webview will check.
    assert.equal(parseToPanel(answer).type, 'stepFrame');

    const chunk = source.stats(2)!;
    const parsed = parseToPanel(chunk);
    assert.equal(parsed.type, 'trajectoryStats');
    assert.deepEqual([chunk.from, chunk.images, chunk.steps, [...chunk.t]], [2, 2, 5, [T(2), T(3), T(4)]]);
    assert.equal(chunk.alphaBar[1], alphasCumprod[T(3)]);
    // step 3, image 1 of the chunk: the same numbers frameStats gives for the frame (as float32).
    const expected = frameStats(frame(3));
    assert.equal(chunk.stats.xStd[1 * 2 + 1], Math.fround(expected.xStd[1]));
    assert.equal(chunk.stats.x0Min[1 * 2 + 0], Math.fround(expected.x0Min[0]));
  });

  it('a step not recorded is refused with the count, and a record written before statistics existed gets them computed', () => {
    const dir = tmp();
    const rec = new FrameRecorder(dir);
    rec.append(frame(0));
    rec.close();
    // Strip the statistics from the index, as an older version wrote it.
    const index = path.join(dir, FRAME_INDEX);
    const line = JSON.parse(fs.readFileSync(index, 'utf8'));
    delete line.stats;
    fs.writeFileSync(index, JSON.stringify(line) + '\n');
    const source = new FrameSource(dir);
    source.refresh();
    assert.throws(() => source.frame(1, 0), /step 1 is not in the record \(1 steps recorded/);
    const chunk = source.stats(0)!;
    assert.equal(chunk.stats.epsRms[0], Math.fround(frameStats(frame(0)).epsRms[0]));
    assert.ok(Number.isNaN(chunk.alphaBar[0]), 'no schedule recorded: ᾱ unknown, not invented');
    assert.ok(fs.existsSync(path.join(dir, FRAME_DATA)));
  });

  it('the seek message is validated: a step must be a non-negative integer', () => {
    assert.deepEqual(parseFromPanel({ type: 'seek', step: 4, request: 2 }), { type: 'seek', step: 4, request: 2 });
    assert.throws(() => parseFromPanel({ type: 'seek', step: -1, request: 0 }), /field 'step' is number -1/);
    assert.throws(() => parseFromPanel({ type: 'seek', step: '3', request: 0 }), /field 'step' is "3"/);
  });

  it('a statistics chunk whose arrays do not match steps x images is rejected by name', () => {
    const source = new FrameSource(tmp());
    const rec = new FrameRecorder(source.dir, { alphasCumprod });
    [0, 1].forEach((s) => rec.append(frame(s)));
    rec.close();
    source.refresh();
    const chunk = source.stats(0)!;
    assert.throws(() => parseToPanel({ ...chunk, stats: { ...chunk.stats, xStd: new Float32Array(3) } }), /field 'stats.xStd' is a Float32Array of 3; expected a Float32Array of 2 steps x 2 images/);
    assert.throws(() => parseToPanel({ ...chunk, from: 4 }), /field 't'/);
  });

  it('carries the σ_data recorded with the trajectory to the panel, and none when the record has none', () => {
    const withSigma = new FrameSource(tmp());
    const rec = new FrameRecorder(withSigma.dir, { alphasCumprod, sigmaData: 0.42 });
    [0, 1, 2].forEach((s) => rec.append(frame(s)));
    rec.close();
    withSigma.refresh();
    assert.equal((parseToPanel(withSigma.stats(0)!) as { sigmaData?: number }).sigmaData, 0.42);
    assert.equal((parseToPanel(withSigma.stats(2)!) as { sigmaData?: number }).sigmaData, 0.42, 'a later chunk says it too');
    const without = new FrameSource(tmp());
    const old = new FrameRecorder(without.dir, { alphasCumprod });
    old.append(frame(0));
    old.close();
    without.refresh();
    assert.equal('sigmaData' in parseToPanel(without.stats(0)!), false);
    assert.throws(() => parseToPanel({ ...withSigma.stats(0)!, sigmaData: -1 }), /field 'sigmaData' is number -1; expected a number in \[0, 10\]/);
  });
});

describe('the panel side of seeking', () => {
  const step = (s: number, floats = 8): StepFrame => ({ step: s, steps: 100, t: 99 - s, tPrev: 98 - s, x: { shape: [1, floats, 1, 1], data: new Float32Array(floats) }, eps: { shape: [1, floats, 1, 1], data: new Float32Array(floats) }, x0: { shape: [1, floats, 1, 1], data: new Float32Array(floats) } });
  const answer = (s: number, request: number) => ({ ...step(s), type: 'stepFrame' as const, request });

  it('keeps one seek in flight and only the newest wanted step behind it (latest wins)', () => {
    const sent: number[] = [];
    const shown: number[] = [];
    const seeker = new Seeker((m) => sent.push(m.step), (f) => shown.push(f.step), { readAhead: 0, parallel: 1 });
    seeker.want(10);
    seeker.want(11);
    seeker.want(12);
    seeker.want(13);
    assert.deepEqual(sent, [10]);
    seeker.answered(answer(10, 0));
    assert.deepEqual(sent, [10, 13], '11 and 12 were dropped for 13');
    seeker.answered(answer(13, 1));
    assert.deepEqual(shown, [13], 'only the step wanted last is shown; 10 was cached on arrival');
    // Cached: shown at once, no seek.
    seeker.want(10);
    assert.deepEqual(sent, [10, 13]);
    assert.deepEqual(shown, [13, 10]);
  });

  it('reads ahead in the direction of movement, inside the record, showing only what was asked for', () => {
    const sent: number[] = [];
    const shown: number[] = [];
    const seeker = new Seeker((m) => sent.push(m.step), (f) => shown.push(f.step), { readAhead: 2, parallel: 1, limit: () => 12 });
    seeker.want(9);
    seeker.answered(answer(9, 0));
    assert.deepEqual(sent, [9, 10], 'moving up from -1: reads 10 ahead');
    seeker.answered(answer(10, 1));
    assert.deepEqual(sent, [9, 10, 11]);
    seeker.answered(answer(11, 2));
    assert.deepEqual(sent, [9, 10, 11], '12 is past the record');
    assert.deepEqual(shown, [9], 'read-ahead steps are cached, not shown');
    seeker.want(10); // cached, moving up: 11 is cached, 12 past the end, nothing to read
    seeker.want(9); // cached, now moving down: reads 8 ahead
    assert.deepEqual(shown, [9, 10, 9]);
    assert.deepEqual(sent, [9, 10, 11, 8]);
    // Asking for the step being read ahead shows it when it lands.
    seeker.want(8);
    seeker.answered(answer(8, 3));
    assert.deepEqual(shown, [9, 10, 9, 8]);
  });

  it('with three seeks in flight, reads ahead in parallel and shows only the step wanted last', () => {
    const sent: number[] = [];
    const shown: number[] = [];
    const seeker = new Seeker((m) => sent.push(m.step), (f) => shown.push(f.step), { readAhead: 8, parallel: 3, limit: () => 100 });
    seeker.want(20);
    assert.deepEqual(sent, [20, 21, 22]);
    seeker.want(21); // on its way: now the one to show
    seeker.answered(answer(20, 0));
    assert.deepEqual(shown, [], '20 is no longer wanted');
    assert.deepEqual(sent, [20, 21, 22, 23]);
    seeker.answered(answer(21, 1));
    assert.deepEqual(shown, [21]);
    seeker.want(60); // all three slots busy (22, 23, 24): 60 waits as the newest wanted
    seeker.want(61);
    assert.ok(!sent.includes(60) && !sent.includes(61));
    seeker.answered(answer(22, 2));
    assert.equal(sent.at(-1), 61, 'latest wins: 60 was dropped');
  });

  it('bounds its cache in bytes, dropping the least recently used step first', () => {
    // Each step: 3 tensors of 8 floats = 96 bytes; a 300-byte budget holds 3 steps.
    const seeker = new Seeker(() => undefined, () => undefined, { budget: 300, readAhead: 0, parallel: 1 });
    [0, 1, 2].forEach((s) => seeker.remember(step(s)));
    seeker.want(0); // 0 becomes the most recent
    seeker.remember(step(3));
    assert.equal(seeker.cachedSteps, 3);
    assert.equal(seeker.bytesCached, 288);
    const sent: number[] = [];
    const probe = new Seeker((m) => sent.push(m.step), () => undefined, { budget: 300, readAhead: 0, parallel: 1 });
    [0, 1, 2].forEach((s) => probe.remember(step(s)));
    probe.want(0);
    probe.remember(step(3));
    probe.want(1); // evicted: must be fetched
    assert.deepEqual(sent, [1]);
  });

  it('merges statistics chunks; a chunk from step 0 starts over', () => {
    const dir = tmp();
    const rec = new FrameRecorder(dir, { alphasCumprod });
    [0, 1, 2, 3].forEach((s) => rec.append(frame(s)));
    rec.close();
    const source = new FrameSource(dir);
    source.refresh();
    const store = new StatsStore();
    assert.equal(store.add(source.stats(0)!), 0);
    assert.equal(store.recorded, 4);
    assert.deepEqual(store.at(2).nonFinite, [0, 0]);
    assert.equal(store.at(2).xMaxAbs[1], Math.fround(frameStats(frame(2)).xMaxAbs[1]));
    assert.equal(stepOfTimestep(store.t, store.recorded, 590), 2, 't = 599 is step 2, nearest to 590');
  });

  it('restores saved player state, keeping only sane values', () => {
    assert.deepEqual(readTrajectoryState(undefined), { step: -1, paused: false, breakpoints: DEFAULT_BREAKPOINTS, sigmaData: 0.5, sigmaDataSet: false, checked: -1 });
    assert.deepEqual(readTrajectoryState({ step: 7, paused: true, sigmaData: 0.7, sigmaDataSet: true, checked: 7, breakpoints: { bound: 3 } }), { step: 7, paused: true, breakpoints: { ...DEFAULT_BREAKPOINTS, bound: 3 }, sigmaData: 0.7, sigmaDataSet: true, checked: 7 });
    // Paused with no step is not a state the player can restore; a σ_data of 0 would make the theory meaningless.
    // A 'typed' flag whose value was thrown out does not pin the assumed value either.
    assert.deepEqual(readTrajectoryState({ step: 2.5, paused: true, sigmaData: 0, sigmaDataSet: true, checked: 'x' }), { step: -1, paused: false, breakpoints: DEFAULT_BREAKPOINTS, sigmaData: 0.5, sigmaDataSet: false, checked: -1 });
  });

  it('maps keys like a debugger', () => {
    const k = (key: string, shiftKey = false) => keyAction({ key, shiftKey, ctrlKey: false, altKey: false, metaKey: false });
    assert.deepEqual(k('F10'), { kind: 'step', delta: 1 });
    assert.deepEqual(k('F10', true), { kind: 'step', delta: -1 });
    assert.deepEqual(k('F5'), { kind: 'continue' });
    assert.deepEqual(k(' '), { kind: 'toggle' });
    assert.equal(keyAction({ key: 'ArrowRight', shiftKey: false, ctrlKey: true, altKey: false, metaKey: false }), undefined, 'Ctrl+→ belongs to VS Code');
  });
});
