/** A trained run as a denoiser: its model (the manifest's U-Net, or the user's) with the newest good checkpoint's weights. */
import { type DiffusionTables } from '../diffusion';
import { DlensError } from '../errors';
import { Rng } from '../random';
import { latestGoodCheckpoint, listCheckpoints, readCheckpoint } from '../run/checkpoint';
import { type RunManifest, readManifest } from '../run/manifest';
import type { DenoisingModel } from '../user/model';
import { scheduleTables } from '../user/resolve';
import { implementationForRun, modelForRun } from '../user/runImplementation';
import type { LoadedImplementation } from '../user/types';

export interface LoadedRun {
  manifest: RunManifest;
  model: DenoisingModel;
  tables: DiffusionTables;
  step: number;
  /** the user's implementation sampling uses (its timesteps and step), when one was given */
  implementation?: LoadedImplementation;
  /** mismatches between the run and the implementation that still give results */
  warnings: string[];
  dispose(): void;
}

/** The newest good checkpoint, or the one at `step` (checkpoints/step-N.json) when given. */
export function loadRun(runDir: string, weights: 'ema' | 'raw' = 'ema', implementation?: LoadedImplementation, step?: number): LoadedRun {
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
  const { loaded, warnings } = implementationForRun(manifest, implementation);
  const tables = scheduleTables(manifest.schedule, loaded);
  const model = modelForRun(manifest, new Rng(0), loaded);
  try {
    model.load(data.meta.index, (weights === 'ema' ? data.sections.ema : data.sections.weights)!);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { manifest, model, tables, step: data.meta.step, implementation: loaded, warnings, dispose: () => model.dispose() };
}
