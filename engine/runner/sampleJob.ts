/** Sample a trained run with every step recorded to disk and streamed as a frame. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { saveGrid } from '../image';
import type { SampleJob } from '../protocol/jobs';
import { defaultWorkers } from '../train/dataParallel';
import { loadRun } from '../train/load';
import { sampleFromRun } from '../train/sample';
import type { JobContext, JobOutcome } from './context';
import { jobImplementation } from './implementation';
import { FrameRecorder } from './frameRecord';
import { recorded } from './recorded';
import { frameFromProbe } from './probeFrame';

export function sampleJob(job: SampleJob, ctx: JobContext): Promise<JobOutcome> {
  return recorded(job.outDir, job, async () => {
    const run = loadRun(job.runDir, job.weights, await jobImplementation(job.impl, ctx));
    const recorder = new FrameRecorder(job.outDir, { alphasCumprod: run.tables.alphasCumprod, sigmaData: run.manifest.dataset.sigmaData });
    try {
      ctx.log(`sampling ${path.basename(job.runDir)} at step ${run.step}: ${job.sampler.toUpperCase()} ${job.steps} steps, ${job.n} images, seed ${job.seed}`);
      const { images, warnings } = await sampleFromRun(run, {
        ...job, classIndex: job.classIndex, signal: ctx.signal, workers: defaultWorkers(tf.getBackend()),
        probe: async (e) => {
          const frame = await frameFromProbe(e, job.steps);
          recorder.append(frame);
          ctx.frame(frame);
        },
      });
      const file = path.join(job.outDir, 'samples.png');
      await saveGrid(images, file, { scale: run.manifest.dataset.imageSize < 32 ? 2 : 1 });
      images.dispose();
      return { kind: 'sample', status: 'completed', files: [file], frames: recorder.count, warnings };
    } catch (err) {
      if (err instanceof DlensError && err.code === 'cancelled') return { kind: 'sample', status: 'cancelled', files: [], frames: recorder.count, warnings: [] };
      throw err;
    } finally {
      recorder.close();
      run.dispose();
    }
  });
}
