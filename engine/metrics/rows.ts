/** The one input shape every metric reads: a set of vectors (image pixels or judge features). */
import type * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';

/** One vector per row (number[][], Float32Array[], Float64Array[]), or a flat row-major block. */
export type FeatureRows = readonly ArrayLike<number>[] | { readonly values: ArrayLike<number>; readonly dim: number };

export interface RowView {
  n: number;
  dim: number;
  at(i: number, d: number): number;
}

export function rowView(rows: FeatureRows, name: string): RowView {
  if ('dim' in rows && 'values' in rows) {
    const { values, dim } = rows;
    if (!Number.isInteger(dim) || dim < 1 || values.length % dim !== 0) {
      throw new DlensError('bad-features', `${name}: ${values.length} values do not split into rows of ${dim}.`, 'pass values.length = rows * dim.');
    }
    return { n: values.length / dim, dim, at: (i, d) => values[i * dim + d] };
  }
  const list = rows as readonly ArrayLike<number>[];
  const dim = list.length > 0 ? list[0].length : 0;
  if (dim < 1 || list.some((r) => r.length !== dim)) {
    throw new DlensError('bad-features', `${name}: every vector must have the same, non-zero length.`, 'pass one vector per sample, all of the same dimension.');
  }
  return { n: list.length, dim, at: (i, d) => list[i][d] };
}

/** A batch [n, ...] read back as n flat rows (for image-space metrics). */
export async function tensorRows(batch: tf.Tensor): Promise<FeatureRows> {
  if (batch.rank < 2 || batch.shape[0] === 0) {
    throw new DlensError('bad-features', `Expected a batch [n, ...] with n >= 1, got shape [${batch.shape.join(', ')}].`, 'pass one example per row of the first axis.');
  }
  const values = (await batch.data()) as ArrayLike<number>;
  return { values, dim: values.length / batch.shape[0] };
}
