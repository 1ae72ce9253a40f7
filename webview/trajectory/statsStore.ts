/**
 * Every recorded step's statistics, merged from the extension's `trajectoryStats` chunks. A few floats
 * per step and image: a 1000-step, 16-image record is under half a megabyte.
 */
import { STAT_KEYS, type StatKey, type StepStats } from '../../engine/trajectory/stats';
import type { TrajectoryStatsMessage } from '../../engine/protocol';

export class StatsStore {
  steps = 0;
  images = 0;
  /** steps 0..recorded-1 have statistics */
  recorded = 0;
  t = new Int32Array(0);
  alphaBar = new Float64Array(0);
  private columns = {} as Record<StatKey, Float32Array>;

  /** Merges a chunk; a chunk starting at 0 (a reloaded panel, a new record) starts over. Returns the first new step. */
  add(msg: TrajectoryStatsMessage): number {
    if (msg.from === 0 || msg.steps !== this.steps || msg.images !== this.images) this.reset(msg.steps, msg.images);
    const before = this.recorded;
    const count = msg.t.length;
    this.t.set(msg.t, msg.from);
    this.alphaBar.set(msg.alphaBar, msg.from);
    for (const k of STAT_KEYS) this.columns[k].set(msg.stats[k], msg.from * this.images);
    this.recorded = Math.max(this.recorded, msg.from + count);
    return msg.from === 0 ? 0 : before;
  }

  /** One step's statistics, one value per image. */
  at(step: number): StepStats {
    const out = {} as StepStats;
    for (const k of STAT_KEYS) out[k] = Array.from(this.columns[k].subarray(step * this.images, (step + 1) * this.images));
    return out;
  }

  /** A statistic over the batch at every recorded step: `reduce` of the images' values. */
  series(key: StatKey, reduce: (values: Float32Array) => number): number[] {
    return Array.from({ length: this.recorded }, (_, s) => reduce(this.columns[key].subarray(s * this.images, (s + 1) * this.images)));
  }

  private reset(steps: number, images: number): void {
    this.steps = steps;
    this.images = images;
    this.recorded = 0;
    this.t = new Int32Array(steps);
    this.alphaBar = new Float64Array(steps).fill(NaN);
    for (const k of STAT_KEYS) this.columns[k] = new Float32Array(steps * images);
  }
}

export const mean = (v: Float32Array): number => v.reduce((a, b) => a + b, 0) / v.length;
export const min = (v: Float32Array): number => v.reduce((a, b) => Math.min(a, b), Infinity);
export const max = (v: Float32Array): number => v.reduce((a, b) => Math.max(a, b), -Infinity);
