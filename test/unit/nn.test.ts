import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { conv2dSame, conv2dSameBias } from '../../engine/nn/conv';
import { batchMatMulFastGrad, matMulBiasFastGrad, matMulFastGrad } from '../../engine/nn/matmul';
import { GROUP_NORM_EPSILON, groupNormalize } from '../../engine/nn/groupNorm';
import { Attention, Embedding, GroupNorm, timestepEmbedding } from '../../engine/nn/layers';
import { Params } from '../../engine/nn/params';
import { presetConfig } from '../../engine/nn/presets';
import { WordTokenizer } from '../../engine/nn/tokenizer';
import { UNet, pixelUnshuffle, upsampleNearest } from '../../engine/nn/unet';
import { Rng } from '../../engine/random';
import { backend, maxAbsDiff, values } from '../helpers';

describe('convolution with forward-only gradients', () => {
  it('matches tfjs\'s own conv2d gradients computed on the cpu backend', async () => {
    await initBackend('cpu');
    const x = new Rng(1).normal([2, 7, 6, 3]) as tf.Tensor4D;
    const w = new Rng(2).normal([3, 3, 3, 4]) as tf.Tensor4D;
    const up = new Rng(3).normal([2, 7, 6, 4]);
    const reference = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), up)))([x, w]);
    const [rx, rw] = [await values(reference[0]), await values(reference[1])];
    await initBackend('wasm');
    const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dSame(a as tf.Tensor4D, b as tf.Tensor4D), up)))([x, w]);
    assert.ok(maxAbsDiff(await values(ours[0]), rx) < 1e-3);
    assert.ok(maxAbsDiff(await values(ours[1]), rw) < 1e-3);
    // And the 1x1 case (no padding).
    const w1 = new Rng(4).normal([1, 1, 3, 4]) as tf.Tensor4D;
    const g1 = tf.grads((b: tf.Tensor) => tf.sum(tf.mul(conv2dSame(x, b as tf.Tensor4D), up)))([w1])[0];
    // d/dw1[ci,co] of sum(up * x.w1) = sum over pixels of x[.., ci] * up[.., co]
    const expected = tf.matMul(tf.reshape(x, [-1, 3]), tf.reshape(up, [-1, 4]), true, false);
    assert.ok(maxAbsDiff(await values(g1), await values(expected)) < 1e-3);
  });
});

describe('matmul with transpose-free gradients', () => {
  it('matches tfjs\'s own matMul gradients computed on the cpu backend', async () => {
    await initBackend('cpu');
    const x = new Rng(5).normal([37, 6]) as tf.Tensor2D;
    const w = new Rng(6).normal([6, 5]) as tf.Tensor2D;
    const up = new Rng(7).normal([37, 5]);
    const reference = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), up)))([x, w]);
    const [rx, rw] = [await values(reference[0]), await values(reference[1])];
    await initBackend('wasm');
    const [value, ...ours] = [matMulFastGrad(x, w), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(matMulFastGrad(a as tf.Tensor2D, b as tf.Tensor2D), up)))([x, w])];
    assert.ok(maxAbsDiff(await values(value), await values(tf.matMul(x, w))) < 1e-5);
    assert.ok(maxAbsDiff(await values(ours[0]), rx) < 1e-4);
    assert.ok(maxAbsDiff(await values(ours[1]), rw) < 1e-4);
    // dW[i, o] = sum_n x[n, i] up[n, o]: check one entry by hand, independently of any matmul.
    const [xv, uv] = [await values(x), await values(up)];
    let w23 = 0;
    for (let n = 0; n < 37; n++) w23 += xv[n * 6 + 2] * uv[n * 5 + 3];
    assert.ok(Math.abs((await values(ours[1]))[2 * 5 + 3] - w23) < 1e-4);
  });

  it('batched (attention) matmul gradients match tfjs\'s own on the cpu backend', async () => {
    await initBackend('cpu');
    const a = new Rng(16).normal([2, 3, 5, 4]);
    const b = new Rng(17).normal([2, 3, 4, 6]);
    const up = new Rng(18).normal([2, 3, 5, 6]);
    const reference = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q), up)))([a, b]);
    const [ra, rb] = [await values(reference[0]), await values(reference[1])];
    await initBackend('wasm');
    const ours = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(batchMatMulFastGrad(p, q), up)))([a, b]);
    assert.ok(maxAbsDiff(await values(batchMatMulFastGrad(a, b)), await values(tf.matMul(a, b))) < 1e-5);
    assert.ok(maxAbsDiff(await values(ours[0]), ra) < 1e-4);
    assert.ok(maxAbsDiff(await values(ours[1]), rb) < 1e-4);
  });
});

describe('fused layers', () => {
  before(backend);

  // Fused kernels add the bias inside the convolution / matmul; value and all three gradients must be those of op + bias.
  const compare = async (fused: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor, plain: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor, inputs: tf.Tensor[], up: tf.Tensor) => {
    const loss = (f: typeof fused) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c), up));
    const [a, b, c] = inputs;
    assert.ok(maxAbsDiff(await values(fused(a, b, c)), await values(plain(a, b, c))) < 1e-5);
    const gf = tf.grads(loss(fused))(inputs);
    const gp = tf.grads(loss(plain))(inputs);
    for (let i = 0; i < 3; i++) {
      const [f, p] = [await values(gf[i]), await values(gp[i])];
      assert.ok(p.some((v) => Math.abs(v) > 1e-3), `gradient ${i} is not trivially zero`);
      assert.ok(maxAbsDiff(f, p) < 1e-4, `gradient ${i} differs by ${maxAbsDiff(f, p)}`);
    }
  };

  it('conv + bias in one kernel equals conv, then add', async () => {
    const [x, w, b] = [new Rng(8).normal([2, 5, 6, 3]), new Rng(9).normal([3, 3, 3, 4]), new Rng(10).normal([4])];
    await compare(
      (a, f, c) => conv2dSameBias(a as tf.Tensor4D, f as tf.Tensor4D, c as tf.Tensor1D),
      (a, f, c) => tf.add(conv2dSame(a as tf.Tensor4D, f as tf.Tensor4D), c),
      [x, w, b], new Rng(11).normal([2, 5, 6, 4]),
    );
  });

  it('matmul + bias in one kernel equals matmul, then add', async () => {
    const [x, w, b] = [new Rng(12).normal([9, 6]), new Rng(13).normal([6, 5]), new Rng(14).normal([5])];
    await compare(
      (a, f, c) => matMulBiasFastGrad(a as tf.Tensor2D, f as tf.Tensor2D, c as tf.Tensor1D),
      (a, f, c) => tf.add(matMulFastGrad(a as tf.Tensor2D, f as tf.Tensor2D), c),
      [x, w, b], new Rng(15).normal([9, 5]),
    );
  });
});

describe('U-Net building blocks', () => {
  before(backend);

  it('pixel-unshuffle is a lossless rearrangement and nearest upsampling repeats each pixel 2x2', async () => {
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const down = pixelUnshuffle(x);
    assert.deepEqual(down.shape, [1, 2, 2, 4]);
    // The top-left 2x2 block (0, 1, 4, 5) lands in the first output pixel's channels.
    assert.deepEqual((await values(down)).slice(0, 4), [0, 1, 4, 5]);
    assert.deepEqual((await values(down)).sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i));
    const up = upsampleNearest(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]));
    assert.deepEqual(await values(up), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('group norm leaves every (example, group) with mean 0 and variance 1, then applies 1 + scale and shift', async () => {
    const gn = new GroupNorm(new Params(new Rng(0)), 'gn', 8, 2);
    const x = tf.add(tf.mul(new Rng(5).normal([3, 4, 4, 8]), 3), 2) as tf.Tensor4D;
    const y = await values(gn.apply(x));
    for (let b = 0; b < 3; b++) {
      for (let g = 0; g < 2; g++) {
        const group: number[] = [];
        for (let p = 0; p < 16; p++) for (let c = g * 4; c < g * 4 + 4; c++) group.push(y[(b * 16 + p) * 8 + c]);
        const m = group.reduce((a, v) => a + v, 0) / group.length;
        const v = group.reduce((a, u) => a + (u - m) ** 2, 0) / group.length;
        assert.ok(Math.abs(m) < 1e-4 && Math.abs(v - 1) < 1e-3, `b${b} g${g}: mean ${m} var ${v}`);
      }
    }
    const scaled = await values(gn.apply(x, [tf.fill([3, 8], 1), tf.fill([3, 8], 0.5)]));
    assert.ok(maxAbsDiff(scaled, y.map((v) => 2 * v + 0.5)) < 1e-4);
  });

  it("group norm's written-out gradient matches autodiff through tf.moments (cpu backend), and is blind to what the norm removes", async () => {
    const x = tf.add(tf.mul(new Rng(8).normal([2, 5, 3, 12]), 2), 1) as tf.Tensor4D;
    const up = new Rng(9).normal([2, 5, 3, 12]);
    const plain = (a: tf.Tensor) => {
      const g = tf.reshape(a, [2, 15, 3, 4]);
      const { mean, variance } = tf.moments(g, [1, 3], true);
      return tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, GROUP_NORM_EPSILON))), [2, 5, 3, 12]);
    };
    await initBackend('cpu');
    const reference = await values(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(plain(a), up)))(x));
    const referenceValue = await values(plain(x));
    await initBackend('wasm');
    assert.ok(maxAbsDiff(await values(groupNormalize(x, 3)), referenceValue) < 1e-5);
    const ours = await values(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(groupNormalize(a as tf.Tensor4D, 3), up)))(x));
    assert.ok(maxAbsDiff(ours, reference) < 1e-4, `gradients differ by ${maxAbsDiff(ours, reference)}`);
    // x̂ does not change when a whole group is shifted by a constant, so the gradient sums to 0 over each group.
    for (let b = 0; b < 2; b++) {
      for (let g = 0; g < 3; g++) {
        let sum = 0;
        for (let p = 0; p < 15; p++) for (let c = g * 4; c < g * 4 + 4; c++) sum += ours[(b * 15 + p) * 12 + c];
        assert.ok(Math.abs(sum) < 1e-4, `b${b} g${g}: gradient sums to ${sum}`);
      }
    }
  });

  it('timestep embedding is [sin(t w_i), cos(t w_i)] with w_i = 10000^(-i/half)', async () => {
    const e = await values(timestepEmbedding(tf.tensor1d([0, 7]), 8));
    const want = [0, 7].flatMap((t) => [...[0, 1, 2, 3].map((i) => Math.sin(t * 10000 ** (-i / 4))), ...[0, 1, 2, 3].map((i) => Math.cos(t * 10000 ** (-i / 4)))]);
    assert.ok(maxAbsDiff(e, want) < 1e-5);
  });

  it('an embedding is a row lookup', async () => {
    const emb = new Embedding(new Params(new Rng(0)), 'e', 5, 3);
    const table = await values(emb.table);
    assert.deepEqual(await values(emb.apply(tf.tensor1d([4, 0], 'int32'))), [...table.slice(12, 15), ...table.slice(0, 3)]);
  });

  it('attention ignores masked keys', async () => {
    const p = new Params(new Rng(1));
    const attn = new Attention(p, 'a', 8, 6, 2);
    attn.out.w.assign(new Rng(2).normal([8, 8])); // its zero init would make every output 0
    const x = new Rng(3).normal([1, 5, 8]) as tf.Tensor3D;
    const ctx = new Rng(4).normal([1, 3, 6]);
    const changed = tf.concat([tf.slice(ctx, [0, 0, 0], [1, 2, 6]), tf.fill([1, 1, 6], 9)], 1) as tf.Tensor3D;
    const mask = tf.tensor2d([[1, 1, 0]]);
    assert.ok(maxAbsDiff(await values(attn.apply(x, ctx as tf.Tensor3D, mask)), await values(attn.apply(x, changed, mask))) < 1e-5);
    assert.ok(maxAbsDiff(await values(attn.apply(x, ctx as tf.Tensor3D)), await values(attn.apply(x, changed))) > 1e-3);
  });

  it('tokenizes words from a fixed vocabulary; the empty prompt is all padding', () => {
    const tok = WordTokenizer.fromCaptions(['large red circle top left', 'small blue square'], 6);
    assert.deepEqual(tok.vocabulary, ['blue', 'circle', 'large', 'left', 'red', 'small', 'square', 'top']);
    assert.deepEqual(tok.encode('Red circle!').ids, [6, 3, 0, 0, 0, 0]);
    assert.deepEqual(tok.encode('purple circle'), { ids: [1, 3, 0, 0, 0, 0], unknown: ['purple'] });
    assert.deepEqual(tok.encode('').ids, [0, 0, 0, 0, 0, 0]);
  });
});

describe('reference U-Net', () => {
  before(backend);
  const text = { vocabSize: 12, maxLength: 5 };

  it('predicts eps of the input\'s shape for every conditioning, starting at exactly 0 (zero-initialised output)', async () => {
    for (const cond of ['none', 'class', 'text'] as const) {
      const net = new UNet(presetConfig('tiny', { imageSize: 16, channels: 3, cond, numClasses: 4, text }), new Rng(0));
      const c = cond === 'class' ? tf.tensor1d([0, 3, -1], 'int32') : cond === 'text' ? tf.tensor2d([[2, 3, 0, 0, 0], [0, 0, 0, 0, 0], [4, 4, 4, 4, 4]], [3, 5], 'int32') : undefined;
      const out = net.predict(tf.ones([3, 16, 16, 3]), 500, c);
      assert.deepEqual(out.shape, [3, 16, 16, 3]);
      assert.ok((await values(out)).every((v) => v === 0), cond);
      tf.dispose(net.params.list());
    }
  });

  it('the condition changes the prediction once the output layer is non-zero', async () => {
    const net = new UNet(presetConfig('tiny', { imageSize: 16, channels: 1, cond: 'text', text }), new Rng(0));
    for (const v of net.params.list()) v.assign(tf.add(v, tf.mul(new Rng(v.size).normal(v.shape), 0.05)));
    const x = new Rng(9).normal([1, 16, 16, 1]);
    const a = await values(net.predict(x, 300, tf.tensor2d([[2, 3, 0, 0, 0]], [1, 5], 'int32')));
    const b = await values(net.predict(x, 300, tf.tensor2d([[5, 6, 0, 0, 0]], [1, 5], 'int32')));
    const nul = await values(net.predict(x, 300, tf.zeros([1, 5], 'int32')));
    assert.ok(maxAbsDiff(a, b) > 1e-4 && maxAbsDiff(a, nul) > 1e-4);
    tf.dispose(net.params.list());
  });

  it('names a configuration that cannot work', () => {
    assert.throws(() => new UNet(presetConfig('small', { imageSize: 30, channels: 1, cond: 'none' }), new Rng(0)), /Image size 30 is not divisible by 4/);
    assert.throws(() => new UNet(presetConfig('tiny', { imageSize: 16, channels: 1, cond: 'class' }), new Rng(0)), /Class conditioning needs the number of classes/);
  });

  it('counts MACs from the layer shapes: convolutions scale with pixels, attention with pixels squared', () => {
    const cfg = { ...presetConfig('tiny', { imageSize: 16, channels: 3, cond: 'none' }), attentionResolutions: [] };
    const net = new UNet(cfg, new Rng(0));
    const big = new UNet({ ...cfg, imageSize: 32 }, new Rng(0));
    assert.ok(net.macsPerSample() > 16 * 16 * 9 * 3 * 16);
    // Self-attention over n pixels of 32 channels: q, k, v and out projections plus the two n x n products.
    const attention = (n: number) => n * 32 * 96 + 2 * n * n * 32 + n * 32 * 32;
    // Only the middle block attends here (at 8x8, or 16x16 in the big net); everything else is per-pixel.
    assert.equal(big.macsPerSample(), 4 * (net.macsPerSample() - attention(64)) + attention(256));
    const withAttention = new UNet({ ...cfg, attentionResolutions: [8] }, new Rng(0));
    // Attention at 8x8 adds three blocks: one on the way down, two on the way up.
    assert.equal(withAttention.macsPerSample() - net.macsPerSample(), 3 * attention(64));
    tf.dispose([...net.params.list(), ...big.params.list(), ...withAttention.params.list()]);
  });
});
