/** Train a new run, or resume one, streaming progress; the trainer itself keeps the record on disk. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDataset } from '../data';
import { DlensError } from '../errors';
import type { TrainJob } from '../protocol/jobs';
import { manifestPath, readManifest } from '../run/manifest';
import { clipEncoder } from '../train/clipConditioning';
import { newRunManifest } from '../train/newRun';
import { train } from '../train/trainer';
import type { JobContext, JobOutcome } from './context';
import { jobImplementation } from './implementation';

export async function trainJob(job: TrainJob, ctx: JobContext): Promise<JobOutcome> {
  const exists = fs.existsSync(manifestPath(job.runDir));
  if (job.resume && !exists) {
    throw new DlensError('run-not-found', `Cannot resume ${job.runDir}: it has no manifest.json.`, 'pick a run from the Runs view, or start a new one with Diffusion: Train Model….');
  }
  if (!job.resume && exists) {
    throw new DlensError('run-exists', `${job.runDir} already holds a run.`, 'use Diffusion: Resume Training to continue it, or train into a new folder.');
  }
  const existing = job.resume ? readManifest(job.runDir) : undefined;
  if (existing && existing.step >= job.steps) {
    throw new DlensError('run-complete', `Run ${path.basename(job.runDir)} is already at step ${existing.step}, so a total of ${job.steps} steps leaves nothing to train.`, `resume with a total above ${existing.step} steps.`);
  }
  const dataset = await openDataset(existing?.dataset.spec ?? job.dataset, {
    imageSize: existing?.dataset.imageSize ?? job.imageSize,
    seed: existing?.training.seed ?? job.seed,
  });
  const implementation = await jobImplementation(job.impl, ctx);
  const clip = !existing && job.cond === 'clip' && job.clipDir ? await clipEncoder(job.clipDir) : undefined;
  const manifest = existing ?? newRunManifest(job.runDir, dataset, {
    datasetSpec: job.dataset, preset: job.preset, cond: job.cond, schedule: job.schedule, T: job.T,
    clip: clip ? { dir: clip.dir, inputDim: clip.dim, maxLength: clip.maxLength } : undefined,
    training: {
      steps: job.steps, batchSize: job.batchSize, microBatch: job.microBatch, learningRate: job.learningRate, warmupSteps: Math.min(100, Math.floor(job.steps / 10)),
      gradClip: 1, emaDecay: job.steps < 1000 ? 0.99 : 0.995, condDropout: job.cond === 'none' ? 0 : 0.1, seed: job.seed,
      checkpointEvery: job.checkpointEvery, previewEvery: job.previewEvery,
    },
  });
  if (existing && job.steps !== existing.training.steps) {
    ctx.log(`changing the run's length from ${existing.training.steps} to ${job.steps} steps`);
    manifest.training.steps = job.steps;
  }
  fs.mkdirSync(job.runDir, { recursive: true });
  const net = implementation?.impl.createModel || existing?.implementation?.provided.includes('createModel') ? 'your model (createModel)' : `${manifest.preset} U-Net, ${(manifest.parameters / 1e6).toFixed(2)}M parameters`;
  ctx.log(`${existing ? 'resuming' : 'new run'} ${job.runDir}: ${net}, ${dataset.name} ${dataset.imageSize}px x${dataset.size}, cond ${manifest.model.cond}`);
  const result = await train(job.runDir, manifest, dataset, {
    signal: ctx.signal,
    logEvery: job.logEvery,
    workers: job.workers,
    onLog: (message) => ctx.log(message),
    onProgress: (p) => ctx.progress({ ...p, lossByBucket: Float32Array.from(p.lossByBucket) }),
    onPreview: (step, file, rawFile) => ctx.preview(step, path.resolve(file), path.resolve(rawFile)),
  }, implementation);
  return { kind: 'train', status: result.status, step: result.step, resumedFrom: result.resumedFrom, files: [manifestPath(job.runDir)], warnings: [] };
}
