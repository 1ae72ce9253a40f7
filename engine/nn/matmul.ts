/**
 * x [N, I] . W [I, O] whose gradients avoid transposed matmuls: on wasm, matMul with transposeA or
 * transposeB runs 5-10x slower than a plain one (XNNPACK has no transposed GEMM; tfjs falls back to a
 * naive loop), and tfjs's own matMul gradient uses both.
 *   dL/dx = dy . W^T      W^T materialised first (W is small, x and dy are not)
 *   dL/dW = x^T . dy      as a 1-channel convolution, without transposing x: view x as one row of
 *                         N*I pixels and slide dy ([1, N] filter, O outputs) with dilation I; output
 *                         pixel i sums x[n, i] dy[n, o] over n.
 */
import * as tf from '@tensorflow/tfjs';

export function matMulFastGrad(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return linear(x, w) as tf.Tensor2D;
}

/** x . W + bias as one fused kernel (tf.fused.matMul), with the same gradients; dL/dbias = sum of dy over rows. */
export function matMulBiasFastGrad(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return linearBias(x, w, bias) as tf.Tensor2D;
}

function linearGrads(g: tf.Tensor2D, xIn: tf.Tensor2D, wIn: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  const [n, inDim] = xIn.shape;
  const outDim = wIn.shape[1];
  const dx = tf.matMul(g, tf.transpose(wIn)) as tf.Tensor2D;
  const row = tf.reshape(xIn, [1, 1, n * inDim, 1]) as tf.Tensor4D;
  const filter = tf.reshape(g, [1, n, 1, outDim]) as tf.Tensor4D;
  const dw = tf.reshape(tf.conv2d(row, filter, 1, 'valid', 'NHWC', [1, inDim]), [inDim, outDim]) as tf.Tensor2D;
  return [dx, dw];
}

/**
 * Batched a [.., N, K] . b [.., K, M] (attention) with the same treatment: both gradients as plain
 * matmuls against explicitly transposed operands (small here: heads x tokens x head width).
 */
export function batchMatMulFastGrad(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return batchMatMul(a, b);
}

const swapLast = (t: tf.Tensor) => tf.transpose(t, [...t.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)));

const batchMatMul = tf.customGrad((a, b, save) => {
  (save as tf.GradSaveFunc)([a as tf.Tensor, b as tf.Tensor]);
  return {
    value: tf.matMul(a as tf.Tensor, b as tf.Tensor),
    gradFunc: (dy, saved) => {
      const [aIn, bIn] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      return [tf.matMul(g, swapLast(bIn)), tf.matMul(swapLast(aIn), g)];
    },
  };
});

const linear = tf.customGrad((x, w, save) => {
  const xs = x as tf.Tensor2D;
  const ws = w as tf.Tensor2D;
  (save as tf.GradSaveFunc)([xs, ws]);
  return {
    value: tf.matMul(xs, ws),
    gradFunc: (dy, saved) => linearGrads(dy as tf.Tensor2D, ...(saved as [tf.Tensor2D, tf.Tensor2D])),
  };
});

const linearBias = tf.customGrad((x, w, bias, save) => {
  const xs = x as tf.Tensor2D;
  const ws = w as tf.Tensor2D;
  (save as tf.GradSaveFunc)([xs, ws]);
  return {
    value: tf.fused.matMul({ a: xs, b: ws, bias: bias as tf.Tensor1D }),
    gradFunc: (dy, saved) => {
      const g = dy as tf.Tensor2D;
      return [...linearGrads(g, ...(saved as [tf.Tensor2D, tf.Tensor2D])), tf.sum(g, 0)];
    },
  };
});
