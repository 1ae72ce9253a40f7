/**
 * Exponential moving average of the weights (Ho et al. sample with it): ema = d ema + (1 - d) w, with
 * d = min(decay, (1 + step) / (10 + step)) so that early on the average forgets the random start quickly
 * (the warmup diffusers' EMAModel uses); short CPU runs would otherwise sample from a lagging average.
 */
import * as tf from '@tensorflow/tfjs';
import { ownedVariable } from '../nn/params';

export class Ema {
  readonly shadow: tf.Variable[];

  constructor(private readonly vars: tf.Variable[], readonly decay: number) {
    this.shadow = vars.map((v) => ownedVariable(v.clone(), false));
  }

  update(step: number): void {
    const d = Math.min(this.decay, (1 + step) / (10 + step));
    tf.tidy(() => {
      this.vars.forEach((w, i) => this.shadow[i].assign(tf.add(tf.mul(this.shadow[i], d), tf.mul(w, 1 - d))));
    });
  }

  dispose(): void {
    tf.dispose(this.shadow);
  }
}
