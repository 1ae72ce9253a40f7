/**
 * metrics.jsonl in a run folder: one JSON line per logged training step, appended by the trainer
 * (a single appendFile of a whole line, so a crash leaves at most one partial last line, which the
 * reader skips). Read back to show a finished or interrupted run's history in its dashboard.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainPoint } from './trainHistory';

export const METRICS_FILE = 'metrics.jsonl';

export interface MetricsLog {
  points: TrainPoint[];
  /** total steps the run was asked for, from the newest line */
  steps?: number;
  /** lines that were not a complete metrics record (a partial last line after a crash) */
  skipped: number;
}

export function readMetricsLog(runDir: string): MetricsLog {
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, METRICS_FILE), 'utf8');
  } catch {
    return { points: [], skipped: 0 };
  }
  const points: TrainPoint[] = [];
  let steps: number | undefined;
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const n = (v: unknown) => (typeof v === 'number' ? v : NaN);
    if (typeof o.step !== 'number' || !Array.isArray(o.lossByBucket)) {
      skipped++;
      continue;
    }
    if (typeof o.steps === 'number') steps = o.steps;
    // JSON has no NaN: the trainer writes an empty bucket (and a diverged loss) as null.
    points.push({ step: o.step, loss: n(o.loss), lr: n(o.lr), gradNorm: n(o.gradNorm), stepsPerSecond: n(o.stepsPerSecond), lossByBucket: o.lossByBucket.map(n) });
  }
  return { points, steps, skipped };
}
