/** q(x_t | x_0) for one image at several timesteps, the same noise at each, as frames and a PNG strip. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { withinVariance } from '../data/sigmaData';
import { diffusionTables } from '../diffusion';
import { qSample } from '../forward';
import { loadImage, saveGrid } from '../image';
import type { ForwardJob } from '../protocol/jobs';
import { Rng } from '../random';
import { makeBetas } from '../schedules';
import type { JobContext, JobOutcome } from './context';
import { FrameRecorder } from './frameRecord';
import { payload } from './probeFrame';
import { recorded } from './recorded';

export function forwardJob(job: ForwardJob, ctx: JobContext): Promise<JobOutcome> {
  return recorded(job.outDir, job, async () => {
    const tables = diffusionTables(makeBetas(job.schedule, job.T));
    const image = await loadImage(job.image, { size: job.size });
    const noise = new Rng(job.seed).normal(image.shape);
    const x0 = await payload(image);
    // The player's theoretical std for this one image: its own spread is exactly the x0 of q(x_t | x_0).
    const recorder = new FrameRecorder(job.outDir, { alphasCumprod: tables.alphasCumprod, sigmaData: Math.sqrt(withinVariance(x0.data)) });
    const strip: tf.Tensor[] = [];
    try {
      const eps = await payload(noise);
      for (const [i, t] of job.timesteps.entries()) {
        if (ctx.signal.aborted) return { kind: 'forward', status: 'cancelled', files: [], warnings: [] };
        const xt = qSample(tables, image, t, noise);
        strip.push(xt);
        const frame = { type: 'frame' as const, step: i, steps: job.timesteps.length, t, tPrev: job.timesteps[i + 1] ?? -1, x: await payload(xt), eps, x0 };
        recorder.append(frame);
        ctx.frame(frame);
      }
      const file = path.join(job.outDir, 'forward.png');
      const grid = tf.concat(strip, 0);
      await saveGrid(grid, file, { columns: strip.length, scale: job.size < 64 ? 2 : 1 });
      grid.dispose();
      ctx.log(`q(x_t | x_0), ${job.schedule} schedule: sqrt(alphaBar) = ${job.timesteps.map((t) => tables.sqrtAlphasCumprod[t].toFixed(3)).join(', ')} at t = ${job.timesteps.join(', ')}`);
      return { kind: 'forward', status: 'completed', files: [file], frames: recorder.count, warnings: [] };
    } finally {
      recorder.close();
      tf.dispose([image, noise, ...strip]);
    }
  });
}
