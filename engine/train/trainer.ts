/**
 * The training loop: noise-prediction MSE at uniformly drawn t (Ho et al. Algorithm 1), classifier-free
 * conditioning dropout, micro-batches with gradient accumulation (the wasm heap stops at 4 GiB),
 * global-norm clipping, AdamW with warmup, EMA weights, loss per timestep bucket, previews and
 * atomic checkpoints. Running it again on the same folder resumes from the newest good checkpoint.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import { diffusionTables } from '../diffusion';
import { DlensError } from '../errors';
import { yieldToEventLoop } from '../eventLoop';
import { Rng } from '../random';
import { makeBetas } from '../schedules';
import { UNet } from '../nn/unet';
import { latestGoodCheckpoint, writeCheckpoint } from '../run/checkpoint';
import { appendLine } from '../run/files';
import { type RunManifest, writeManifest } from '../run/manifest';
import { AdamW, clipByGlobalNorm, learningRate } from './adamw';
import { trainingCondition } from './conditioning';
import { DataParallel, defaultWorkers } from './dataParallel';
import { Ema } from './ema';
import { splitFlat, toPlain } from './gradients';
import { previewSamples } from './preview';

export const LOSS_BUCKETS = 10;

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  stepsPerSecond: number;
  /** mean MSE per timestep bucket over the last log interval (NaN where no t fell in a bucket) */
  lossByBucket: number[];
}

export interface TrainEvents {
  onLog?: (message: string) => void;
  onProgress?: (p: TrainProgress) => void;
  onPreview?: (step: number, file: string) => void;
  signal?: AbortSignal;
  /** how often (steps) metrics are written and reported */
  logEvery?: number;
  /** data-parallel gradient threads, this one included (default: defaultWorkers(backend)) */
  workers?: number;
}

export interface TrainResult {
  status: 'completed' | 'cancelled';
  step: number;
  resumedFrom?: number;
}

export async function train(runDir: string, manifest: RunManifest, dataset: Dataset, events: TrainEvents = {}): Promise<TrainResult> {
  const cfg = manifest.training;
  const log = events.onLog ?? (() => undefined);
  const logEvery = events.logEvery ?? 10;
  const tables = diffusionTables(makeBetas(manifest.schedule.name, manifest.schedule.T));
  const model = new UNet(manifest.model, new Rng(cfg.seed));
  const vars = model.params.list();
  const optimizer = new AdamW(vars);
  const ema = new Ema(vars, cfg.emaDecay);
  const emaModel = new UNet(manifest.model, new Rng(cfg.seed));
  const backend = tf.getBackend();
  const parallel = new DataParallel(model, tables, events.workers ?? defaultWorkers(backend), backend);
  log(`gradients on ${parallel.count} thread${parallel.count > 1 ? 's' : ''} (${backend})`);

  let step = 0;
  const { data: ckpt, skipped } = latestGoodCheckpoint(runDir);
  for (const s of skipped) log(`skipped a damaged checkpoint: ${s}`);
  if (ckpt) {
    model.params.load(ckpt.meta.index, ckpt.sections.weights!);
    loadInto(ema.shadow, ckpt.meta.index, ckpt.sections.ema!);
    loadInto(optimizer.m, ckpt.meta.index, ckpt.sections.adamM!);
    loadInto(optimizer.v, ckpt.meta.index, ckpt.sections.adamV!);
    optimizer.step = ckpt.meta.adamStep;
    step = ckpt.meta.step;
    log(`resuming from the checkpoint at step ${step} of ${cfg.steps}`);
  }
  const resumedFrom = ckpt ? step : undefined;
  manifest.status = 'running';
  manifest.step = step;
  writeManifest(runDir, manifest);

  const metricsFile = path.join(runDir, 'metrics.jsonl');
  const bucketSum = new Float64Array(LOSS_BUCKETS);
  const bucketCount = new Float64Array(LOSS_BUCKETS);
  let lossSum = 0;
  let lossCount = 0;
  let lastNorm = 0;
  let clock = Date.now();
  let clockStep = step;

  const saveCheckpoint = async () => {
    const weights = await model.params.serialize();
    const read = async (vs: tf.Variable[]) => concatValues(await Promise.all(vs.map((v) => v.data() as Promise<Float32Array>)));
    const file = writeCheckpoint(runDir, step, optimizer.step, weights.index, { weights: weights.data, ema: await read(ema.shadow), adamM: await read(optimizer.m), adamV: await read(optimizer.v) });
    manifest.checkpoint = { step, file };
    manifest.step = step;
    writeManifest(runDir, manifest);
  };

  try {
    while (step < cfg.steps) {
      await yieldToEventLoop();
      if (events.signal?.aborted) break;
      const rng = new Rng(cfg.seed * 1_000_003 + step); // per-step randomness: a resumed run replays the same batches
      const lr = learningRate(step, cfg.learningRate, cfg.warmupSteps);
      // The whole batch's randomness is drawn first, so splitting it into shards and micro-batches changes nothing but float summation order.
      const indices = Array.from({ length: cfg.batchSize }, () => rng.int(dataset.size));
      const ts = indices.map(() => rng.int(tables.T));
      const keep = indices.map(() => rng.uniform() >= cfg.condDropout);
      const noiseT = rng.normal([cfg.batchSize, dataset.imageSize, dataset.imageSize, dataset.channels]);
      const batchNoise = noiseT.dataSync() as Float32Array;
      noiseT.dispose();
      const batch = dataset.get(indices);
      const cond = await trainingCondition(manifest, batch.labels, batch.captions, keep);
      const { grads: flat, perExample } = await parallel.gradients({
        images: batch.images, noise: batchNoise, ts, cond: cond && toPlain(cond), total: indices.length, microBatch: cfg.microBatch,
      });
      cond?.dispose();
      perExample.forEach((l, i) => {
        const b = Math.min(LOSS_BUCKETS - 1, Math.floor((ts[i] / tables.T) * LOSS_BUCKETS));
        bucketSum[b] += l;
        bucketCount[b]++;
        lossSum += l;
        lossCount++;
      });
      const accumulated = splitFlat(vars, flat);
      const { clipped, norm } = clipByGlobalNorm(accumulated, cfg.gradClip);
      lastNorm = norm;
      if (!Number.isFinite(norm)) {
        throw new DlensError('non-finite-gradient', `The gradient norm became ${norm} at step ${step}.`, 'lower --lr, or check the data for NaN values; the last checkpoint is intact.');
      }
      optimizer.apply(clipped, lr);
      ema.update(step);
      tf.dispose([...new Set([...accumulated, ...clipped])]);
      step++;

      if (step % logEvery === 0 || step === cfg.steps) {
        const now = Date.now();
        const progress: TrainProgress = {
          step, steps: cfg.steps, loss: lossSum / lossCount, lr, gradNorm: lastNorm,
          stepsPerSecond: ((step - clockStep) * 1000) / Math.max(1, now - clock),
          lossByBucket: Array.from(bucketSum, (s, i) => (bucketCount[i] ? s / bucketCount[i] : NaN)),
        };
        appendLine(metricsFile, { ...progress, lossByBucket: progress.lossByBucket.map((v) => (Number.isNaN(v) ? null : v)), time: new Date(now).toISOString() });
        events.onProgress?.(progress);
        bucketSum.fill(0);
        bucketCount.fill(0);
        lossSum = lossCount = 0;
        clock = now;
        clockStep = step;
      }
      if (cfg.previewEvery > 0 && step % cfg.previewEvery === 0) {
        emaModel.params.list().forEach((v, i) => v.assign(ema.shadow[i]));
        const file = path.join(runDir, 'previews', `step-${String(step).padStart(7, '0')}.png`);
        await previewSamples(emaModel, manifest, tables, file);
        events.onPreview?.(step, file);
      }
      if (step % cfg.checkpointEvery === 0 || step === cfg.steps) await saveCheckpoint();
    }
    const cancelled = step < cfg.steps;
    if (cancelled && manifest.checkpoint?.step !== step) await saveCheckpoint();
    manifest.status = cancelled ? 'cancelled' : 'completed';
    writeManifest(runDir, manifest);
    return { status: cancelled ? 'cancelled' : 'completed', step, resumedFrom };
  } catch (err) {
    manifest.status = 'failed';
    manifest.error = (err as Error).message;
    writeManifest(runDir, manifest);
    throw err;
  } finally {
    await parallel.dispose();
    optimizer.dispose();
    ema.dispose();
    tf.dispose([...vars, ...emaModel.params.list()]);
  }
}

function loadInto(vars: tf.Variable[], index: { shape: number[]; offset: number }[], data: Float32Array): void {
  vars.forEach((v, i) => v.assign(tf.tensor(data.subarray(index[i].offset, index[i].offset + v.size), index[i].shape)));
}

function concatValues(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
