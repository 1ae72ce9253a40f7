/**
 * A real sampling trajectory on disk for the player's screenshots and benchmark: guided DDIM driven by
 * the exact denoiser of a Gaussian mixture whose means are built-in shapes images (engine/oracle.ts), so
 * the frames are what a perfect model would produce, recorded by the runner's own FrameRecorder.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createShapes } from '../../engine/data/shapes';
import { diffusionTables } from '../../engine/diffusion';
import { mixtureOracle } from '../../engine/oracle';
import { Rng } from '../../engine/random';
import { FRAME_INDEX, FrameRecorder } from '../../engine/runner/frameRecord';
import { frameFromProbe } from '../../engine/runner/probeFrame';
import { sampleDdim } from '../../engine/samplers/ddim';
import { guidedDenoiser } from '../../engine/samplers/guidance';
import { makeBetas } from '../../engine/schedules';
import { inferenceTimesteps } from '../../engine/timesteps';

export interface RecordOptions {
  steps: number;
  images: number;
  size: number;
  guidance: number;
}

/** Writes the trajectory into `dir` unless a complete one of the same length is already there. */
export async function recordOracleTrajectory(dir: string, o: RecordOptions): Promise<void> {
  const index = `${dir}/${FRAME_INDEX}`;
  if (fs.existsSync(index) && fs.readFileSync(index, 'utf8').trim().split('\n').length === o.steps) return;
  fs.rmSync(dir, { recursive: true, force: true });
  await tf.setBackend('cpu');
  const tables = diffusionTables(makeBetas('linear', 1000));
  const shapes = createShapes({ imageSize: o.size, size: o.images, seed: 3 });
  const batch = shapes.get(Array.from({ length: o.images }, (_, i) => i));
  const per = o.size * o.size * 3;
  const means = Array.from({ length: o.images }, (_, i) => Array.from(batch.images.subarray(i * per, (i + 1) * per)));
  const oracle = mixtureOracle({ weights: means.map(() => 1), means, std: 0.05 }, tables);
  // Image i is conditioned on component i; the unconditional branch sees the whole mixture (-1).
  const cond = tf.tensor1d(Array.from({ length: o.images }, (_, i) => i), 'int32');
  const uncond = tf.tensor1d([-1], 'int32');
  const denoiser = guidedDenoiser((x, t, c) => oracle(x, t, c), { scale: o.guidance, cond, uncond });
  const rng = new Rng(11);
  const xT = rng.normal([o.images, o.size, o.size, 3]);
  const recorder = new FrameRecorder(dir, { alphasCumprod: tables.alphasCumprod });
  try {
    const out = await sampleDdim(denoiser, xT, {
      tables, timesteps: inferenceTimesteps('trailing', 1000, o.steps), rng, clipX0: 1,
      probe: async (e) => recorder.append(await frameFromProbe(e, o.steps)),
    });
    out.dispose();
  } finally {
    recorder.close();
    tf.dispose([xT, cond, uncond]);
  }
}
