/**
 * Group normalisation's core, x̂ = (x − μ_g) / sqrt(σ²_g + ε) over each example's group of channels, with
 * its gradient written out: autodiff through tf.moments differentiates the mean and the variance as
 * separate graphs (about 20 kernels on a reshaped tensor, most of them Sum and Multiply); the closed form
 * needs two means and a few elementwise ops:
 *   dx = (dy − mean_g(dy) − x̂ · mean_g(dy · x̂)) / sqrt(σ²_g + ε)
 * (the population-variance layer-norm backward, over the H·W·C/G values of a group).
 */
import * as tf from '@tensorflow/tfjs';

export const GROUP_NORM_EPSILON = 1e-5;

const byGroups = new Map<number, (x: tf.Tensor4D) => tf.Tensor4D>();

/** x̂ of x [B, H, W, C] in `groups` groups of C / groups channels (C must divide). */
export function groupNormalize(x: tf.Tensor4D, groups: number): tf.Tensor4D {
  let op = byGroups.get(groups);
  if (!op) {
    op = makeOp(groups);
    byGroups.set(groups, op);
  }
  return op(x);
}

function makeOp(G: number): (x: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad((input, save) => {
    const x = input as tf.Tensor4D;
    const [B, H, W, C] = x.shape;
    const grouped = [B, H * W, G, C / G];
    const g = tf.reshape(x, grouped);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    const r = tf.rsqrt(tf.add(variance, GROUP_NORM_EPSILON));
    const xhat = tf.mul(tf.sub(g, mean), r);
    (save as tf.GradSaveFunc)([xhat, r]);
    return {
      value: tf.reshape(xhat, x.shape),
      gradFunc: (dy, saved) => {
        const [xh, rs] = saved as [tf.Tensor, tf.Tensor];
        const d = tf.reshape(dy as tf.Tensor, grouped);
        const centred = tf.sub(d, tf.mean(d, [1, 3], true));
        const dx = tf.mul(tf.sub(centred, tf.mul(xh, tf.mean(tf.mul(d, xh), [1, 3], true))), rs);
        return tf.reshape(dx, x.shape);
      },
    };
  }) as (x: tf.Tensor4D) => tf.Tensor4D;
}
