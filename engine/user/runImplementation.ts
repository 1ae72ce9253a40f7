/**
 * A run and the implementation it was trained with. The manifest records the file and its exports;
 * weights of a user's createModel only load into that same model, so sampling such a run needs the file.
 * Nothing here loads code by itself: the file is run only when the user passes it (--impl, the setting).
 */
import * as path from 'node:path';
import { DlensError } from '../errors';
import type { Rng } from '../random';
import type { RunManifest } from '../run/manifest';
import { type DenoisingModel, unetModel, userModel } from './model';
import type { ImplementationExport, LoadedImplementation } from './types';

export interface ImplementationRecord {
  /** absolute path when trained */
  file: string;
  provided: ImplementationExport[];
}

export function implementationRecord(loaded: LoadedImplementation): ImplementationRecord {
  return { file: loaded.file, provided: [...loaded.provided] };
}

/**
 * The implementation to use with a recorded run, or a clear error when the run's weights need the
 * user's model and it was not given. Returns warnings for mismatches that still give valid results.
 */
export function implementationForRun(m: RunManifest, loaded: LoadedImplementation | undefined): { loaded?: LoadedImplementation; warnings: string[] } {
  const trained = m.implementation;
  const warnings: string[] = [];
  const userTrained = trained?.provided.includes('createModel') ?? false;
  if (userTrained && !loaded?.impl.createModel) {
    throw new DlensError('impl-required', `Run ${m.id} was trained with the model from ${trained!.file} (its createModel), so its weights only load into that model${loaded ? `, and ${path.basename(loaded.file)} exports no createModel` : ''}.`, `pass that file: --impl ${trained!.file} (or set diffusionLens.implementation to it).`);
  }
  if (!userTrained && loaded?.impl.createModel) {
    warnings.push(`Run ${m.id} was trained with the reference U-Net, so ${path.basename(loaded.file)}'s createModel is not used for it (its other exports are).`);
    const { createModel: _unused, ...rest } = loaded.impl;
    loaded = { ...loaded, impl: rest, provided: loaded.provided.filter((p) => p !== 'createModel') };
  }
  if (trained?.provided.includes('betas') && !loaded?.impl.betas) {
    warnings.push(`Run ${m.id} was trained with the betas() of ${trained.file}; without it the reference '${m.schedule.name}' schedule is used, which does not match the training.`);
  }
  return { loaded, warnings };
}

export function modelForRun(m: RunManifest, rng: Rng, loaded: LoadedImplementation | undefined): DenoisingModel {
  if (!loaded?.impl.createModel) return unetModel(m.model, rng);
  return userModel(loaded, {
    imageSize: m.dataset.imageSize,
    channels: m.dataset.channels,
    numClasses: m.model.cond === 'class' ? m.model.numClasses : undefined,
    requireVariables: true,
  });
}
