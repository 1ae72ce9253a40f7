/**
 * AdamW (Loshchilov & Hutter 2019): Adam on the gradient, with weight decay applied to the weights
 * directly rather than through the gradient. tfjs's own Adam has no decoupled decay.
 */
import * as tf from '@tensorflow/tfjs';
import { ownedVariable } from '../nn/params';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 };

export class AdamW {
  step = 0;
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];

  constructor(private readonly vars: tf.Variable[], readonly config: AdamWConfig = DEFAULT_ADAMW) {
    this.m = vars.map((v) => ownedVariable(tf.zerosLike(v), false));
    this.v = vars.map((v) => ownedVariable(tf.zerosLike(v), false));
  }

  apply(grads: tf.Tensor[], lr: number): void {
    this.step++;
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      this.vars.forEach((w, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        // Biases and norm gains are 1-D: decaying them only hurts (the usual no-decay exclusion).
        const decay = w.rank > 1 ? weightDecay : 0;
        const update = tf.add(tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon)), tf.mul(w, decay));
        w.assign(tf.sub(w, tf.mul(update, lr)));
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** Scales all gradients together so their global L2 norm is at most maxNorm; returns the norm before. */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  const normT = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  const scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  return { clipped: grads.map((g) => (scale === 1 ? g : tf.mul(g, scale))), norm };
}

/** Linear warmup to the peak rate, then constant (short CPU runs gain nothing from decay). */
export function learningRate(step: number, peak: number, warmupSteps: number): number {
  return warmupSteps > 0 && step < warmupSteps ? (peak * (step + 1)) / warmupSteps : peak;
}
