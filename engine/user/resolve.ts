/**
 * Each user export, or the reference in its place: the schedule's tables, the inference timesteps,
 * the sampler's update and q_sample. Every call to user code is checked (value, shape, dtype) and its
 * exceptions are reported at the user's lines, so a mistake surfaces where it was made.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type DiffusionTables, diffusionTables } from '../diffusion';
import { qSample } from '../forward';
import { assertInRange } from '../errors';
import { makeBetas } from '../schedules';
import { ddimStep, sampleDdim } from '../samplers/ddim';
import { ddpmStep, sampleDdpm } from '../samplers/ddpm';
import { runSampler } from '../samplers/loop';
import type { Denoiser, SamplerOptions, StepFn } from '../samplers/types';
import { inferenceTimesteps } from '../timesteps';
import type { LoadedImplementation } from './types';
import { userCodeError } from './userError';
import { assertTensorLike, checkBetasOutput, checkTimestepsOutput } from './validate';

const base = (loaded: LoadedImplementation) => path.basename(loaded.file);

/** The user's betas(T) when exported, else the named reference schedule. */
export function scheduleTables(schedule: { name: string; T: number }, loaded?: LoadedImplementation): DiffusionTables {
  const betas = loaded?.impl.betas;
  if (!betas) return diffusionTables(makeBetas(schedule.name, schedule.T));
  let value: unknown;
  try {
    value = betas(schedule.T);
  } catch (err) {
    throw userCodeError(err, loaded.file, `betas(${schedule.T})`);
  }
  return diffusionTables(checkBetasOutput(`betas(${schedule.T}) in ${base(loaded)}`, value, schedule.T));
}

/** The user's timesteps() when exported, else the reference spacing. */
export function samplingTimesteps(spacing: string, T: number, steps: number, loaded?: LoadedImplementation): number[] {
  const timesteps = loaded?.impl.timesteps;
  if (!timesteps) return inferenceTimesteps(spacing, T, steps);
  let value: unknown;
  try {
    value = timesteps({ numTrainSteps: T, numSteps: steps });
  } catch (err) {
    throw userCodeError(err, loaded.file, 'timesteps()');
  }
  return checkTimestepsOutput(`timesteps({ numTrainSteps: ${T}, numSteps: ${steps} }) in ${base(loaded)}`, value, T);
}

/**
 * The user's step() adapted to the sampler loop, so the loop still asks the model, clips x_0, blends
 * inpainting and calls the probe on every step (step-through works as with the built-in samplers).
 * The user's step always receives a noise tensor; the reference steps draw one only when they add noise,
 * which is why a user step equal to the reference reproduces its output for the same seed.
 */
export function samplerStep(reference: StepFn, tables: DiffusionTables, eta: number, loaded?: LoadedImplementation): StepFn {
  const step = loaded?.impl.step;
  if (!step) return reference;
  return (s) => {
    // runSampler always passes the timestep pair; a caller outside it must too.
    const t = s.t!;
    const tPrev = s.tPrev!;
    let out: unknown;
    try {
      // Copies: the tables are shared by the whole run, and user code might write into its arguments.
      out = step({ tf, x: s.x as tf.Tensor4D, eps: s.eps as tf.Tensor4D, t, tPrev, alphasCumprod: tables.alphasCumprod.slice(), betas: tables.betas.slice(), eta, noise: s.noise(s.x.shape) as tf.Tensor4D });
    } catch (err) {
      throw userCodeError(err, loaded.file, `step() at t = ${t}`);
    }
    assertTensorLike(`step() in ${base(loaded)} at t = ${t} (tPrev = ${tPrev})`, out, s.x.shape);
    // A step that hands back its input (a no-op while debugging) would give the loop a tensor it frees.
    return out === s.x || out === s.eps ? tf.clone(out) : out;
  };
}

/** q(x_t | x_0) for a batch with one t per example: the user's addNoise (called per example) or the reference. */
export function forwardNoiser(tables: DiffusionTables, loaded?: LoadedImplementation): (x0: tf.Tensor4D, ts: number[], noise: tf.Tensor4D) => tf.Tensor4D {
  const addNoise = loaded?.impl.addNoise;
  if (!addNoise) return (x0, ts, noise) => qSample(tables, x0, ts, noise) as tf.Tensor4D;
  return (x0, ts, noise) =>
    tf.tidy(() => {
      const one = [1, ...x0.shape.slice(1)] as [number, number, number, number];
      const rows = ts.map((t, i) => {
        const begin = [i, 0, 0, 0];
        let out: unknown;
        try {
          out = addNoise({ tf, x0: tf.slice(x0, begin, one), noise: tf.slice(noise, begin, one), t, alphasCumprod: tables.alphasCumprod.slice(), betas: tables.betas.slice() });
        } catch (err) {
          throw userCodeError(err, loaded.file, `addNoise() at t = ${t}`);
        }
        assertTensorLike(`addNoise() in ${base(loaded)} at t = ${t}`, out, one);
        return out;
      });
      return tf.concat(rows, 0) as tf.Tensor4D;
    });
}

/**
 * Sampling with the user's step in place of the reference update when it exports one. DDPM is DDIM's
 * eta = 1 (Song et al.), so a user step asked for DDPM receives eta = 1.
 */
export function sampleWith(sampler: 'ddpm' | 'ddim', eta: number, denoiser: Denoiser, xT: tf.Tensor, options: SamplerOptions, loaded?: LoadedImplementation): Promise<tf.Tensor> {
  if (!loaded?.impl.step) return sampler === 'ddpm' ? sampleDdpm(denoiser, xT, options) : sampleDdim(denoiser, xT, { ...options, eta });
  assertInRange('eta', eta, 0, 1);
  const reference = sampler === 'ddpm' ? ddpmStep('posterior') : ddimStep(eta);
  return runSampler(denoiser, xT, options, samplerStep(reference, options.tables, sampler === 'ddpm' ? 1 : eta, loaded));
}
