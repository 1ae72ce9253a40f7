import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createShapes } from '../../engine/data';
import { diffusionTables } from '../../engine/diffusion';
import { presetConfig } from '../../engine/nn/presets';
import { UNet } from '../../engine/nn/unet';
import { Rng } from '../../engine/random';
import { readCheckpoint } from '../../engine/run/checkpoint';
import { sampleDdim } from '../../engine/samplers/ddim';
import { guidedDenoiser } from '../../engine/samplers/guidance';
import { makeBetas } from '../../engine/schedules';
import { DataParallel, splitShard } from '../../engine/train/dataParallel';
import { loadRun } from '../../engine/train/load';
import { newRunManifest } from '../../engine/train/newRun';
import { sweepRun } from '../../engine/train/sweep';
import { train } from '../../engine/train/trainer';
import { backend, maxAbsDiff, values } from '../helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-dp-'));
const dataset = createShapes({ imageSize: 16, size: 200, seed: 0 });
const manifestFor = (dir: string, microBatch: number) =>
  newRunManifest(dir, dataset, {
    datasetSpec: 'shapes', preset: 'tiny', cond: 'class', schedule: 'linear', T: 1000,
    training: { steps: 2, batchSize: 5, microBatch, learningRate: 1e-3, warmupSteps: 0, gradClip: 1, emaDecay: 0.9, condDropout: 0.25, seed: 7, checkpointEvery: 2, previewEvery: 0 },
  });

async function trainWith(workers: number, microBatch = 5) {
  const dir = tmp();
  const norms: number[] = [];
  const losses: number[] = [];
  await train(dir, manifestFor(dir, microBatch), dataset, { workers, logEvery: 1, onProgress: (p) => void (norms.push(p.gradNorm), losses.push(p.loss)) });
  return { dir, weights: readCheckpoint(dir, 2).sections.weights!, norms, losses };
}

describe('data-parallel training', () => {
  before(backend);

  it('splits a batch into contiguous shards that together hold every example once, in order', () => {
    const n = 5;
    const batch = { images: Float32Array.from({ length: n * 2 }, (_, i) => i), noise: new Float32Array(n * 2), ts: [10, 11, 12, 13, 14], total: n, microBatch: 2, cond: { values: Int32Array.from([0, 1, 2, 3, 4]), shape: [n], dtype: 'int32' as const } };
    const shards = splitShard(batch, 3);
    assert.deepEqual(shards.map((s) => s.ts), [[10, 11], [12, 13], [14]]);
    assert.deepEqual(shards.map((s) => Array.from(s.cond!.values)), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(shards.flatMap((s) => Array.from(s.images)), Array.from(batch.images));
    assert.ok(shards.every((s) => s.total === n));
    // More workers than examples: the spare ones get nothing to do.
    assert.deepEqual(splitShard(batch, 7).map((s) => s.ts.length), [1, 1, 1, 1, 1, 0, 0]);
  });

  it('two and three threads give the single-thread weights up to float summation order', async () => {
    const one = await trainWith(1);
    for (const workers of [2, 3]) {
      const many = await trainWith(workers);
      const scale = one.weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0);
      assert.ok(maxAbsDiff(many.weights, one.weights) < 1e-5 * scale, `${workers} workers: weights differ by ${maxAbsDiff(many.weights, one.weights)}`);
      assert.ok(maxAbsDiff(many.norms, one.norms) < 1e-4 * one.norms[0], `${workers} workers: gradient norms ${many.norms} vs ${one.norms}`);
      assert.ok(maxAbsDiff(many.losses, one.losses) < 1e-5 * one.losses[0]);
    }
  });

  it('is deterministic for a fixed seed and worker count', async () => {
    const a = await trainWith(2, 2);
    const b = await trainWith(2, 2);
    assert.deepEqual(Array.from(a.weights), Array.from(b.weights));
  });

  it('refuses a worker count below 1 with a fix', () => {
    const model = new UNet(presetConfig('tiny', { imageSize: 16, channels: 1, cond: 'none' }), new Rng(0));
    const tables = diffusionTables(makeBetas('linear', 1000));
    assert.throws(() => new DataParallel(model, tables, 0, 'wasm'), /Worker count must be a whole number of at least 1, got 0.*Fix: pass --workers 1/);
    model.params.list().forEach((v) => v.dispose());
  });
});

describe('data-parallel inference', () => {
  before(backend);

  it('predicts the same noise with the batch split across threads as in one call, and samples the same images through guidance', async () => {
    const config = presetConfig('tiny', { imageSize: 16, channels: 1, cond: 'class', numClasses: 3 });
    const model = new UNet(config, new Rng(4));
    // Non-zero output layers, so the prediction depends on every layer (a fresh model's last conv is zero).
    model.params.list().forEach((v, i) => v.assign(new Rng(100 + i).normal(v.shape).mul(0.2)));
    const tables = diffusionTables(makeBetas('linear', 1000));
    const parallel = new DataParallel(model, tables, 3, 'wasm');
    await parallel.syncWeights();
    const x = new Rng(5).normal([7, 16, 16, 1]);
    const t = tf.tensor1d([0, 100, 200, 300, 400, 500, 999], 'int32');
    const cond = tf.tensor1d([0, 1, 2, -1, 0, 1, 2], 'int32');
    const one = await values(model.predict(x, t, cond));
    const split = await values(await parallel.predict(x, t, cond));
    assert.ok(one.some((v) => Math.abs(v) > 0.1), 'the prediction is not trivially zero');
    assert.ok(maxAbsDiff(split, one) < 1e-5, `split prediction differs by ${maxAbsDiff(split, one)}`);
    // Through guidance and the sampler loop (an asynchronous denoiser), leaking nothing.
    const guidance = { scale: 3, cond: tf.tensor1d([0, 1, 2], 'int32'), uncond: tf.fill([3], -1, 'int32') };
    const opts = { tables, timesteps: [900, 500, 100], rng: new Rng(6), clipX0: 1 };
    const xT = new Rng(7).normal([3, 16, 16, 1]);
    const sampled = async (f: (x: tf.Tensor, t: number, c: tf.Tensor) => tf.Tensor | Promise<tf.Tensor>) => {
      const before = tf.memory().numTensors;
      const out = await sampleDdim(guidedDenoiser(f, guidance), xT, { ...opts, rng: new Rng(6) });
      const v = await values(out);
      out.dispose();
      assert.equal(tf.memory().numTensors, before, 'the sampler leaked tensors');
      return v;
    };
    const seq = await sampled((a, b, c) => model.predict(a, b, c));
    const par = await sampled((a, b, c) => parallel.predict(a, b, c));
    assert.ok(maxAbsDiff(par, seq) < 1e-4, `sampled images differ by ${maxAbsDiff(par, seq)}`);
    tf.dispose([xT, guidance.cond, guidance.uncond]);
    await parallel.dispose();
    model.params.list().forEach((v) => v.dispose());
    tf.dispose([x, t, cond]);
  });

  it('sweeps the same grid with each denoising call split across two threads as in one thread', async () => {
    const { dir } = await trainWith(1);
    const grid = async (workers: number) => {
      const run = loadRun(dir, 'ema');
      try {
        const before = tf.memory().numTensors;
        const r = await sweepRun(run, { scales: [0, 3], rows: [{ classIndex: 0 }, { classIndex: 1 }, { classIndex: 2 }], seed: 1, steps: 3, workers });
        const v = await values(r.grid);
        r.grid.dispose();
        assert.equal(tf.memory().numTensors, before, `the sweep with ${workers} thread(s) leaked tensors`);
        return v;
      } finally {
        run.dispose();
      }
    };
    const one = await grid(1);
    const two = await grid(2);
    assert.equal(two.length, 2 * 3 * 16 * 16 * 3);
    assert.ok(maxAbsDiff(two, one) < 1e-4, `sweep grids differ by ${maxAbsDiff(two, one)}`);
  });
});
