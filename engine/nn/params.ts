/**
 * The named variables of a model, created in a fixed order from a seeded source so that the same seed
 * gives the same initial weights, and saved/loaded as one little-endian float32 blob plus an index.
 */
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import type { Rng } from '../random';

export type Init = 'zeros' | 'ones' | { std: number } | { fanIn: number };

export interface ParamIndexEntry {
  name: string;
  shape: number[];
  offset: number;
}

export class Params {
  private readonly vars = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  add(name: string, shape: number[], init: Init): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter ${name} defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (typeof init === 'object') {
      // fanIn: variance 1/fanIn keeps activations at unit scale through linear layers (LeCun).
      const std = 'std' in init ? init.std : Math.sqrt(1 / init.fanIn);
      for (let i = 0; i < size; i++) values[i] = std * this.rng.gaussian();
    } else if (init === 'ones') {
      values.fill(1);
    }
    // No tfjs name: its registry is global, and two models with the same layer names must coexist.
    const v = ownedVariable(tf.tensor(values, shape), true);
    this.vars.set(name, v);
    return v;
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  get count(): number {
    return this.list().reduce((n, v) => n + v.size, 0);
  }

  /** One float32 blob in creation order, plus where each variable lives in it. */
  async serialize(): Promise<{ index: ParamIndexEntry[]; data: Float32Array }> {
    const data = new Float32Array(this.count);
    const index: ParamIndexEntry[] = [];
    let offset = 0;
    for (const [name, v] of this.vars) {
      data.set((await v.data()) as Float32Array, offset);
      index.push({ name, shape: v.shape, offset });
      offset += v.size;
    }
    return { index, data };
  }

  load(index: readonly ParamIndexEntry[], data: Float32Array): void {
    const byName = new Map(index.map((e) => [e.name, e]));
    for (const [name, v] of this.vars) {
      const e = byName.get(name);
      if (!e || e.shape.join() !== v.shape.join()) {
        throw new DlensError('checkpoint-mismatch', `Checkpoint has ${e ? `shape [${e.shape}]` : 'no entry'} for parameter ${name}, the model needs [${v.shape}].`, 'load the checkpoint with the model preset and conditioning it was trained with (they are in the run manifest).');
      }
      v.assign(tf.tensor(data.subarray(e.offset, e.offset + v.size), v.shape));
    }
  }
}

/** tf.variable shares the initial tensor's data but leaves that tensor alive: dispose it here. */
export function ownedVariable(initial: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}
