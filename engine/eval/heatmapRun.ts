/**
 * Error heatmaps of a run's checkpoint: loads the weights a ModelRef names, evaluates them on real
 * images of the run's dataset (Fashion-MNIST: its held-out test split), and packs the result as the
 * protocol's heatmap message. Shared by `dlens heatmap` and the runner's heatmap job.
 */
import * as path from 'node:path';
import { openDataset } from '../data';
import type { ModelRef } from '../protocol/jobs';
import type { HeatmapMessage } from '../protocol/runner';
import { loadRun } from '../train/load';
import type { LoadedImplementation } from '../user/types';
import { type ErrorHeatmapOptions, type ErrorHeatmaps, errorHeatmaps } from './errorHeatmap';

export interface RunHeatmaps {
  label: string;
  step: number;
  result: ErrorHeatmaps;
}

/** `implementation`: the user's module a run was trained with (its model, schedule and addNoise stand in). */
export async function runHeatmaps(ref: ModelRef, o: ErrorHeatmapOptions, implementation?: LoadedImplementation): Promise<RunHeatmaps> {
  const run = loadRun(ref.runDir, ref.weights, implementation, ref.step);
  try {
    const m = run.manifest;
    const dataset = m.dataset.spec === 'fashion-mnist'
      ? await openDataset('fashion-mnist', { split: 'test', imageSize: m.dataset.imageSize })
      : await openDataset(m.dataset.spec, { imageSize: m.dataset.imageSize, seed: m.training.seed });
    const result = await errorHeatmaps(run.model, m, run.tables, dataset, { ...o, implementation: run.implementation });
    return { label: `${path.basename(ref.runDir)} (${ref.weights === 'ema' ? 'EMA' : 'raw'}, step ${run.step})`, step: run.step, result };
  } finally {
    run.dispose();
  }
}

export function heatmapMessage(column: number, columns: number, h: RunHeatmaps): HeatmapMessage {
  const r = h.result;
  const [n, height, width, c] = r.imageShape;
  const rows = r.timesteps.length * n;
  return {
    type: 'heatmap', column, columns, label: h.label, timesteps: r.timesteps,
    x0: { shape: [n, height, width, c], data: r.x0 },
    xt: { shape: [rows, height, width, c], data: r.xt },
    error: { shape: [rows, height, width, 1], data: r.error },
    mseAt: r.mseAt, profileT: r.profile.t, profileMse: r.profile.mse,
  };
}
