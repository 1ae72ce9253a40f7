/**
 * A guidance sweep: columns are scales, rows are seeds (each row its own starting noise, shared along
 * the row), so a row shows what guidance alone changes. Used by `dlens sweep` and the runner alike.
 */
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { Rng } from '../random';
import { guidedDenoiser } from '../samplers/guidance';
import { sampleWith, samplingTimesteps } from '../user/resolve';
import { type ConditionRequest, conditionTensors } from './conditioning';
import { rowLabel } from './sweepRows';
import type { LoadedRun } from './load';
import { type Predictor, openPredictor } from './predictor';

export interface SweepRequest {
  scales: number[];
  /** one condition per row */
  rows: ConditionRequest[];
  /** row r starts from the noise of seed + r */
  seed: number;
  steps: number;
  signal?: AbortSignal;
  /** threads each denoising call is split across (engine/train/dataParallel.ts); default 1 */
  workers?: number;
  /** called as each column (one scale, all rows) is done; the tensor is the sweep's, read it or clone it */
  onColumn?: (col: number, scale: number, images: tf.Tensor4D) => Promise<void> | void;
}

export interface SweepResult {
  /** row-major [rows * scales, H, W, C]: row r holds seed r at every scale */
  grid: tf.Tensor4D;
  labels: string[];
  warnings: string[];
}

export async function sweepRun(run: LoadedRun, req: SweepRequest): Promise<SweepResult> {
  const { manifest: m, tables } = run;
  if (m.model.cond === 'none') {
    throw new DlensError('unconditional-run', 'This run is unconditional, so guidance has nothing to steer.', 'train a run with class, text or CLIP conditioning, then sweep that one.');
  }
  const rows = req.rows.length;
  const { imageSize: size, channels } = m.dataset;
  const conds = await Promise.all(req.rows.map((r) => conditionTensors(m, r, 1)));
  const cond = tf.concat(conds.map((c) => c.cond!));
  const uncond = tf.concat(conds.map((c) => c.uncond!));
  const xT = tf.tidy(() => tf.concat(Array.from({ length: rows }, (_, r) => new Rng(req.seed + r).normal([1, size, size, channels]))));
  const labels = req.rows.map((r, i) => rowLabel(m, r, req.seed + i));
  const columns: tf.Tensor[] = [];
  let predictor: Predictor | undefined;
  try {
    // Opened once for every column: the workers receive the weights once.
    predictor = await openPredictor(run, req.workers);
    for (const [col, scale] of req.scales.entries()) {
      const denoiser = guidedDenoiser(predictor.predict, { scale, cond, uncond });
      const options = { tables, timesteps: samplingTimesteps('trailing', tables.T, req.steps, run.implementation), rng: new Rng(req.seed), clipX0: 1, signal: req.signal };
      const images = (await sampleWith('ddim', 0, denoiser, xT, options, run.implementation)) as tf.Tensor4D;
      columns.push(images);
      await req.onColumn?.(col, scale, images);
    }
    const grid = tf.tidy(() => tf.reshape(tf.stack(columns, 1), [rows * columns.length, size, size, channels])) as tf.Tensor4D;
    return { grid, labels, warnings: [...new Set([...run.warnings, ...conds.flatMap((c) => c.warnings)])] };
  } finally {
    await predictor?.dispose();
    tf.dispose([xT, cond, uncond, ...columns, ...conds.flatMap((c) => [c.cond!, c.uncond!])]);
  }
}
