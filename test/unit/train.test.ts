import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createShapes } from '../../engine/data';
import { latestGoodCheckpoint, listCheckpoints, readCheckpoint } from '../../engine/run/checkpoint';
import { readManifest } from '../../engine/run/manifest';
import { AdamW, clipByGlobalNorm, learningRate } from '../../engine/train/adamw';
import { Ema } from '../../engine/train/ema';
import { loadRun } from '../../engine/train/load';
import { newRunManifest } from '../../engine/train/newRun';
import { type TrainProgress, train } from '../../engine/train/trainer';
import { backend, maxAbsDiff, values } from '../helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-train-'));
const dataset = createShapes({ imageSize: 16, size: 200, seed: 0 });
const manifestFor = (dir: string, steps: number, microBatch = 4) =>
  newRunManifest(dir, dataset, {
    datasetSpec: 'shapes', preset: 'tiny', cond: 'text', schedule: 'linear', T: 1000,
    training: { steps, batchSize: 4, microBatch, learningRate: 1e-3, warmupSteps: 2, gradClip: 1, emaDecay: 0.9, condDropout: 0.25, seed: 3, checkpointEvery: 3, previewEvery: 0 },
  });

describe('optimiser pieces', () => {
  before(backend);

  it('AdamW\'s first step moves each weight by lr * (g / (|g| + eps) + decay * w), and skips decay for 1-D weights', async () => {
    const w = tf.variable(tf.tensor2d([[2, -1]]));
    const b = tf.variable(tf.tensor1d([0.5]));
    const opt = new AdamW([w, b], { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 });
    opt.apply([tf.tensor2d([[0.3, -4]]), tf.tensor1d([2])], 0.01);
    assert.ok(maxAbsDiff(await values(w), [2 - 0.01 * (1 + 0.1 * 2), -1 - 0.01 * (-1 + 0.1 * -1)]) < 1e-6);
    assert.ok(maxAbsDiff(await values(b), [0.5 - 0.01]) < 1e-6);
  });

  it('clips by the global norm, and warms the learning rate up linearly', async () => {
    const { clipped, norm } = clipByGlobalNorm([tf.tensor1d([3]), tf.tensor1d([4])], 1);
    assert.ok(Math.abs(norm - 5) < 1e-6);
    assert.ok(maxAbsDiff([...(await values(clipped[0])), ...(await values(clipped[1]))], [0.6, 0.8]) < 1e-5);
    assert.deepEqual([0, 4, 9, 10, 50].map((s) => learningRate(s, 1, 10)), [0.1, 0.5, 1, 1, 1]);
  });

  it('EMA after k updates toward a fixed w is w + (w0 - w) prod d_s, with d_s = min(decay, (1 + s) / (10 + s))', async () => {
    const w = tf.variable(tf.scalar(0));
    const ema = new Ema([w], 0.9);
    w.assign(tf.scalar(1));
    // Warmup: d_0 = 0.1, d_1 = 2/11, ...; from s = 80 on (81/90 = 0.9) the decay is 0.9 itself.
    let remaining = 1;
    for (let s = 0; s < 100; s++) {
      ema.update(s);
      remaining *= Math.min(0.9, (1 + s) / (10 + s));
    }
    assert.ok(Math.abs((await values(ema.shadow[0]))[0] - (1 - remaining)) < 1e-6);
    assert.ok(remaining < 0.9 ** 100 * 1e-3, 'warmup forgets the start faster than the plain decay');
  });
});

describe('training runs', () => {
  before(backend);

  it('trains, logs the loss per timestep bucket, checkpoints atomically, and leaks no tensors', async () => {
    const dir = tmp();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const logs: TrainProgress[] = [];
    const result = await train(dir, manifestFor(dir, 6), dataset, { logEvery: 1, onProgress: (p) => { logs.push(p); counts.push(tf.memory().numTensors); } });
    assert.equal(result.status, 'completed');
    assert.equal(tf.memory().numTensors, before);
    assert.ok(counts.every((c) => c === counts[0]), `tensor count moved across steps: ${counts}`);
    assert.equal(logs.length, 6);
    assert.ok(logs.every((p) => p.lossByBucket.length === 10 && p.lossByBucket.filter((v) => !Number.isNaN(v)).length >= 1));
    assert.deepEqual(listCheckpoints(dir), [3, 6]);
    const m = readManifest(dir);
    assert.equal(m.status, 'completed');
    assert.equal(m.checkpoint?.step, 6);
    assert.equal(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 6);
    assert.ok(!fs.readdirSync(path.join(dir, 'checkpoints')).some((f) => f.endsWith('.tmp')));
  });

  it('resumes from the last checkpoint and ends with exactly the weights of an uninterrupted run', async () => {
    const straight = tmp();
    await train(straight, manifestFor(straight, 6), dataset);
    const interrupted = tmp();
    const controller = new AbortController();
    let seen = 0;
    const first = await train(interrupted, manifestFor(interrupted, 6), dataset, { logEvery: 1, signal: controller.signal, onProgress: () => void (++seen === 4 && controller.abort()) });
    assert.equal(first.status, 'cancelled');
    assert.equal(readManifest(interrupted).status, 'cancelled');
    assert.equal(readManifest(interrupted).checkpoint?.step, 4, 'a cancelled run saves where it stopped');
    const messages: string[] = [];
    const second = await train(interrupted, readManifest(interrupted), dataset, { onLog: (m) => messages.push(m) });
    assert.equal(second.resumedFrom, 4);
    assert.match(messages.join('\n'), /resuming from the checkpoint at step 4 of 6/);
    const a = readCheckpoint(straight, 6).sections;
    const b = readCheckpoint(interrupted, 6).sections;
    assert.ok(maxAbsDiff(a.weights!, b.weights!) < 1e-6 && maxAbsDiff(a.ema!, b.ema!) < 1e-6);
  });

  it('splitting a batch into micro-batches leaves the gradient unchanged', async () => {
    const norms: number[] = [];
    for (const micro of [4, 1]) {
      const dir = tmp();
      await train(dir, manifestFor(dir, 1, micro), dataset, { logEvery: 1, onProgress: (p) => void norms.push(p.gradNorm) });
    }
    assert.ok(Math.abs(norms[0] - norms[1]) < 1e-4 * norms[0], `gradient norm ${norms[0]} vs ${norms[1]}`);
  });

  it('skips a damaged newest checkpoint and says so; a run with none cannot be sampled', async () => {
    const dir = tmp();
    await train(dir, manifestFor(dir, 6), dataset);
    fs.writeFileSync(path.join(dir, 'checkpoints', 'step-0000006.bin'), new Uint8Array(10));
    const { data, skipped } = latestGoodCheckpoint(dir);
    assert.equal(data?.meta.step, 3);
    assert.match(skipped[0], /does not match its SHA-256/);
    const loaded = loadRun(dir);
    assert.equal(loaded.step, 3);
    loaded.dispose();
    const empty = tmp();
    fs.writeFileSync(path.join(empty, 'manifest.json'), JSON.stringify(manifestFor(empty, 1)));
    assert.throws(() => loadRun(empty), /has no readable checkpoint yet/);
    fs.writeFileSync(path.join(empty, 'manifest.json'), '{ not json');
    assert.throws(() => loadRun(empty), /manifest.json is not valid JSON/);
    assert.throws(() => loadRun(path.join(empty, 'nope')), /Run folder not found/);
  });
});
