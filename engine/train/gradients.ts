/**
 * Gradients of the noise-prediction loss (Ho et al. Algorithm 1) over one shard of a training batch,
 * as plain arrays, so that the same code runs on the main thread and in gradient workers
 * (engine/train/dataParallel.ts). Everything random was drawn before the batch was split: the shard
 * carries its images, noise, timesteps and conditions, so how a batch is split changes only the order
 * in which float sums are added.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionTables } from '../diffusion';
import { qSample } from '../forward';
import type { UNet } from '../nn/unet';

/** A condition tensor's contents, ready to cross a thread boundary. */
export interface PlainTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface Shard {
  /** [n, size, size, channels] row-major */
  images: Float32Array;
  noise: Float32Array;
  ts: number[];
  cond?: PlainTensor;
  /** examples in the whole batch: each example's loss is weighted 1 / total */
  total: number;
  /** examples per forward/backward pass (memory, not maths) */
  microBatch: number;
}

export interface ShardResult {
  /** the gradient of sum(loss_i) / total over this shard's examples, all variables concatenated in order */
  grads: Float32Array;
  perExample: number[];
}

export function toPlain(t: tf.Tensor): PlainTensor {
  return { values: t.dataSync() as Float32Array | Int32Array, shape: t.shape, dtype: t.dtype === 'int32' ? 'int32' : 'float32' };
}

export function shardGradients(model: UNet, tables: DiffusionTables, shard: Shard): ShardResult {
  const vars = model.params.list();
  const [size, channels] = [model.config.imageSize, model.config.channels];
  const n = shard.ts.length;
  const pixels = size * size * channels;
  const perExample: number[] = [];
  let accumulated: tf.Tensor[] | undefined;
  for (let start = 0; start < n; start += shard.microBatch) {
    const end = Math.min(start + shard.microBatch, n);
    const m = end - start;
    const shape: [number, number, number, number] = [m, size, size, channels];
    const x0 = tf.tensor4d(shard.images.subarray(start * pixels, end * pixels), shape);
    const noise = tf.tensor4d(shard.noise.subarray(start * pixels, end * pixels), shape);
    const ts = shard.ts.slice(start, end);
    const tTensor = tf.tensor1d(ts, 'int32');
    const cond = shard.cond ? sliceRows(shard.cond, start, end) : undefined;
    let perExampleT: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const xt = qSample(tables, x0, ts, noise);
      const eps = model.predict(xt, tTensor, cond);
      const loss = tf.mean(tf.square(tf.sub(eps, noise)), [1, 2, 3]);
      perExampleT = tf.keep(loss);
      return tf.mul(tf.sum(loss), 1 / shard.total) as tf.Scalar;
    }, vars);
    perExample.push(...perExampleT!.dataSync());
    tf.dispose([value, x0, noise, tTensor, perExampleT!, ...(cond ? [cond] : [])]);
    const ordered = vars.map((v) => grads[v.name]);
    if (!accumulated) accumulated = ordered;
    else {
      const sum = accumulated.map((g, i) => tf.add(g, ordered[i]));
      tf.dispose([...accumulated, ...ordered]);
      accumulated = sum;
    }
  }
  const flat = new Float32Array(model.params.count);
  let offset = 0;
  for (const g of accumulated!) {
    flat.set(g.dataSync() as Float32Array, offset);
    offset += g.size;
  }
  tf.dispose(accumulated!);
  return { grads: flat, perExample };
}

function sliceRows(t: PlainTensor, start: number, end: number): tf.Tensor {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return tf.tensor(t.values.subarray(start * row, end * row), [end - start, ...t.shape.slice(1)], t.dtype);
}

/** Copies flat values into the variables, in the order of model.params.list(). */
export function assignFlat(vars: tf.Variable[], flat: Float32Array): void {
  let offset = 0;
  for (const v of vars) {
    const t = tf.tensor(flat.subarray(offset, offset + v.size), v.shape);
    v.assign(t);
    t.dispose();
    offset += v.size;
  }
}

/** The flat gradient as one tensor per variable (caller disposes). */
export function splitFlat(vars: tf.Variable[], flat: Float32Array): tf.Tensor[] {
  let offset = 0;
  return vars.map((v) => {
    const t = tf.tensor(flat.subarray(offset, offset + v.size), v.shape);
    offset += v.size;
    return t;
  });
}
