/**
 * Answers the trajectory player's seeks from a run record, for a run still being written (live) and for
 * a finished one alike. Memory stays bounded by keeping only the index in memory (offsets, shapes and
 * per-step statistics: a few KB per step) and reading a frame's tensors from frames.bin when asked; the OS
 * page cache keeps recently read frames fast, and the panel keeps its own small cache of what it drew.
 * The index is tailed: each refresh reads only the bytes appended since the last one, and never a line
 * still being written (no newline yet).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StepFrameMessage, TrajectoryStatsMessage } from '../protocol/trajectory';
import { STAT_KEYS, type StepStats, frameStats } from '../trajectory/stats';
import { FRAME_DATA, FRAME_INDEX, type RecordedFrame, parseIndex } from './frameRecord';

export class FrameSource {
  private readonly frames: RecordedFrame[] = [];
  private readonly statsOf: StepStats[] = [];
  private consumed = 0;
  private lines = 0;
  readonly problems: string[] = [];

  constructor(readonly dir: string) {}

  /** Steps recorded so far (frames 0..count-1, in step order). */
  get count(): number {
    return this.frames.length;
  }

  /** Reads what was appended to the index since the last call; returns how many frames it added. */
  refresh(): number {
    const indexFile = path.join(this.dir, FRAME_INDEX);
    const dataFile = path.join(this.dir, FRAME_DATA);
    if (!fs.existsSync(indexFile) || !fs.existsSync(dataFile)) return 0;
    const size = fs.statSync(indexFile).size;
    if (size <= this.consumed) return 0;
    const buf = Buffer.alloc(size - this.consumed);
    const fd = fs.openSync(indexFile, 'r');
    try {
      fs.readSync(fd, buf, 0, buf.length, this.consumed);
    } finally {
      fs.closeSync(fd);
    }
    const end = buf.lastIndexOf(0x0a);
    if (end < 0) return 0;
    const text = buf.subarray(0, end + 1).toString('utf8');
    const parsed = parseIndex(this.dir, text, this.lines, fs.statSync(dataFile).size);
    this.consumed += end + 1;
    this.lines += text.split('\n').length - 1;
    this.problems.push(...parsed.problems);
    let added = 0;
    for (const f of parsed.frames) {
      // The player addresses frames by step; a record is written in step order, so step = position.
      if (f.step !== this.frames.length) {
        this.problems.push(`frame of step ${f.step} arrived where step ${this.frames.length} was expected; skipped.`);
        continue;
      }
      this.frames.push(f);
      // Records written before the statistics existed: compute them once from the tensors.
      this.statsOf.push(f.stats ?? frameStats(f.load()));
      added++;
    }
    return added;
  }

  /** The frame of `step` as the answer to seek `request`. Throws when the step is not recorded (yet). */
  frame(step: number, request: number): StepFrameMessage {
    const f = this.frames[step];
    if (!f) throw new Error(`step ${step} is not in the record (${this.frames.length} steps recorded in ${this.dir}).`);
    return { ...f.load(), type: 'stepFrame', request };
  }

  /** The statistics of steps from..count-1 as one message, or undefined when there are none. */
  stats(from = 0): TrajectoryStatsMessage | undefined {
    const chunk = this.frames.slice(from);
    if (chunk.length === 0) return undefined;
    const images = this.statsOf[0].xStd.length;
    const stats = {} as TrajectoryStatsMessage['stats'];
    for (const k of STAT_KEYS) {
      const a = new Float32Array(chunk.length * images);
      chunk.forEach((_, i) => a.set(this.statsOf[from + i][k], i * images));
      stats[k] = a;
    }
    const sigmaData = this.frames[0].sigmaData;
    return {
      type: 'trajectoryStats', steps: chunk[0].steps, images, from,
      t: Int32Array.from(chunk, (f) => f.t), alphaBar: Float64Array.from(chunk, (f) => f.alphaBar), stats,
      ...(Number.isFinite(sigmaData) ? { sigmaData } : {}),
    };
  }
}
