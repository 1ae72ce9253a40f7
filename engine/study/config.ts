/**
 * The study's settings. `quick` is a smoke run of a few minutes on 2 CPU cores; the full settings are
 * the ones whose numbers the README reports, sized to finish in about half an hour on 2 shared cores
 * (the generator is far from converged at 500 steps: the README says so).
 */
import { DlensError } from '../errors';
import type { PresetName } from '../nn/presets';

export const STUDY_DATASETS = ['phantoms', 'mri'] as const;
export type StudyDataset = (typeof STUDY_DATASETS)[number];
/** which synthetic images the classifiers get: all, or those a judge says show their caption (study/filter.ts) */
export const STUDY_FILTERS = ['none', 'judge', 'scorer'] as const;
export type StudyFilter = (typeof STUDY_FILTERS)[number];

export interface StudyConfig {
  /** phantoms: 16 to 64; mri: 32 or 64 */
  imageSize: number;
  /** phantoms: images in the small real training set and the held-out test set (mri: fixed by the slab split) */
  realTrain: number;
  realTest: number;
  /** the generator: a text-conditioned U-Net trained on the small real set */
  preset: PresetName;
  generatorSteps: number;
  generatorBatch: number;
  generatorLearningRate: number;
  /** synthetic images generated, and how */
  synthetic: number;
  samplerSteps: number;
  guidance: number;
  /** the downstream classifier, trained once per seed and arm */
  classifierSteps: number;
  classifierBatch: number;
  seeds: number;
  /** phantoms: lesion-free real test images a lesion is inpainted into (0 = none; mri: always 0) */
  inpaint: number;
  /** phantoms: which phantoms are drawn; both: the generator's seed */
  dataSeed: number;
  /** 'none' unless asked: the study's headline numbers are the unfiltered ones */
  filter: StudyFilter;
}

const FULL: Record<StudyDataset, StudyConfig> = {
  phantoms: { imageSize: 32, realTrain: 60, realTest: 300, preset: 'tiny', generatorSteps: 500, generatorBatch: 12, generatorLearningRate: 1e-3, synthetic: 180, samplerSteps: 20, guidance: 2, classifierSteps: 100, classifierBatch: 32, seeds: 3, inpaint: 48, dataSeed: 0, filter: 'none' },
  mri: { imageSize: 32, realTrain: 0, realTest: 0, preset: 'tiny', generatorSteps: 500, generatorBatch: 12, generatorLearningRate: 1e-3, synthetic: 144, samplerSteps: 20, guidance: 2, classifierSteps: 100, classifierBatch: 32, seeds: 3, inpaint: 0, dataSeed: 0, filter: 'none' },
};

const QUICK: Partial<StudyConfig> = { generatorSteps: 60, generatorBatch: 8, synthetic: 48, samplerSteps: 8, classifierSteps: 40, classifierBatch: 16, seeds: 2 };
// quick phantoms inpaint 8 images (below), so the path runs in the smoke test too.

export function studyConfig(dataset: string, quick: boolean): StudyConfig {
  if (!(STUDY_DATASETS as readonly string[]).includes(dataset)) {
    throw new DlensError('unknown-dataset', `The augmentation study runs on phantoms or mri, not "${dataset}".`, 'pass --dataset phantoms or --dataset mri.');
  }
  const full = FULL[dataset as StudyDataset];
  if (!quick) return { ...full };
  return { ...full, ...QUICK, ...(dataset === 'phantoms' ? { imageSize: 16, realTrain: 30, realTest: 120, inpaint: 8 } : {}) };
}
