/**
 * Datasets by name, for the CLI and the runner. Everything here hands out Float32Arrays: turning a
 * batch into tensors is the caller's business, so engine/data never needs a tfjs backend.
 */
import { DlensError } from '../errors';
import { loadFashionMnist } from './fashionMnist';
import { loadImageFolder } from './folder';
import { loadMri } from './mri';
import { createPhantoms } from './phantoms';
import { createShapes } from './shapes';
import type { Dataset } from './types';

export type { Batch, Dataset } from './types';
export * from './shapes';
export * from './shapesScore';
export * from './fashionMnist';
export * from './folder';
export * from './nifti';
export * from './mri';
export * from './phantoms';
export * from './phantomScore';
export * from './memory';

export interface OpenDatasetOptions {
  /** shapes: 16 by default; fashion-mnist: 28 or 32 (default 28); folder: default 32 */
  imageSize?: number;
  /** folder only: 1 or 3 (default 3) */
  channels?: 1 | 3;
  /** shapes, phantoms */
  seed?: number;
  /** shapes, phantoms: number of examples */
  size?: number;
  /** fashion-mnist only (default 'train') */
  split?: 'train' | 'test';
  /** fashion-mnist only: its folder */
  dir?: string;
  /** fashion-mnist only: keep the first `limit` examples */
  limit?: number;
  /** folder only: captions file */
  captions?: string;
}

export const DATASET_SPECS = ['shapes', 'fashion-mnist', 'folder:PATH', 'phantoms', 'mri'] as const;

export async function openDataset(spec: string, options: OpenDatasetOptions = {}): Promise<Dataset> {
  if (spec === 'shapes') {
    return createShapes({ imageSize: options.imageSize, size: options.size, seed: options.seed });
  }
  if (spec === 'phantoms') {
    return createPhantoms({ imageSize: options.imageSize, size: options.size, seed: options.seed });
  }
  if (spec === 'mri') return loadMri({ imageSize: options.imageSize });
  if (spec === 'fashion-mnist') {
    return loadFashionMnist({
      split: options.split ?? 'train',
      dir: options.dir,
      imageSize: options.imageSize as 28 | 32 | undefined,
      limit: options.limit,
    });
  }
  if (spec.startsWith('folder:') && spec.length > 'folder:'.length) {
    return loadImageFolder(spec.slice('folder:'.length), {
      imageSize: options.imageSize ?? 32,
      channels: options.channels,
      captions: options.captions,
    });
  }
  throw new DlensError('unknown-dataset', `Unknown dataset "${spec}".`, `use one of ${DATASET_SPECS.join(', ')} (e.g. folder:./images).`);
}
