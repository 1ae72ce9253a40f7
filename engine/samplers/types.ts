/**
 * The contract every sampler shares (after k-diffusion's `callback`): a denoiser in, one optional probe
 * called once per step with everything a debugger wants to see.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DiffusionTables } from '../diffusion';
import type { PredictionType } from '../forward';
import type { Rng } from '../random';

/** What classifier-free guidance returns: the combined output plus both branches. */
export interface GuidedOutput {
  eps: tf.Tensor;
  epsCond: tf.Tensor;
  epsUncond: tf.Tensor;
}

/**
 * (x_t, t, cond) -> the network's output (eps-hat by default; see `prediction`). A synchronous one runs
 * inside the step's tf.tidy; an asynchronous one (a data-parallel model) must free its own intermediates
 * and hands its output tensors to the sampler. Images are NHWC; any [B, ...] shape works.
 */
export type Denoiser = (x: tf.Tensor, t: number, cond?: tf.Tensor) => tf.Tensor | GuidedOutput | Promise<tf.Tensor | GuidedOutput>;

export interface ProbeEvent {
  /** 0-based index into the timestep list */
  step: number;
  t: number;
  /** -1 after the last step */
  tPrev: number;
  /** x_t */
  x: tf.Tensor;
  eps: tf.Tensor;
  /** predicted x_0 (after clipping, when clipping is on) */
  x0: tf.Tensor;
  epsCond?: tf.Tensor;
  epsUncond?: tf.Tensor;
  /** x_{tPrev} */
  next: tf.Tensor;
}

/**
 * Called after each step. The tensors belong to the sampler and are disposed when the probe returns
 * (or its promise settles): read them (`data()`), or `tf.clone` what you keep.
 */
export type Probe = (event: ProbeEvent) => void | Promise<void>;

export interface SamplerOptions {
  tables: DiffusionTables;
  /** Descending inference timesteps; the previous timestep is always the next entry of this list. */
  timesteps: readonly number[];
  rng: Rng;
  cond?: tf.Tensor;
  /** What the denoiser outputs. Default 'epsilon'. */
  prediction?: PredictionType;
  /** Clip predicted x_0 to [-clipX0, clipX0] (1 for images in [-1, 1]); eps is then recomputed from it. */
  clipX0?: number;
  probe?: Probe;
  signal?: AbortSignal;
  /** Image-to-image (SDEdit): start from `image` noised to the first of the last `strength` share of steps. */
  init?: { image: tf.Tensor; strength: number };
  /** Inpainting: mask 1 = generate, 0 = keep `image` (re-noised to each step's timestep). */
  inpaint?: { image: tf.Tensor; mask: tf.Tensor };
}

/** One reverse step on scalars read for this (t, tPrev) pair; `noise` draws only when it is needed. */
export interface StepInput {
  x: tf.Tensor;
  /** the timestep pair of this step; runSampler always sets them (a user's step needs them) */
  t?: number;
  /** -1 after the last step */
  tPrev?: number;
  eps: tf.Tensor;
  x0: tf.Tensor;
  alphaBar: number;
  /** alphaBar at tPrev; 1 after the last step */
  alphaBarPrev: number;
  isLast: boolean;
  noise: (shape: number[]) => tf.Tensor;
}
export type StepFn = (s: StepInput) => tf.Tensor;
