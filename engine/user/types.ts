/**
 * The contract of a user's own implementation module (issue 6). Every export is optional: the engine's
 * reference stands in for whatever is missing. Each function receives the engine's `tf`, so the user's
 * code never loads a second copy of TensorFlow.js. Images are NHWC in [-1, 1]; t is an integer 0..T-1.
 */
import type * as tfType from '@tensorflow/tfjs';

export type TF = typeof tfType;

export interface AddNoiseArgs {
  tf: TF;
  x0: tfType.Tensor4D;
  noise: tfType.Tensor4D;
  t: number;
  alphasCumprod: Float64Array;
  betas: Float64Array;
}

export interface TimestepsArgs {
  numTrainSteps: number;
  numSteps: number;
}

export interface StepArgs {
  tf: TF;
  x: tfType.Tensor4D;
  eps: tfType.Tensor4D;
  t: number;
  /** -1 after the last step */
  tPrev: number;
  alphasCumprod: Float64Array;
  betas: Float64Array;
  eta: number;
  noise: tfType.Tensor4D;
}

export interface CreateModelArgs {
  tf: TF;
  imageSize: number;
  channels: number;
  numClasses?: number;
}

export interface UserModel {
  predict(x: tfType.Tensor4D, t: tfType.Tensor1D, cond?: tfType.Tensor): tfType.Tensor4D;
  trainableVariables?: tfType.Variable[];
}

/** What a module may export, after loading and type-checking of the exports (not of their outputs). */
export interface Implementation {
  /** noise schedule, length T */
  betas?: (T: number) => number[] | Float32Array | Float64Array;
  /** q_sample at an integer t */
  addNoise?: (a: AddNoiseArgs) => tfType.Tensor4D;
  /** descending inference timesteps */
  timesteps?: (a: TimestepsArgs) => number[];
  /** x_t -> x_tPrev; a DDPM-only step may ignore eta */
  step?: (a: StepArgs) => tfType.Tensor4D;
  createModel?: (a: CreateModelArgs) => UserModel;
}

export const IMPLEMENTATION_EXPORTS = ['betas', 'addNoise', 'timesteps', 'step', 'createModel'] as const;
export type ImplementationExport = (typeof IMPLEMENTATION_EXPORTS)[number];

/** A loaded module: its exports plus where it came from, for messages that point at the user's file. */
export interface LoadedImplementation {
  /** absolute path of the user's source file */
  file: string;
  impl: Implementation;
  /** which of IMPLEMENTATION_EXPORTS the file provides */
  provided: ImplementationExport[];
  /** e.g. an export named like a contract function but not exactly (`Step`): said, not fatal */
  warnings?: string[];
}
