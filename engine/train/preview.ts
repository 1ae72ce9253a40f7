/** A small grid of samples during training (DDIM-20, fixed seed, so previews are comparable over time). */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DiffusionTables } from '../diffusion';
import { saveGrid } from '../image';
import { Rng } from '../random';
import { guidedDenoiser } from '../samplers/guidance';
import type { Denoiser } from '../samplers/types';
import type { DenoisingModel } from '../user/model';
import { sampleWith, samplingTimesteps } from '../user/resolve';
import type { LoadedImplementation } from '../user/types';
import type { RunManifest } from '../run/manifest';
import { previewConditions } from './previewConditions';

/** previews/step-N.png (EMA weights, the run's headline picture) and step-N-raw.png (the optimiser's weights). */
export function previewFiles(runDir: string, step: number): { ema: string; raw: string } {
  const base = path.join(runDir, 'previews', `step-${String(step).padStart(7, '0')}`);
  return { ema: `${base}.png`, raw: `${base}-raw.png` };
}

export async function previewSamples(model: Pick<DenoisingModel, 'predict'>, m: RunManifest, tables: DiffusionTables, file: string, loaded?: LoadedImplementation, count = 8): Promise<void> {
  const rng = new Rng(12345);
  const { imageSize: s, channels: c } = m.dataset;
  const xT = rng.normal([count, s, s, c]);
  const conds = await previewConditions(m, count);
  const plain: Denoiser = (x, t) => model.predict(x, t);
  const denoiser = conds ? guidedDenoiser((x, t, cond) => model.predict(x, t, cond), { scale: 3, ...conds }) : plain;
  const out = await sampleWith('ddim', 0, denoiser, xT, { tables, timesteps: samplingTimesteps('trailing', tables.T, 20, loaded), rng, clipX0: 1 }, loaded);
  await saveGrid(out, file, { columns: count, scale: 2 });
  tf.dispose([xT, out, ...(conds ? [conds.cond, conds.uncond] : [])]);
}
