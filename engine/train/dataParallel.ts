/**
 * Data-parallel gradients: the batch is cut into `workers` contiguous shards; shard 0 runs on this
 * thread, the others on worker threads, each with its own TensorFlow.js instance and its own copy of the
 * model. The wasm backend runs one thread, and two of them side by side each keep full speed, so on a
 * multi-core CPU this is where most of a training step's speed comes from. Before every step the
 * workers receive the current weights; after it, the shard gradients are added in shard order, so a
 * fixed seed and worker count give the same result every time (a different worker count changes only
 * the float summation order).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { DiffusionTables } from '../diffusion';
import { DlensError } from '../errors';
import type { UNet, UNetConfig } from '../nn/unet';
import { type PlainTensor, type Shard, type ShardResult, shardGradients, toPlain } from './gradients';

export interface WorkerSetup {
  backend: string;
  model: UNetConfig;
  tables: DiffusionTables;
}

/** One worker per core on CPU backends (wasm runs one thread each); GPU and tfjs-node backends use their own threads. */
export function defaultWorkers(backend: string): number {
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

export class DataParallel {
  private readonly workers: Worker[] = [];
  private readonly ready: Promise<void>[] = [];

  constructor(private readonly model: UNet, private readonly tables: DiffusionTables, count: number, backend: string) {
    if (!Number.isInteger(count) || count < 1) {
      throw new DlensError('bad-workers', `Worker count must be a whole number of at least 1, got ${count}.`, 'pass --workers 1 (no workers) or more, up to the number of cores.');
    }
    const setup: WorkerSetup = { backend, model: model.config, tables };
    for (let i = 1; i < count; i++) {
      const w = startWorker(setup);
      const ready = new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      ready.catch(() => undefined); // reported when the first step awaits it
      this.ready.push(ready);
      this.workers.push(w);
    }
  }

  get count(): number {
    return this.workers.length + 1;
  }

  /** Gradients of the whole batch's loss, summed over the shards in order, plus per-example losses in batch order. */
  async gradients(batch: Shard): Promise<ShardResult> {
    await Promise.all(this.ready);
    const shards = splitShard(batch, this.count);
    let pending: Promise<ShardResult[]> = Promise.resolve([]);
    if (this.workers.length > 0) {
      const weights = await readWeights(this.model);
      pending = Promise.all(this.workers.map((w, i) => ask<ShardResult>(w, { op: 'gradients', weights, shard: shards[i + 1] })));
    }
    // Shard 0 here, while the workers compute theirs.
    const results = [shardGradients(this.model, this.tables, shards[0]), ...(await pending)];
    const grads = results[0].grads;
    for (const r of results.slice(1)) for (let j = 0; j < grads.length; j++) grads[j] += r.grads[j];
    return { grads, perExample: results.flatMap((r) => r.perExample) };
  }

  /** Gives the workers this thread's current weights, for predict() (gradients() always sends them). */
  async syncWeights(): Promise<void> {
    await Promise.all(this.ready);
    if (this.workers.length === 0) return;
    const weights = await readWeights(this.model);
    await Promise.all(this.workers.map((w) => ask(w, { op: 'weights', weights })));
  }

  /**
   * model.predict with the batch cut into contiguous shards, one per thread; the same numbers as one
   * call, since every layer treats the images of a batch independently. Call syncWeights() first.
   */
  async predict(x: tf.Tensor, t: number | tf.Tensor1D, cond?: tf.Tensor): Promise<tf.Tensor4D> {
    const B = x.shape[0];
    const parts = Math.min(this.count, B);
    if (parts === 1) return this.model.predict(x, t, cond);
    const rows = (start: number, end: number) => ({ start, end });
    const cuts = Array.from({ length: parts }, (_, i) => rows(Math.floor((i * B) / parts), Math.floor(((i + 1) * B) / parts)));
    const xs = toPlain(x);
    const ts = typeof t === 'number' ? t : Array.from(t.dataSync());
    const cs = cond ? toPlain(cond) : undefined;
    const request = (c: { start: number; end: number }) => ({
      x: sliceRows(xs, c.start, c.end), t: typeof ts === 'number' ? ts : ts.slice(c.start, c.end), cond: cs && sliceRows(cs, c.start, c.end),
    });
    const pending = Promise.all(cuts.slice(1).map((c, i) => ask<Float32Array>(this.workers[i], { op: 'predict', ...request(c) })));
    const first = predictPlain(this.model, request(cuts[0]));
    const out = new Float32Array(x.size);
    out.set(first, 0);
    let offset = first.length;
    for (const part of await pending) {
      out.set(part, offset);
      offset += part.length;
    }
    return tf.tensor4d(out, x.shape as [number, number, number, number]);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Contiguous, as equal as possible; a shard never gets zero examples (fewer shards are used instead). */
export function splitShard(batch: Shard, parts: number): Shard[] {
  const n = batch.ts.length;
  const k = Math.min(parts, n);
  const pixels = batch.images.length / n;
  const out: Shard[] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const end = start + Math.floor(n / k) + (i < n % k ? 1 : 0);
    const row = batch.cond ? batch.cond.values.length / n : 0;
    out.push({
      images: batch.images.slice(start * pixels, end * pixels),
      noise: batch.noise.slice(start * pixels, end * pixels),
      ts: batch.ts.slice(start, end),
      cond: batch.cond && { ...batch.cond, values: batch.cond.values.slice(start * row, end * row), shape: [end - start, ...batch.cond.shape.slice(1)] },
      total: batch.total,
      microBatch: batch.microBatch,
    });
    start = end;
  }
  // Fewer examples than workers: the idle workers get an empty shard that contributes nothing.
  while (out.length < parts) out.push({ ...out[0], images: new Float32Array(0), noise: new Float32Array(0), ts: [], cond: undefined });
  return out;
}

export interface PredictRequest {
  x: PlainTensor;
  t: number | number[];
  cond?: PlainTensor;
}

/** One shard of a data-parallel predict, on whichever thread holds `model`. */
export function predictPlain(model: UNet, r: PredictRequest): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(r.x.values, r.x.shape, r.x.dtype);
    const t = typeof r.t === 'number' ? r.t : tf.tensor1d(r.t, 'int32');
    const cond = r.cond && tf.tensor(r.cond.values, r.cond.shape, r.cond.dtype);
    return model.predict(x, t, cond).dataSync() as Float32Array;
  });
}

function sliceRows(p: PlainTensor, start: number, end: number): PlainTensor {
  const row = p.values.length / p.shape[0];
  return { values: p.values.slice(start * row, end * row), shape: [end - start, ...p.shape.slice(1)], dtype: p.dtype };
}

async function readWeights(model: UNet): Promise<Float32Array> {
  return (await model.params.serialize()).data;
}

function ask<T = unknown>(w: Worker, request: { op: string; [field: string]: unknown }): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      w.off('message', onMessage);
      reject(err);
    };
    const onMessage = (m: { result?: T; error?: string }) => {
      w.off('error', onError);
      if (m.error) reject(new Error(`gradient worker: ${m.error}`));
      else resolve(m.result!);
    };
    w.once('message', onMessage);
    w.once('error', onError);
    w.postMessage(request);
  });
}

/**
 * From a bundle (dist/cli.js, dist/runner.js) the worker is dist/gradientWorker.js next to it; from
 * sources (tests, the bench) it is the .ts file, loaded through tsx's require hook (a Worker refuses a
 * .ts path before any loader sees it).
 */
function startWorker(setup: WorkerSetup): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(path.join(__dirname, 'gradientWorker.js'), { workerData: setup });
  const file = path.join(__dirname, 'gradientWorker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: setup });
}
