/**
 * A correct DDPM/DDIM implementation in the shape Diffusion Lens loads (every export is optional).
 * Check it: `dlens doctor examples/ddpm-correct.ts`, or "Diffusion: Check My Implementation…" in VS Code.
 * The examples/bug-*.ts files each break one line of this file the way real code often is broken.
 */
import type { AddNoiseArgs, CreateModelArgs, StepArgs, TimestepsArgs, UserModel } from '../engine/user/types';

/** DDPM's linear schedule (Ho et al. 2020): beta from 1e-4 to 0.02. */
export function betas(T: number): number[] {
  return Array.from({ length: T }, (_, t) => 1e-4 + ((0.02 - 1e-4) * t) / (T - 1));
}

/** q(x_t | x_0): x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps (Ho et al. eq. 4). */
export function addNoise({ tf, x0, noise, t, alphasCumprod }: AddNoiseArgs) {
  const ab = alphasCumprod[t];
  return tf.add(tf.mul(x0, Math.sqrt(ab)), tf.mul(noise, Math.sqrt(1 - ab)));
}

/** Trailing spacing (Lin et al. 2023): starts at T - 1, descending. */
export function timesteps({ numTrainSteps: T, numSteps: N }: TimestepsArgs): number[] {
  const out: number[] = [];
  for (let i = 0; i < N; i++) out.push(Math.round(T - (i * T) / N) - 1);
  return out;
}

/** DDIM (Song et al. 2021, eq. 12); eta = 1 is DDPM's posterior step. tPrev = -1 after the last step. */
export function step({ tf, x, eps, t, tPrev, alphasCumprod, eta, noise }: StepArgs) {
  const ab = alphasCumprod[t];
  const abPrev = tPrev >= 0 ? alphasCumprod[tPrev] : 1;
  const sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
  return tf.tidy(() => {
    const x0 = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
    const mean = tf.add(tf.mul(x0, Math.sqrt(abPrev)), tf.mul(eps, Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma))));
    return tPrev >= 0 ? tf.add(mean, tf.mul(noise, sigma)) : mean;
  });
}

/** A small conv net with a sinusoidal time embedding added to its hidden features (and a class embedding). */
export function createModel({ tf, channels, numClasses }: CreateModelArgs): UserModel {
  const hidden = 16;
  const init = (shape: number[], fanIn: number) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', 7));
  const conv1 = init([3, 3, channels, hidden], 9 * channels);
  const timeW = init([hidden, hidden], hidden);
  const classE = numClasses ? init([numClasses + 1, hidden], 1) : undefined;
  const conv2 = init([3, 3, hidden, channels], 9 * hidden);
  const embed = (t: import('@tensorflow/tfjs').Tensor1D) => {
    const freqs = tf.exp(tf.mul(tf.range(0, hidden / 2), -Math.log(10000) / (hidden / 2)));
    const args = tf.mul(tf.expandDims(tf.cast(t, 'float32'), 1), tf.expandDims(freqs, 0));
    return tf.concat([tf.sin(args), tf.cos(args)], 1);
  };
  return {
    predict: (x, t, cond) =>
      tf.tidy(() => {
        let emb = tf.matMul(embed(t), timeW);
        if (classE && cond) {
          const labels = tf.cast(tf.reshape(cond, [-1]), 'int32');
          emb = tf.add(emb, tf.gather(classE, tf.where(tf.less(labels, 0), tf.fill(labels.shape, numClasses!, 'int32'), labels)));
        }
        const h = tf.relu(tf.add(tf.conv2d(x, conv1 as import('@tensorflow/tfjs').Tensor4D, 1, 'same'), tf.reshape(emb, [-1, 1, 1, hidden])));
        return tf.conv2d(h as import('@tensorflow/tfjs').Tensor4D, conv2 as import('@tensorflow/tfjs').Tensor4D, 1, 'same');
      }),
    trainableVariables: [conv1, timeW, conv2, ...(classE ? [classE] : [])],
  };
}
