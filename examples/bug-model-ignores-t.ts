/**
 * Bug: the model never uses t (the time embedding is computed but not added), so it cannot know how much
 * noise x_t holds: it predicts one average eps for every noise level.
 * Doctor: model.depends-on-t (error).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { CreateModelArgs, UserModel } from '../engine/user/types';
export { betas, addNoise, timesteps, step } from './ddpm-correct';

export function createModel({ tf, channels }: CreateModelArgs): UserModel {
  const hidden = 16;
  const conv1 = tf.variable(tf.randomNormal([3, 3, channels, hidden], 0, 0.3, 'float32', 1)) as tfjs.Variable<tfjs.Rank.R4>;
  const conv2 = tf.variable(tf.randomNormal([3, 3, hidden, channels], 0, 0.1, 'float32', 2)) as tfjs.Variable<tfjs.Rank.R4>;
  return {
    predict: (x, t) =>
      tf.tidy(() => {
        const temb = tf.sin(tf.cast(t, 'float32')); // computed ...
        void temb; // BUG: ... but never added to the features
        return tf.conv2d(tf.relu(tf.conv2d(x, conv1, 1, 'same')), conv2, 1, 'same');
      }),
    trainableVariables: [conv1, conv2],
  };
}
