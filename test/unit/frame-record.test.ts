import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { FrameMessage } from '../../engine/protocol';
import { FRAME_DATA, FRAME_INDEX, FrameRecorder, readFrameRecord } from '../../engine/runner/frameRecord';

/** Temporary folders of this file, removed when it is done. */
const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-frames-'));
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const batch = (seed: number) => ({ shape: [2, 2, 2, 1], data: Float32Array.from({ length: 8 }, (_, i) => seed + i / 8) });
const frame = (step: number, guided = false): FrameMessage => ({
  type: 'frame', step, steps: 3, t: 999 - step * 400, tPrev: step === 2 ? -1 : 999 - (step + 1) * 400, x: batch(step), eps: batch(10 + step), x0: batch(20 + step),
  ...(guided ? { epsCond: batch(30 + step), epsUncond: batch(40 + step) } : {}),
});

describe('frame records on disk', () => {
  it('round-trips every tensor of every frame bit for bit', () => {
    const dir = tmp();
    const rec = new FrameRecorder(dir);
    [frame(0, true), frame(1, true), frame(2, true)].forEach((f) => rec.append(f));
    rec.close();
    const { frames, problems } = readFrameRecord(dir);
    assert.deepEqual(problems, []);
    assert.deepEqual(frames.map((f) => [f.step, f.t, f.tPrev]), [[0, 999, 599], [1, 599, 199], [2, 199, -1]]);
    const f1 = frames[1].load();
    for (const key of ['x', 'eps', 'x0', 'epsCond', 'epsUncond'] as const) assert.deepEqual(f1[key], frame(1, true)[key], key);
  });

  it('after a crash mid-write keeps the complete frames and names what it skipped', () => {
    const dir = tmp();
    const rec = new FrameRecorder(dir);
    [frame(0), frame(1), frame(2)].forEach((f) => rec.append(f));
    rec.close();
    // The last frame's bytes were cut short, and a half-written index line follows.
    const data = path.join(dir, FRAME_DATA);
    fs.truncateSync(data, fs.statSync(data).size - 10);
    fs.appendFileSync(path.join(dir, FRAME_INDEX), '{"step": 3, "te');
    const { frames, problems } = readFrameRecord(dir);
    assert.deepEqual(frames.map((f) => f.step), [0, 1]);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /line 3 points past the end of frames\.bin/);
    assert.match(problems[1], /line 4 is not valid JSON/);
  });

  it('a folder without a record is reported, not thrown on', () => {
    const { frames, problems } = readFrameRecord(tmp());
    assert.equal(frames.length, 0);
    assert.match(problems[0], /has no recorded frames/);
  });
});
