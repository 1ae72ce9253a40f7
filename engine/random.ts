/**
 * One seeded random source per run. Tensors are drawn with tfjs's own seeded generators, which run in
 * JavaScript on every backend, so the same seed replays the same trajectory exactly.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { DlensError } from './errors';

export class Rng {
  private readonly next: seedrandom.PRNG;
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new DlensError('bad-seed', `Seed must be an integer, got ${seed}.`, 'pass an integer seed such as 0 or 1234.');
    }
    this.seed = seed;
    this.next = seedrandom.alea(`dlens:${seed}`);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh 31-bit seed for one tensor draw, so each draw is independent yet replayable. */
  childSeed(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  normal(shape: number[]): tf.Tensor {
    return tf.randomNormal(shape, 0, 1, 'float32', this.childSeed());
  }

  uniformTensor(shape: number[], min = 0, max = 1): tf.Tensor {
    return tf.randomUniform(shape, min, max, 'float32', this.childSeed());
  }

  /** Standard normal in JavaScript (Box-Muller), for small host-side draws. */
  gaussian(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
