/**
 * What an augmentation study reports: plain data (no tensors), so the extension, the panel's Markdown
 * export and the CLI can all read it without loading TensorFlow.js.
 */
import type { StudyConfig, StudyDataset } from './config';
import type { FilterReport } from './filter';
import type { SYNTHETIC_LABEL } from './label';
import type { NearestNeighbourReport } from './nearest';

export const ARMS = ['real', 'real+synthetic', 'synthetic'] as const;
export type Arm = (typeof ARMS)[number];

export interface ArmResult {
  /** held-out real accuracy, one per seed */
  accuracy: number[];
  mean: number;
  /** sample standard deviation over seeds (0 with one seed) */
  std: number;
  trainSize: number;
}

export interface StudyReport {
  label: typeof SYNTHETIC_LABEL;
  dataset: StudyDataset;
  quick: boolean;
  config: StudyConfig;
  classNames: string[];
  /** real images: the small training set, the held-out test set, per class */
  counts: { realTrain: number[]; realTest: number[]; synthetic: number[] };
  arms: Record<Arm, ArmResult>;
  /** Fréchet distance, synthetic vs held-out real, in the real-trained classifier's feature space */
  frechet: number;
  /** the same between the real training and test sets: the floor that finite samples put under it */
  frechetRealVsReal: number;
  /** --filter judge|scorer: how many of the generated images the classifiers got (realism and privacy are of those) */
  filter?: FilterReport;
  /** share of the generated synthetic images (before any filter) showing what their caption asked, and who judged it */
  adherence: { rate: number; by: 'pixel scorer' | 'real-trained classifier' };
  nearestNeighbour: NearestNeighbourReport;
  /** phantoms: lesions inpainted into real lesion-free images, judged by the pixel scorer */
  inpainting?: { n: number; rate: number };
  /** PNG files in the output folder */
  files: { synthetic: string; real: string; nearCopies?: string; inpainted?: string };
  seconds: number;
}

