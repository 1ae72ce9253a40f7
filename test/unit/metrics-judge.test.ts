import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../../engine/data/fashionMnist';
import type { Dataset } from '../../engine/data/types';
import { DlensError } from '../../engine/errors';
import { JUDGE_FEATURES, type Judge, loadJudge, trainJudge } from '../../engine/metrics/judge';
import { backend, values } from '../helpers';
import { halvesDataset, range } from './metrics-fixtures';

const code = (c: string) => (err: unknown) => err instanceof DlensError && err.code === c;

function batchOf(dataset: Dataset, indices: number[]): tf.Tensor4D {
  const { images } = dataset.get(indices);
  return tf.tensor4d(images, [indices.length, dataset.imageSize, dataset.imageSize, dataset.channels]);
}

async function outputsOf(judge: Judge, x: tf.Tensor4D): Promise<{ probs: number[]; features: number[] }> {
  const out = judge.classify(x);
  const result = { probs: await values(out.probs), features: await values(out.features) };
  tf.dispose([out.probs, out.features]);
  return result;
}

const fashionFiles = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const fashionSkip = fashionFiles.every((f) => fs.existsSync(path.join(FASHION_MNIST_DIR, f)))
  ? false
  : `Fashion-MNIST is not installed at ${FASHION_MNIST_DIR} (Debian package dataset-fashion-mnist)`;

describe('judge classifier', () => {
  before(backend);

  it('learns a 2-class synthetic task (bright left half vs right half) to >= 0.95 in 40 steps', async () => {
    const train = halvesDataset(16, 512, 1);
    const judge = await trainJudge(train, { steps: 40, batchSize: 32, seed: 0 });
    // Fresh examples (another seed): chance is 0.5, and the classes differ by 1.2 in mean over 128 pixels each.
    const acc = await judge.accuracy(halvesDataset(16, 400, 2), range(400));
    judge.dispose();
    assert.ok(acc >= 0.95, `accuracy ${acc}`);
  });

  it('is deterministic given the seed, and leaks no tensors across steps', async () => {
    const data = halvesDataset(16, 128, 3);
    const x = batchOf(data, range(8));
    const baseline = tf.memory().numTensors;
    const counts: number[] = [];
    const losses: number[] = [];
    const a = await trainJudge(data, {
      steps: 6, batchSize: 16, seed: 5,
      onProgress: (p) => {
        assert.equal(p.steps, 6);
        counts.push(tf.memory().numTensors);
        losses.push(p.loss);
      },
    });
    // After each step only the judge's 10 weights and Adam's moments remain, the same count every step.
    assert.equal(counts.length, 6);
    assert.ok(counts.every((c) => c === counts[0]), `tensor counts per step ${counts}`);
    // The optimizer is freed at the end: 5 layers x (weights, bias) remain.
    assert.equal(tf.memory().numTensors - baseline, 10);
    assert.ok(losses.every(Number.isFinite));

    const b = await trainJudge(data, { steps: 6, batchSize: 16, seed: 5 });
    const c = await trainJudge(data, { steps: 6, batchSize: 16, seed: 6 });
    const [oa, ob, oc] = [await outputsOf(a, x), await outputsOf(b, x), await outputsOf(c, x)];
    assert.deepEqual(ob, oa);
    assert.notDeepEqual(oc.probs, oa.probs);

    const n = tf.memory().numTensors;
    const out = a.classify(x);
    assert.equal(tf.memory().numTensors, n + 2, 'classify returns two tensors and keeps nothing else');
    tf.dispose([out.probs, out.features]);
    await a.embed(x, 3);
    await a.accuracy(data, range(20), 7);
    assert.equal(tf.memory().numTensors, n, 'embed and accuracy free their chunks');
    for (const j of [a, b, c]) j.dispose();
    assert.equal(tf.memory().numTensors, baseline);
    x.dispose();
  });

  it('stops between steps when aborted', async () => {
    const controller = new AbortController();
    let seen = 0;
    const judge = await trainJudge(halvesDataset(8, 32, 4), {
      steps: 50, batchSize: 8, seed: 0, signal: controller.signal,
      onProgress: (p) => {
        seen = p.step;
        if (p.step === 3) controller.abort();
      },
    });
    judge.dispose();
    assert.equal(seen, 3);
  });

  it('classifies 3-channel images: probabilities sum to 1, features are ReLU outputs of the stated width', async () => {
    const data = halvesDataset(8, 64, 5, 3);
    const judge = await trainJudge(data, { steps: 20, batchSize: 16, seed: 1 });
    assert.deepEqual([judge.numClasses, judge.imageSize, judge.channels], [2, 8, 3]);
    assert.deepEqual([...judge.classNames], ['left', 'right']);
    const x = batchOf(data, range(5));
    const out = judge.classify(x);
    assert.deepEqual(out.probs.shape, [5, 2]);
    assert.deepEqual(out.features.shape, [5, JUDGE_FEATURES]);
    const p = await values(out.probs);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(p[2 * i] + p[2 * i + 1] - 1) < 1e-5);
    assert.ok((await values(out.features)).every((v) => v >= 0));
    tf.dispose([out.probs, out.features, x]);
    judge.dispose();
  });

  it('refuses data it cannot train on or score, with a fix', async () => {
    const data = halvesDataset(16, 32, 6);
    await assert.rejects(trainJudge({ ...data, classNames: undefined }, { steps: 1, seed: 0 }), code('judge-needs-classes'));
    await assert.rejects(trainJudge({ ...data, classNames: ['only'] }, { steps: 1, seed: 0 }), code('judge-needs-classes'));
    await assert.rejects(trainJudge(halvesDataset(10, 8, 0), { steps: 1, seed: 0 }), /multiple of 4.*Fix:/);
    await assert.rejects(trainJudge(data, { steps: 0, seed: 0 }), /steps must be an integer >= 1/);
    await assert.rejects(trainJudge(data, { steps: 1, seed: 0, learningRate: -1 }), /learningRate/);
    const unlabelled: Dataset = { ...data, get: (idx) => ({ ...data.get(idx), labels: new Int32Array(idx.length).fill(-1) }) };
    await assert.rejects(trainJudge(unlabelled, { steps: 1, batchSize: 4, seed: 0 }), code('bad-label'));

    const judge = await trainJudge(data, { steps: 1, batchSize: 4, seed: 0 });
    const rgb = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    const small = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
    assert.throws(() => judge.classify(rgb), code('judge-shape-mismatch'));
    assert.throws(() => judge.classify(small), /trained on 16x16x1 images/);
    await assert.rejects(judge.accuracy(halvesDataset(8, 4, 0), range(4)), code('judge-shape-mismatch'));
    tf.dispose([rgb, small]);
    judge.dispose();
  });

  it('saves weights and a manifest, and loads back the same classifier; a damaged file is refused', async () => {
    const data = halvesDataset(16, 64, 7);
    const judge = await trainJudge(data, { steps: 5, batchSize: 16, seed: 2 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-judge-'));
    try {
      await judge.save(dir);
      // Only the two final files: temporary files were renamed into place.
      assert.deepEqual(fs.readdirSync(dir).sort(), ['judge.json', 'judge.weights.bin']);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'judge.json'), 'utf8'));
      const shapes = Object.fromEntries(manifest.weights.tensors.map((t: { name: string; shape: number[] }) => [t.name, t.shape]));
      assert.deepEqual(shapes.conv1, [3, 3, 1, 32]);
      // Two 2x2 poolings take 16x16 to 4x4, flattened with 64 channels: 1024 inputs to the feature layer.
      assert.deepEqual(shapes.dense1, [4 * 4 * 64, JUDGE_FEATURES]);
      assert.deepEqual(shapes.dense2, [JUDGE_FEATURES, 2]);
      const params = Object.values(shapes).reduce((s: number, sh) => s + (sh as number[]).reduce((a, b) => a * b, 1), 0);
      assert.equal(fs.statSync(path.join(dir, 'judge.weights.bin')).size, 4 * params);
      assert.deepEqual(manifest.classNames, ['left', 'right']);

      const loaded = await loadJudge(dir);
      assert.deepEqual([loaded.numClasses, loaded.imageSize, loaded.channels, [...loaded.classNames]], [2, 16, 1, ['left', 'right']]);
      const x = batchOf(data, range(6));
      assert.deepEqual(await outputsOf(loaded, x), await outputsOf(judge, x));
      x.dispose();
      loaded.dispose();

      // Saving again over an existing judge replaces it cleanly.
      await judge.save(dir);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['judge.json', 'judge.weights.bin']);

      const bin = path.join(dir, 'judge.weights.bin');
      const bytes = fs.readFileSync(bin);
      bytes[100] ^= 0xff;
      fs.writeFileSync(bin, bytes);
      const before = tf.memory().numTensors;
      await assert.rejects(loadJudge(dir), code('judge-corrupt'));
      fs.writeFileSync(bin, bytes.subarray(0, 1000));
      await assert.rejects(loadJudge(dir), code('judge-corrupt'));
      assert.equal(tf.memory().numTensors, before);
      await assert.rejects(loadJudge(path.join(dir, 'absent')), code('judge-not-found'));
      fs.writeFileSync(path.join(dir, 'judge.json'), '{"format": "something-else"}');
      await assert.rejects(loadJudge(dir), code('judge-bad-format'));
    } finally {
      judge.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reaches >= 0.80 accuracy on 1000 Fashion-MNIST test images after 200 steps', { skip: fashionSkip, timeout: 300_000 }, async (t) => {
    const train = loadFashionMnist({ split: 'train' });
    const test = loadFashionMnist({ split: 'test' });
    const start = performance.now();
    // 200 x 64 = 12,800 images, about a fifth of an epoch; chance is 0.1. Small CNNs of this kind pass
    // 0.85 after one epoch and 0.90 after a few; 0.80 leaves room for seeds and step counts.
    const judge = await trainJudge(train, { steps: 200, batchSize: 64, seed: 0, learningRate: 2e-3 });
    const seconds = (performance.now() - start) / 1000;
    const acc = await judge.accuracy(test, range(1000));
    judge.dispose();
    t.diagnostic(`Fashion-MNIST judge: test accuracy ${acc.toFixed(3)} on 1000 images, trained in ${seconds.toFixed(1)} s (200 steps of 64)`);
    assert.ok(acc >= 0.8, `accuracy ${acc}`);
  });
});
