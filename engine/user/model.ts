/**
 * What training and sampling need from a denoising network, whoever wrote it: a prediction, the
 * variables AdamW updates, and a way to save and restore them. The reference U-Net and the user's
 * `createModel` result both fit behind it, so the trainer has one code path.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import type { ParamIndexEntry } from '../nn/params';
import { UNet, type UNetConfig } from '../nn/unet';
import type { Rng } from '../random';
import type { LoadedImplementation, UserModel } from './types';
import { userCodeError } from './userError';
import { assertTensorLike } from './validate';

export interface DenoisingModel {
  /** eps-hat for x_t; t is one timestep for the batch or one per example */
  predict(x: tf.Tensor, t: number | tf.Tensor1D, cond?: tf.Tensor): tf.Tensor4D;
  readonly variables: tf.Variable[];
  serialize(): Promise<{ index: ParamIndexEntry[]; data: Float32Array }>;
  load(index: readonly ParamIndexEntry[], data: Float32Array): void;
  dispose(): void;
  /** the reference U-Net behind this model, when it is one: data-parallel threads can rebuild only that */
  readonly unet?: UNet;
}

export function unetModel(config: UNetConfig, rng: Rng): DenoisingModel {
  const unet = new UNet(config, rng);
  return {
    predict: (x, t, cond) => unet.predict(x, t, cond),
    variables: unet.params.list(),
    serialize: () => unet.params.serialize(),
    load: (index, data) => unet.params.load(index, data),
    dispose: () => tf.dispose(unet.params.list()),
    unet,
  };
}

/** A tf.layers weight (LayerVariable) holds its tf.Variable behind read(); a plain tf.Variable is itself. */
function asVariable(v: unknown): tf.Variable | undefined {
  if (v instanceof tf.Variable) return v;
  const inner = typeof (v as { read?: unknown })?.read === 'function' ? (v as { read(): unknown }).read() : undefined;
  return inner instanceof tf.Variable ? inner : undefined;
}

export interface UserModelOptions {
  imageSize: number;
  channels: number;
  numClasses?: number;
  /** training needs variables to update; sampling a trained run needs them to load the checkpoint into */
  requireVariables: boolean;
}

export function userModel(loaded: LoadedImplementation, o: UserModelOptions): DenoisingModel {
  const base = path.basename(loaded.file);
  let made: UserModel;
  try {
    made = loaded.impl.createModel!({ tf, imageSize: o.imageSize, channels: o.channels, numClasses: o.numClasses });
  } catch (err) {
    throw userCodeError(err, loaded.file, 'createModel()');
  }
  if (!made || typeof made.predict !== 'function') {
    throw new DlensError('impl-model', `createModel() in ${base} returned ${made === null || typeof made !== 'object' ? String(made) : 'an object without a predict function'}; expected { predict(x, t, cond?), trainableVariables }.`, 'return an object with predict(x: Tensor4D, t: Tensor1D, cond?: Tensor) => Tensor4D and trainableVariables: tf.Variable[].');
  }
  const raw = made.trainableVariables ?? [];
  const variables = Array.isArray(raw) ? raw.map(asVariable) : [];
  const bad = variables.findIndex((v) => v === undefined);
  if (!Array.isArray(raw) || bad >= 0) {
    throw new DlensError('impl-model', `createModel() in ${base}: trainableVariables${bad >= 0 ? `[${bad}]` : ''} is not a tf.Variable.`, 'list the model\'s weights as tf.Variable objects made with the tf passed to createModel (tf.variable(...)); for a tf.LayersModel, model.trainableWeights works too.');
  }
  if (o.requireVariables && variables.length === 0) {
    throw new DlensError('impl-model', `createModel() in ${base} returned no trainableVariables, so there is nothing to train or to load from a checkpoint.`, 'return trainableVariables: the tf.Variable list of your model\'s weights.');
  }
  const vars = variables as tf.Variable[];
  return {
    predict: (x, t, cond) => {
      const batch = x.shape[0];
      const tTensor = typeof t === 'number' ? tf.fill([batch], t, 'int32') as tf.Tensor1D : t;
      let out: unknown;
      try {
        out = made.predict(x as tf.Tensor4D, tTensor, cond);
      } catch (err) {
        throw userCodeError(err, loaded.file, 'createModel().predict()');
      } finally {
        if (tTensor !== t) tTensor.dispose();
      }
      assertTensorLike(`createModel().predict() in ${base}${typeof t === 'number' ? ` at t = ${t}` : ''}`, out, x.shape);
      return out as tf.Tensor4D;
    },
    variables: vars,
    // By order: tfjs names variables from a process-wide counter, so names differ between processes.
    serialize: async () => {
      const index: ParamIndexEntry[] = [];
      let offset = 0;
      for (const [i, v] of vars.entries()) {
        index.push({ name: `${i}:${v.name}`, shape: v.shape, offset });
        offset += v.size;
      }
      const data = new Float32Array(offset);
      for (const [i, v] of vars.entries()) data.set((await v.data()) as Float32Array, index[i].offset);
      return { index, data };
    },
    load: (index, data) => {
      if (index.length !== vars.length) {
        throw new DlensError('checkpoint-mismatch', `The checkpoint holds ${index.length} tensors; createModel() in ${base} now has ${vars.length} trainableVariables.`, 'sample with the implementation file the run was trained with (same createModel), or train a new run.');
      }
      vars.forEach((v, i) => {
        if (index[i].shape.join() !== v.shape.join()) {
          throw new DlensError('checkpoint-mismatch', `Checkpoint tensor ${i} has shape [${index[i].shape}]; trainableVariables[${i}] of createModel() in ${base} is [${v.shape}].`, 'keep the model\'s variables in the order and shapes it was trained with, or train a new run.');
        }
        v.assign(tf.tensor(data.subarray(index[i].offset, index[i].offset + v.size), v.shape));
      });
    },
    dispose: () => tf.dispose(vars),
  };
}
