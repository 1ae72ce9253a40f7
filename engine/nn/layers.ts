/**
 * The building blocks of the reference U-Net, as small classes over named variables.
 * Everything differentiable avoids gather (its gradient needs a kernel wasm lacks): embeddings are
 * one-hot matmuls, 1x1 convolutions are matmuls, and 3x3 convolutions use conv2dSame.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dSameBias } from './conv';
import { groupNormalize } from './groupNorm';
import { batchMatMulFastGrad, matMulBiasFastGrad } from './matmul';
import type { Params } from './params';

export const silu = (x: tf.Tensor) => tf.mul(x, tf.sigmoid(x));

/** Applies to the last axis of any-rank input. */
export class Dense {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  constructor(p: Params, name: string, readonly inDim: number, readonly outDim: number, zeroInit = false) {
    this.w = p.add(`${name}.w`, [inDim, outDim], zeroInit ? 'zeros' : { fanIn: inDim });
    this.b = p.add(`${name}.b`, [outDim], 'zeros');
  }
  apply(x: tf.Tensor): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    const y = matMulBiasFastGrad(tf.reshape(x, [-1, this.inDim]) as tf.Tensor2D, this.w as tf.Tensor2D, this.b as tf.Tensor1D);
    return tf.reshape(y, [...lead, this.outDim]);
  }
}

export class Conv3 {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  constructor(p: Params, name: string, cin: number, cout: number, zeroInit = false) {
    this.w = p.add(`${name}.w`, [3, 3, cin, cout], zeroInit ? 'zeros' : { fanIn: 9 * cin });
    this.b = p.add(`${name}.b`, [cout], 'zeros');
  }
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return conv2dSameBias(x, this.w as tf.Tensor4D, this.b as tf.Tensor1D);
  }
}

/** Wu & He 2018. With scaleShift (adaptive group norm): norm(x) * (1 + scale) + shift, per example. */
export class GroupNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  constructor(p: Params, name: string, readonly channels: number, readonly groups = Math.min(8, channels)) {
    this.gamma = p.add(`${name}.gamma`, [channels], 'ones');
    this.beta = p.add(`${name}.beta`, [channels], 'zeros');
  }
  apply(x: tf.Tensor4D, scaleShift?: [tf.Tensor, tf.Tensor]): tf.Tensor4D {
    const [B, , , C] = x.shape;
    let y: tf.Tensor = tf.add(tf.mul(groupNormalize(x, this.groups), this.gamma), this.beta);
    if (scaleShift) {
      const [scale, shift] = scaleShift.map((s) => tf.reshape(s, [B, 1, 1, C]));
      y = tf.add(tf.mul(y, tf.add(scale, 1)), shift);
    }
    return y as tf.Tensor4D;
  }
}

export class LayerNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  constructor(p: Params, name: string, dim: number) {
    this.gamma = p.add(`${name}.gamma`, [dim], 'ones');
    this.beta = p.add(`${name}.beta`, [dim], 'zeros');
  }
  apply(x: tf.Tensor): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), this.gamma), this.beta);
  }
}

/**
 * Multi-head attention of queries [B, N, D] over keys/values [B, L, Dc] (self-attention when the
 * context is the input). keyMask [B, L] (1 = attend) hides padding tokens.
 */
export class Attention {
  readonly q: Dense;
  readonly kv: Dense;
  readonly out: Dense;
  constructor(p: Params, name: string, readonly dim: number, contextDim: number, readonly heads: number) {
    this.q = new Dense(p, `${name}.q`, dim, dim);
    this.kv = new Dense(p, `${name}.kv`, contextDim, 2 * dim);
    // Zero-initialised output: a new attention layer starts as the identity of its residual branch.
    this.out = new Dense(p, `${name}.out`, dim, dim, true);
  }
  apply(x: tf.Tensor3D, context: tf.Tensor3D, keyMask?: tf.Tensor2D): tf.Tensor3D {
    const [B, N] = x.shape;
    const L = context.shape[1];
    const d = this.dim / this.heads;
    const split = (t: tf.Tensor, n: number) => tf.transpose(tf.reshape(t, [B, n, this.heads, d]), [0, 2, 1, 3]);
    const q = split(this.q.apply(x), N);
    const [k, v] = tf.split(this.kv.apply(context), 2, -1).map((t) => split(t, L));
    // k^T materialised: a transposed matmul is several times slower on wasm than a transpose + plain one.
    let logits = tf.mul(batchMatMulFastGrad(q, tf.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(d)); // [B, h, N, L]
    if (keyMask) logits = tf.add(logits, tf.reshape(tf.mul(tf.sub(1, keyMask), -1e9), [B, 1, 1, L]));
    const attended = batchMatMulFastGrad(tf.softmax(logits), v); // [B, h, N, d]
    return this.out.apply(tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [B, N, this.dim])) as tf.Tensor3D;
  }
}

/** sin/cos features of the integer timestep at geometric frequencies (Vaswani et al.; Ho et al. sec. 4). */
export function timestepEmbedding(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  const half = dim / 2;
  const freqs = tf.tensor1d(Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half)));
  const args = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), tf.reshape(freqs, [1, half]));
  return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
}

/** A lookup table applied as one-hot x table, so its gradient is a matmul. */
export class Embedding {
  readonly table: tf.Variable;
  constructor(p: Params, name: string, readonly count: number, readonly dim: number, std = 1) {
    this.table = p.add(`${name}.table`, [count, dim], { std });
  }
  apply(ids: tf.Tensor): tf.Tensor {
    const flat = tf.reshape(tf.cast(ids, 'int32'), [-1]);
    const rows = tf.matMul(tf.oneHot(flat, this.count).toFloat(), this.table);
    return tf.reshape(rows, [...ids.shape, this.dim]);
  }
}
