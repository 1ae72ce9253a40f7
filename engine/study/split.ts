/**
 * Which real images the study may learn from and which it tests on. Phantoms are independent draws, so
 * the first realTrain are the training set and the next realTest the test set. MRI slices come from one
 * head, and neighbouring slices are nearly the same picture: a random split would test on near-copies of
 * training slices. So slices go in slabs of SLAB consecutive slices, every third slab to training, and
 * only slab edges touch across the split.
 */
import type { Dataset } from '../data/types';
import type { StudyConfig, StudyDataset } from './config';

export const MRI_SLAB = 6;

export function splitReal(dataset: StudyDataset, all: Dataset, cfg: StudyConfig): { train: number[]; test: number[] } {
  const indices = Array.from({ length: all.size }, (_, i) => i);
  if (dataset === 'phantoms') return { train: indices.slice(0, cfg.realTrain), test: indices.slice(cfg.realTrain, cfg.realTrain + cfg.realTest) };
  const slab = (i: number) => Math.floor(i / MRI_SLAB);
  return { train: indices.filter((i) => slab(i) % 3 === 0), test: indices.filter((i) => slab(i) % 3 !== 0) };
}
