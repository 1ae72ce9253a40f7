/**
 * The error heatmaps as one PNG: a column block per model (side by side), in each block a pair of
 * columns per image (x_t, then its error map in viridis); the first row holds the real images x_0, then
 * one row per timestep. One colour range for every map, so the two models' colours compare directly.
 */
import * as tf from '@tensorflow/tfjs';
import { saveGrid } from '../image';
import type { ErrorHeatmaps } from './errorHeatmap';
import { errorRange, viridis } from './viridis';

export async function saveHeatmapGrid(models: ErrorHeatmaps[], file: string): Promise<{ min: number; max: number }> {
  const range = errorRange(models.map((m) => m.error));
  const [n, h, w, c] = models[0].imageShape;
  const px = h * w;
  const cells: Float32Array[] = [];
  /** a cell in RGB, [-1, 1] like every image saveGrid writes */
  const rgb = (values: Float32Array, offset: number, channels: number) => {
    const out = new Float32Array(px * 3);
    for (let p = 0; p < px; p++) for (let k = 0; k < 3; k++) out[p * 3 + k] = values[offset + p * channels + (channels === 3 ? k : 0)];
    return out;
  };
  const coloured = (values: Float32Array, offset: number) => {
    const out = new Float32Array(px * 3);
    for (let p = 0; p < px; p++) {
      const colour = viridis((values[offset + p] - range.min) / (range.max - range.min));
      for (let k = 0; k < 3; k++) out[p * 3 + k] = colour[k] / 127.5 - 1;
    }
    return out;
  };
  const blank = new Float32Array(px * 3).fill(1);
  for (const m of models) for (let i = 0; i < n; i++) cells.push(rgb(m.x0, i * px * c, c), blank);
  for (let ti = 0; ti < models[0].timesteps.length; ti++) {
    for (const m of models) {
      for (let i = 0; i < n; i++) cells.push(rgb(m.xt, (ti * n + i) * px * c, c), coloured(m.error, (ti * n + i) * px));
    }
  }
  const data = new Float32Array(cells.length * px * 3);
  cells.forEach((cell, i) => data.set(cell, i * px * 3));
  const grid = tf.tensor4d(data, [cells.length, h, w, 3]);
  await saveGrid(grid, file, { columns: models.length * n * 2, scale: h < 32 ? 4 : 2 });
  grid.dispose();
  return range;
}
