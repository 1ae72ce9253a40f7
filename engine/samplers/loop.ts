/**
 * The loop every sampler shares: ask the denoiser, read its output as eps and x_0, take one step,
 * blend in the known region when inpainting, show the probe, free what the step made.
 */
import * as tf from '@tensorflow/tfjs';
import { DlensError, assertInRange } from '../errors';
import { yieldToEventLoop } from '../eventLoop';
import { assertSameShape, epsAndX0, epsFromX0, qSample } from '../forward';
import { previousTimestep, validateTimesteps } from '../timesteps';
import type { Denoiser, GuidedOutput, SamplerOptions, StepFn } from './types';

export async function runSampler(denoiser: Denoiser, xT: tf.Tensor, options: SamplerOptions, step: StepFn): Promise<tf.Tensor> {
  const { tables, rng, probe, signal, cond, inpaint } = options;
  const prediction = options.prediction ?? 'epsilon';
  let timesteps = validateTimesteps(options.timesteps, tables.T);
  if (inpaint) validateInpaint(inpaint, xT);

  let x: tf.Tensor;
  if (options.init) {
    const { image, strength } = options.init;
    assertInRange('strength', strength, 0, 1);
    assertSameShape('init image', image, xT);
    // diffusers' img2img: keep the last round-down(N * strength) steps of the list.
    const kept = Math.min(Math.floor(timesteps.length * strength), timesteps.length);
    timesteps = timesteps.slice(timesteps.length - kept);
    if (timesteps.length === 0) return tf.clone(image);
    x = qSample(tables, image, timesteps[0], xT);
  } else {
    x = tf.clone(xT);
  }
  if (inpaint) {
    const blended = tf.tidy(() => blendKnown(x, inpaint, qSample(tables, inpaint.image, timesteps[0], rng.normal(x.shape))));
    x.dispose();
    x = blended;
  }

  const noise = (shape: number[]) => rng.normal(shape);
  for (let i = 0; i < timesteps.length; i++) {
    if (signal) await yieldToEventLoop();
    if (signal?.aborted) {
      x.dispose();
      throw new DlensError('cancelled', `Sampling was cancelled at step ${i} of ${timesteps.length}.`, 'start the run again to continue.');
    }
    const t = timesteps[i];
    const tPrev = previousTimestep(timesteps, i);
    const alphaBar = tables.alphasCumprod[t];
    const alphaBarPrev = tPrev >= 0 ? tables.alphasCumprod[tPrev] : 1;
    const current = x;
    // A data-parallel denoiser answers asynchronously; a synchronous one still runs inside a tidy.
    // (A promise inside the returned object passes through tidy untouched: tidy walks it for tensors and finds none.)
    const asked = tidyOrDispose(current, () => {
      const r = denoiser(current, t, cond);
      return (r instanceof Promise ? { pending: r } : { ready: r }) as unknown as tf.TensorContainer;
    }) as unknown as { pending?: Promise<tf.Tensor | GuidedOutput>; ready?: tf.Tensor | GuidedOutput };
    let raw: tf.Tensor | GuidedOutput;
    try {
      raw = asked.ready ?? (await asked.pending!);
    } catch (err) {
      current.dispose();
      throw err;
    }
    const rawTensors = () => (isGuided(raw) ? [raw.eps, raw.epsCond, raw.epsUncond] : [raw]);
    const out = tidyOrDispose([current, ...rawTensors()], () => {
      const guided = isGuided(raw) ? raw : undefined;
      const output = guided ? guided.eps : (raw as tf.Tensor);
      assertDenoiserShape(output, current, t);
      let { eps, x0 } = epsAndX0(output, current, alphaBar, prediction);
      if (options.clipX0 !== undefined) {
        x0 = tf.clipByValue(x0, -options.clipX0, options.clipX0);
        // Recompute eps from the clipped x_0 so the step stays on the same line (improved-diffusion).
        if (alphaBar < 1) eps = epsFromX0(current, x0, alphaBar);
      }
      let next = step({ x: current, t, tPrev, eps, x0, alphaBar, alphaBarPrev, isLast: tPrev < 0, noise });
      if (inpaint) {
        const known = tPrev >= 0 ? qSample(tables, inpaint.image, tPrev, rng.normal(current.shape)) : inpaint.image;
        next = blendKnown(next, inpaint, known);
      }
      return { next, eps, x0, epsCond: guided?.epsCond, epsUncond: guided?.epsUncond };
    });
    // The denoiser's own tensors were made outside this step's tidy: free those the step did not pass on.
    const kept = new Set<tf.Tensor>([out.next, out.eps, out.x0, out.epsCond, out.epsUncond].filter((v): v is tf.Tensor => v !== undefined));
    tf.dispose(rawTensors().filter((v) => !kept.has(v)));
    try {
      if (probe) {
        await probe({ step: i, t, tPrev, x: current, eps: out.eps, x0: out.x0, epsCond: out.epsCond, epsUncond: out.epsUncond, next: out.next });
      }
    } catch (err) {
      out.next.dispose();
      throw err;
    } finally {
      tf.dispose([current, out.eps, out.x0, out.epsCond, out.epsUncond].filter((v): v is tf.Tensor => v !== undefined));
    }
    x = out.next;
  }
  return x;
}

/** A throwing denoiser must not leak the x_t the loop owns (nor, in the second stage, the denoiser's output). */
function tidyOrDispose<T extends tf.TensorContainer>(owned: tf.Tensor | tf.Tensor[], fn: () => T): T {
  try {
    return tf.tidy(fn);
  } catch (err) {
    tf.dispose(owned);
    throw err;
  }
}

function isGuided(v: tf.Tensor | GuidedOutput): v is GuidedOutput {
  return (v as GuidedOutput).epsCond !== undefined && (v as GuidedOutput).eps !== undefined;
}

function assertDenoiserShape(output: tf.Tensor, x: tf.Tensor, t: number): void {
  if (!output || typeof (output as tf.Tensor).shape !== 'object') {
    throw new DlensError('denoiser-output', `The denoiser returned ${String(output)} at t = ${t}, not a tensor.`, 'return a tf.Tensor of the same shape as x_t.');
  }
  if (output.shape.length !== x.shape.length || output.shape.some((n, i) => n !== x.shape[i])) {
    throw new DlensError('denoiser-shape', `The denoiser returned shape [${output.shape}] at t = ${t}; expected [${x.shape}] (the shape of x_t).`, 'make the model output one prediction per input value (same batch, height, width, channels).');
  }
  if (output.dtype !== 'float32') {
    throw new DlensError('denoiser-dtype', `The denoiser returned dtype ${output.dtype} at t = ${t}; expected float32.`, 'cast the model output to float32.');
  }
}

function validateInpaint(inpaint: { image: tf.Tensor; mask: tf.Tensor }, x: tf.Tensor): void {
  assertSameShape('inpaint image', inpaint.image, x);
  const m = inpaint.mask.shape;
  const ok = m.length === x.shape.length && m.every((n, i) => n === x.shape[i] || (n === 1 && (i === 0 || i === m.length - 1)));
  if (!ok) {
    throw new DlensError('mask-shape', `Inpainting mask has shape [${m}]; the images are [${x.shape}].`, `give a mask of shape [${x.shape}], or with 1 for the batch or channel axis (e.g. [1, ${x.shape.slice(1, -1).join(', ')}, 1]); 1 = generate, 0 = keep.`);
  }
}

/** mask * generated + (1 - mask) * known */
function blendKnown(generated: tf.Tensor, inpaint: { mask: tf.Tensor }, known: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(inpaint.mask, generated), tf.mul(tf.sub(1, inpaint.mask), known));
}
