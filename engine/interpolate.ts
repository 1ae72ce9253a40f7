/**
 * Spherical interpolation between initial noises (Shoemake 1985; used for DDIM latent walks,
 * Song et al. 2021 sec. 5.3): Gaussian noise lives near a sphere, so a straight line would shrink its norm.
 */
import * as tf from '@tensorflow/tfjs';
import { assertInRange } from './errors';
import { assertSameShape } from './forward';

/** slerp(z0, z1, a) per example over all non-batch axes. */
export function slerp(z0: tf.Tensor, z1: tf.Tensor, alpha: number): tf.Tensor {
  assertSameShape('z1', z1, z0);
  assertInRange('alpha', alpha, 0, 1);
  return tf.tidy(() => {
    const batch = z0.shape[0];
    const a = tf.reshape(z0, [batch, -1]);
    const b = tf.reshape(z1, [batch, -1]);
    const cos = tf.div(tf.sum(tf.mul(a, b), 1, true), tf.mul(tf.norm(a, 'euclidean', 1, true), tf.norm(b, 'euclidean', 1, true)));
    const theta = tf.acos(tf.clipByValue(cos, -1, 1));
    const sinTheta = tf.sin(theta);
    // Nearly parallel vectors: sin(theta) -> 0, and slerp tends to the straight line.
    const nearlyParallel = tf.less(sinTheta, 1e-6);
    const safeSin = tf.where(nearlyParallel, tf.onesLike(sinTheta), sinTheta);
    const w0 = tf.where(nearlyParallel, tf.fill(sinTheta.shape, 1 - alpha), tf.div(tf.sin(tf.mul(theta, 1 - alpha)), safeSin));
    const w1 = tf.where(nearlyParallel, tf.fill(sinTheta.shape, alpha), tf.div(tf.sin(tf.mul(theta, alpha)), safeSin));
    return tf.reshape(tf.add(tf.mul(a, w0), tf.mul(b, w1)), z0.shape);
  });
}
