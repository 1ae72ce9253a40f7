/**
 * A training run's metrics over time, columnar and bounded: past `maxPoints` it drops every other older
 * point (keeping the first and the newest), so a run of a million steps costs the same memory as one of
 * a few thousand and still spans the whole run. Points are real logged values, never averages, so the
 * raw loss scatter stays raw. Pure (no Node, no DOM): the extension host and the panel both keep one.
 */
import type { TrainMetricsMessage } from '../protocol/panel';

export interface TrainPoint {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  stepsPerSecond: number;
  /** mean MSE per t bucket since the previous point; NaN where no t fell in a bucket */
  lossByBucket: ArrayLike<number>;
}

export class TrainHistory {
  readonly points: TrainPoint[] = [];

  constructor(readonly maxPoints = 2000) {}

  add(p: TrainPoint): void {
    // A resumed run logs again from its checkpoint: what came after that step was never saved, so it goes.
    while (this.points.length && this.points[this.points.length - 1].step >= p.step) this.points.pop();
    this.points.push(p);
    if (this.points.length > this.maxPoints) {
      const last = this.points.pop()!;
      const kept = this.points.filter((_, i) => i % 2 === 0);
      this.points.splice(0, this.points.length, ...kept, last);
    }
  }

  addAll(ps: Iterable<TrainPoint>): void {
    for (const p of ps) this.add(p);
  }

  get latest(): TrainPoint | undefined {
    return this.points[this.points.length - 1];
  }
}

/** Points as the panel protocol carries them (columnar typed arrays). */
export function metricsMessage(points: readonly TrainPoint[], steps: number, reset: boolean): TrainMetricsMessage {
  const buckets = Math.max(1, ...points.map((p) => p.lossByBucket.length));
  const col = (f: (p: TrainPoint) => number) => Float64Array.from(points, f);
  const lossByBucket = new Float32Array(points.length * buckets).fill(NaN);
  points.forEach((p, i) => lossByBucket.set(Array.from(p.lossByBucket), i * buckets));
  return {
    type: 'trainMetrics', reset, steps, buckets, step: col((p) => p.step), loss: col((p) => p.loss), lr: col((p) => p.lr),
    gradNorm: col((p) => p.gradNorm), stepsPerSecond: col((p) => p.stepsPerSecond), lossByBucket,
  };
}

/** The inverse of metricsMessage. */
export function metricsPoints(m: TrainMetricsMessage): TrainPoint[] {
  return Array.from(m.step, (step, i) => ({
    step, loss: m.loss[i], lr: m.lr[i], gradNorm: m.gradNorm[i], stepsPerSecond: m.stepsPerSecond[i],
    lossByBucket: m.lossByBucket.subarray(i * m.buckets, (i + 1) * m.buckets),
  }));
}
