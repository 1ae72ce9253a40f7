/**
 * The study's generator: a text-conditioned U-Net trained on the small real set (all a researcher with
 * a rare finding has), then sampled once per requested caption with classifier-free guidance.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import { DlensError } from '../errors';
import type { PresetName } from '../nn/presets';
import { Rng } from '../random';
import { readManifest, manifestPath } from '../run/manifest';
import { sampleDdim } from '../samplers/ddim';
import { guidedDenoiser } from '../samplers/guidance';
import { inferenceTimesteps } from '../timesteps';
import { tokenizerOf } from '../train/conditioning';
import { type LoadedRun, loadRun } from '../train/load';
import { newRunManifest } from '../train/newRun';
import { train } from '../train/trainer';
import * as fs from 'node:fs';

export interface GeneratorConfig {
  preset: PresetName;
  steps: number;
  batchSize: number;
  microBatch: number;
  learningRate: number;
  seed: number;
}

/** Trains (or resumes, or reuses when complete) the generator run in `runDir`. */
export async function trainGenerator(runDir: string, real: Dataset, spec: string, g: GeneratorConfig, log: (m: string) => void, signal?: AbortSignal): Promise<LoadedRun> {
  const existing = fs.existsSync(manifestPath(runDir)) ? readManifest(runDir) : undefined;
  if (existing && (existing.training.steps !== g.steps || existing.dataset.size !== real.size || existing.preset !== g.preset)) {
    throw new DlensError('study-mismatch', `${runDir} holds a generator of another study (${existing.preset}, ${existing.training.steps} steps on ${existing.dataset.size} images).`, 'give the study a fresh --out folder, or delete that one.');
  }
  const manifest =
    existing ??
    newRunManifest(runDir, real, {
      datasetSpec: spec,
      preset: g.preset,
      cond: 'text',
      schedule: 'cosine',
      T: 1000,
      training: { steps: g.steps, batchSize: g.batchSize, microBatch: g.microBatch, learningRate: g.learningRate, warmupSteps: Math.min(100, Math.floor(g.steps / 10)), gradClip: 1, emaDecay: emaFor(g.steps), condDropout: 0.1, seed: g.seed, checkpointEvery: Math.max(25, Math.floor(g.steps / 10)), previewEvery: 0 },
    });
  if (!existing || existing.step < g.steps) {
    let last = 0;
    const result = await train(runDir, manifest, real, {
      signal,
      logEvery: 10,
      onLog: log,
      onProgress: (p) => {
        if (p.step - last >= Math.max(10, Math.floor(g.steps / 20)) || p.step === p.steps) {
          last = p.step;
          log(`generator step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} (${p.stepsPerSecond.toFixed(2)} it/s)`);
        }
      },
    });
    if (result.status !== 'completed') throw new DlensError('cancelled', 'The study was cancelled while training its generator.', `run it again with the same --out to resume from step ${result.step}.`);
  }
  return loadRun(runDir);
}

/** EMA weights lag about 1/(1 - decay) steps: a short run needs a short memory or its EMA is still the init. */
function emaFor(steps: number): number {
  return Math.min(0.995, 1 - 10 / steps);
}

export interface SampleCaptionsOptions {
  samplerSteps: number;
  guidance: number;
  seed: number;
  /** images per sampler call: bounds memory (default 32) */
  chunk?: number;
  signal?: AbortSignal;
  /** inpainting: one known image per caption ([n, S, S, C] flat) and one mask for all (S x S, 1 = generate) */
  inpaint?: { images: Float32Array; mask: Float32Array };
}

/** One DDIM sample per caption, [n, S, S, C] in [-1, 1], read back as a flat array. */
export async function sampleCaptions(run: LoadedRun, captions: readonly string[], o: SampleCaptionsOptions): Promise<Float32Array> {
  const { manifest: m, model, tables } = run;
  const tok = tokenizerOf(m);
  if (!tok) throw new DlensError('not-text-model', `Run ${m.id} is not text-conditioned.`, 'train the generator with --cond text.');
  const { imageSize: S, channels: C } = m.dataset;
  const out = new Float32Array(captions.length * S * S * C);
  const chunk = o.chunk ?? 32;
  const rng = new Rng(o.seed);
  for (let start = 0; start < captions.length; start += chunk) {
    if (o.signal?.aborted) throw new DlensError('cancelled', 'The study was cancelled while sampling.', 'run it again with the same --out; the trained generator is reused.');
    const part = captions.slice(start, start + chunk);
    const cond = tf.tensor2d(part.flatMap((c) => tok.encode(c).ids), [part.length, tok.maxLength], 'int32');
    const uncond = tf.zerosLike(cond);
    const xT = rng.normal([part.length, S, S, C]);
    const denoiser = guidedDenoiser((x, t, c) => model.predict(x, t, c), { scale: o.guidance, cond, uncond });
    const per = S * S * C;
    const inpaint = o.inpaint && { image: tf.tensor4d(o.inpaint.images.subarray(start * per, (start + part.length) * per), [part.length, S, S, C]), mask: tf.tensor4d(o.inpaint.mask, [1, S, S, 1]) };
    const images = await sampleDdim(denoiser, xT, { tables, timesteps: inferenceTimesteps('trailing', tables.T, o.samplerSteps), rng, clipX0: 1, inpaint });
    out.set((await images.data()) as Float32Array, start * per);
    tf.dispose([cond, uncond, xT, images, ...(inpaint ? [inpaint.image, inpaint.mask] : [])]);
  }
  return out;
}

export const generatorDir = (out: string) => path.join(out, 'generator');
