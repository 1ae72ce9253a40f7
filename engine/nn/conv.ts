/**
 * 3x3 (any odd k), stride-1, 'same' convolution whose gradients are forward convolutions only.
 * tfjs-backend-wasm has no Conv2DBackpropFilter kernel and its Conv2DBackpropInput is naive, and tfjs
 * never falls back per op, so stock training stops there. With y = x * W (cross-correlation):
 *   dL/dx = dy * rot180(W)^T          (a 'same' conv with the flipped filter, in/out channels swapped)
 *   dL/dW[i,j,ci,co] = sum_{b,y,x} xpad[b, y+i, x+j, ci] dy[b, y, x, co]
 *                   = conv(xpad^T with batch <-> channels, dy as the filter, 'valid')
 */
import * as tf from '@tensorflow/tfjs';

export function conv2dSame(x: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return conv(x, filter) as tf.Tensor4D;
}

/**
 * conv2dSame(x, filter) + bias as one fused kernel (tf.fused.conv2d): the bias is added while the
 * output is still in cache instead of in a second pass over it. dL/dbias = the sum of dy over batch
 * and pixels.
 */
export function conv2dSameBias(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  return convBias(x, filter, bias) as tf.Tensor4D;
}

/** dL/dx and dL/dW of y = x * W as forward convolutions (see the file comment). */
function convGrads(g: tf.Tensor4D, xIn: tf.Tensor4D, wIn: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const [kh, kw] = wIn.shape;
  const flipped = tf.transpose(tf.reverse(wIn, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  const dx = tf.conv2d(g, flipped, 1, 'same');
  const ph = (kh - 1) / 2;
  const pw = (kw - 1) / 2;
  const xPad = tf.pad(xIn, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
  const xT = tf.transpose(xPad, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, H+2p, W+2p, B]
  const gT = tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D; // [H, W, B, Co]
  const dw = tf.transpose(tf.conv2d(xT, gT, 1, 'valid'), [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, Ci, Co]
  return [dx, dw];
}

const conv = tf.customGrad((x, filter, save) => {
  const xs = x as tf.Tensor4D;
  const w = filter as tf.Tensor4D;
  (save as tf.GradSaveFunc)([xs, w]);
  return {
    value: tf.conv2d(xs, w, 1, 'same'),
    gradFunc: (dy, saved) => convGrads(dy as tf.Tensor4D, ...(saved as [tf.Tensor4D, tf.Tensor4D])),
  };
});

const convBias = tf.customGrad((x, filter, bias, save) => {
  const xs = x as tf.Tensor4D;
  const w = filter as tf.Tensor4D;
  (save as tf.GradSaveFunc)([xs, w]);
  return {
    value: tf.fused.conv2d({ x: xs, filter: w, bias: bias as tf.Tensor1D, strides: 1, pad: 'same' }),
    gradFunc: (dy, saved) => {
      const g = dy as tf.Tensor4D;
      return [...convGrads(g, ...(saved as [tf.Tensor4D, tf.Tensor4D])), tf.sum(g, [0, 1, 2])];
    },
  };
});
