/**
 * The training loop: noise-prediction MSE at uniformly drawn t (Ho et al. Algorithm 1), classifier-free
 * conditioning dropout, micro-batches with gradient accumulation (the wasm heap stops at 4 GiB),
 * global-norm clipping, AdamW with warmup, EMA weights, loss per timestep bucket, previews and
 * atomic checkpoints. Running it again on the same folder resumes from the newest good checkpoint.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import { DlensError } from '../errors';
import { yieldToEventLoop } from '../eventLoop';
import { Rng } from '../random';
import type { DenoisingModel } from '../user/model';
import { forwardNoiser, scheduleTables } from '../user/resolve';
import { implementationForRun, implementationRecord, modelForRun } from '../user/runImplementation';
import type { LoadedImplementation } from '../user/types';
import { latestGoodCheckpoint, writeCheckpoint } from '../run/checkpoint';
import { appendLine } from '../run/files';
import { type RunManifest, writeManifest } from '../run/manifest';
import { AdamW, clipByGlobalNorm, learningRate } from './adamw';
import { trainingCondition } from './conditioning';
import { DataParallel, defaultWorkers } from './dataParallel';
import { Ema } from './ema';
import { splitFlat, toPlain } from './gradients';
import { previewFiles, previewSamples } from './preview';

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
  /** the preview grids of the EMA and of the raw weights */
  onPreview?: (step: number, file: string, rawFile: string) => void;
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

/**
 * `implementation`: the user's module; its betas, addNoise and createModel replace the reference ones
 * (its timesteps and step shape the previews). A run trained with one records it in the manifest.
 */
export async function train(runDir: string, manifest: RunManifest, dataset: Dataset, events: TrainEvents = {}, implementation?: LoadedImplementation): Promise<TrainResult> {
  const cfg = manifest.training;
  const log = events.onLog ?? (() => undefined);
  const logEvery = events.logEvery ?? 10;
  const { loaded, warnings } = manifest.step > 0 || manifest.implementation ? implementationForRun(manifest, implementation) : { loaded: implementation, warnings: [] };
  warnings.forEach((w) => log(w));
  const tables = scheduleTables(manifest.schedule, loaded);
  const noiser = forwardNoiser(tables, loaded);
  const model = modelForRun(manifest, new Rng(cfg.seed), loaded);
  const vars = model.variables;
  if (loaded?.impl.createModel) {
    manifest.parameters = vars.reduce((n, v) => n + v.size, 0);
    manifest.macsPerSample = 0; // unknown: the user's network is opaque to us
  }
  if (loaded && !manifest.implementation) manifest.implementation = implementationRecord(loaded);
  const optimizer = new AdamW(vars);
  const ema = new Ema(vars, cfg.emaDecay);
  const backend = tf.getBackend();
  // Worker threads rebuild the reference U-Net and the reference q_sample; a user's network or addNoise
  // exists only in this thread, so its gradients are computed here.
  const parallel = model.unet && !loaded?.impl.addNoise ? new DataParallel(model.unet, tables, events.workers ?? defaultWorkers(backend), backend) : undefined;
  log(`gradients on ${parallel?.count ?? 1} thread${(parallel?.count ?? 1) > 1 ? 's' : ''} (${backend})`);

  let step = 0;
  const { data: ckpt, skipped } = latestGoodCheckpoint(runDir);
  for (const s of skipped) log(`skipped a damaged checkpoint: ${s}`);
  if (ckpt) {
    model.load(ckpt.meta.index, ckpt.sections.weights!);
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
    const weights = await model.serialize();
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
      const batchNoise = rng.normal([cfg.batchSize, dataset.imageSize, dataset.imageSize, dataset.channels]);
      const perExample: number[] = [];
      let accumulated: tf.Tensor[];
      if (parallel) {
        const batch = dataset.get(indices);
        const cond = await trainingCondition(manifest, batch.labels, batch.captions, keep);
        const r = await parallel.gradients({
          images: batch.images, noise: batchNoise.dataSync() as Float32Array, ts, cond: cond && toPlain(cond), total: indices.length, microBatch: cfg.microBatch,
        });
        cond?.dispose();
        perExample.push(...r.perExample);
        accumulated = splitFlat(vars, r.grads);
      } else {
        let sum: tf.Tensor[] | undefined;
        for (let start = 0; start < indices.length; start += cfg.microBatch) {
          const end = Math.min(start + cfg.microBatch, indices.length);
          const micro = { indices: indices.slice(start, end), ts: ts.slice(start, end), keep: keep.slice(start, end), batchNoise, offset: start, total: indices.length };
          const batch = dataset.get(micro.indices);
          const cond = await trainingCondition(manifest, batch.labels, batch.captions, micro.keep);
          const { grads, perExample: losses } = microBatchGrads(model, noiser, dataset, micro, batch.images, cond);
          perExample.push(...losses);
          if (!sum) sum = grads;
          else {
            const added = sum.map((g, i) => tf.add(g, grads[i]));
            tf.dispose([...sum, ...grads]);
            sum = added;
          }
        }
        accumulated = sum!;
      }
      batchNoise.dispose();
      perExample.forEach((l, i) => {
        const b = Math.min(LOSS_BUCKETS - 1, Math.floor((ts[i] / tables.T) * LOSS_BUCKETS));
        bucketSum[b] += l;
        bucketCount[b]++;
        lossSum += l;
        lossCount++;
      });
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
        const { ema: file, raw: rawFile } = previewFiles(runDir, step);
        // Both from the same noise: early on the EMA lags the raw weights, later it is the cleaner one.
        await withWeights(vars, ema.shadow, () => previewSamples(model, manifest, tables, file, loaded));
        await previewSamples(model, manifest, tables, rawFile, loaded);
        events.onPreview?.(step, file, rawFile);
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
    await parallel?.dispose();
    optimizer.dispose();
    ema.dispose();
    model.dispose();
  }
}

interface MicroBatch {
  indices: number[];
  ts: number[];
  keep: boolean[];
  /** the whole batch's noise; this micro-batch takes rows offset..offset+n */
  batchNoise: tf.Tensor;
  offset: number;
  total: number;
}

type Noiser = (x0: tf.Tensor4D, ts: number[], noise: tf.Tensor4D) => tf.Tensor4D;

/** Gradients of (n / batch) x the mean noise-prediction MSE over one micro-batch, plus per-example losses. */
function microBatchGrads(model: DenoisingModel, noiser: Noiser, dataset: Dataset, mb: MicroBatch, images: Float32Array, cond: tf.Tensor | undefined) {
  const vars = model.variables;
  const n = mb.indices.length;
  const shape: [number, number, number, number] = [n, dataset.imageSize, dataset.imageSize, dataset.channels];
  const x0 = tf.tensor4d(images, shape);
  const noise = tf.slice(mb.batchNoise, [mb.offset, 0, 0, 0], shape) as tf.Tensor4D;
  const tTensor = tf.tensor1d(mb.ts, 'int32');
  // x_t depends on data only, so it is made outside the tape (a user's addNoise is checked here, once).
  const xt = noiser(x0, mb.ts, noise);
  let perExampleT: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const eps = model.predict(xt, tTensor, cond);
    const perExample = tf.mean(tf.square(tf.sub(eps, noise)), [1, 2, 3]);
    perExampleT = tf.keep(perExample);
    return tf.mul(tf.mean(perExample), n / mb.total) as tf.Scalar;
  }, vars);
  const perExample = Array.from(perExampleT!.dataSync());
  tf.dispose([value, x0, xt, noise, tTensor, perExampleT!, ...(cond ? [cond] : [])]);
  return { grads: vars.map((v) => grads[v.name]), perExample };
}

/** Runs fn with `source`'s values in `vars` (the EMA weights for previews), then puts the originals back. */
async function withWeights(vars: tf.Variable[], source: tf.Variable[], fn: () => Promise<void>): Promise<void> {
  const saved = vars.map((v) => v.clone());
  vars.forEach((v, i) => v.assign(source[i]));
  try {
    await fn();
  } finally {
    vars.forEach((v, i) => v.assign(saved[i]));
    tf.dispose(saved);
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
