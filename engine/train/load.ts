/** A trained run as a denoiser: the manifest's U-Net with the newest good checkpoint's weights. */
import * as tf from '@tensorflow/tfjs';
import { type DiffusionTables, diffusionTables } from '../diffusion';
import { DlensError } from '../errors';
import { UNet } from '../nn/unet';
import { Rng } from '../random';
import { latestGoodCheckpoint, listCheckpoints, readCheckpoint } from '../run/checkpoint';
import { type RunManifest, readManifest } from '../run/manifest';
import { makeBetas } from '../schedules';

export interface LoadedRun {
  manifest: RunManifest;
  model: UNet;
  tables: DiffusionTables;
  step: number;
  dispose(): void;
}

/** The newest good checkpoint, or the one at `step` (checkpoints/step-N.json) when given. */
export function loadRun(runDir: string, weights: 'ema' | 'raw' = 'ema', step?: number): LoadedRun {
  const manifest = readManifest(runDir);
  const kept = step !== undefined ? listCheckpoints(runDir) : [];
  if (step !== undefined && !kept.includes(step)) {
    throw new DlensError('no-checkpoint', `Run ${runDir} has no checkpoint at step ${step}.`, kept.length ? `use one of the kept steps: ${kept.join(', ')}.` : 'train it first; it has no checkpoint yet.');
  }
  const { data, skipped } = step !== undefined ? { data: readCheckpoint(runDir, step), skipped: [] } : latestGoodCheckpoint(runDir);
  if (!data) {
    const why = skipped.length ? ` (${skipped.join('; ')})` : '';
    throw new DlensError('no-checkpoint', `Run ${runDir} has no readable checkpoint yet${why}.`, 'train it first (`dlens train --out ' + runDir + '`), or wait for its first checkpoint.');
  }
  const model = new UNet(manifest.model, new Rng(0));
  model.params.load(data.meta.index, (weights === 'ema' ? data.sections.ema : data.sections.weights)!);
  const tables = diffusionTables(makeBetas(manifest.schedule.name, manifest.schedule.T));
  return { manifest, model, tables, step: data.meta.step, dispose: () => tf.dispose(model.params.list()) };
}
