/**
 * `node --import tsx bench/levers.ts [--reps N] [--only kernels|threads|groupnorm]`: what each speed lever gains, each measured as a ratio
 * of with / without in this one process, the two variants interleaved, medians over the repetitions
 * (so machine load hits both alike). The "without" variants put back the code each lever replaced
 * (patched into the layer classes here, never in the engine).
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { diffusionTables } from '../engine/diffusion';
import { conv2dSame } from '../engine/nn/conv';
import { Conv3, Dense, GroupNorm } from '../engine/nn/layers';
import { matMulFastGrad } from '../engine/nn/matmul';
import { presetConfig } from '../engine/nn/presets';
import { UNet } from '../engine/nn/unet';
import { Rng } from '../engine/random';
import { makeBetas } from '../engine/schedules';
import { DataParallel } from '../engine/train/dataParallel';
import type { Shard } from '../engine/train/gradients';

const args = process.argv.slice(2);
const REPS = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 3;
const BATCH = 32;
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const fused = { dense: Dense.prototype.apply, conv: Conv3.prototype.apply, groupNorm: GroupNorm.prototype.apply };
const variants = {
  /** tfjs's own matMul gradient (transposed matmuls), bias added separately */
  stockMatMul(this: Dense, x: tf.Tensor) {
    const y = tf.add(tf.matMul(tf.reshape(x, [-1, this.inDim]), this.w), this.b);
    return tf.reshape(y, [...x.shape.slice(0, -1), this.outDim]);
  },
  /** transpose-free gradient, bias added in a second pass */
  unfusedDense(this: Dense, x: tf.Tensor) {
    const y = tf.add(matMulFastGrad(tf.reshape(x, [-1, this.inDim]) as tf.Tensor2D, this.w as tf.Tensor2D), this.b);
    return tf.reshape(y, [...x.shape.slice(0, -1), this.outDim]);
  },
  unfusedConv(this: Conv3, x: tf.Tensor4D) {
    return tf.add(conv2dSame(x, this.w as tf.Tensor4D), this.b) as tf.Tensor4D;
  },
  /** group norm differentiated by autodiff through tf.moments */
  autodiffGroupNorm(this: GroupNorm, x: tf.Tensor4D, scaleShift?: [tf.Tensor, tf.Tensor]) {
    const [B, H, W, C] = x.shape;
    const g = tf.reshape(x, [B, H * W, this.groups, C / this.groups]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    let y = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, 1e-5))), [B, H, W, C]);
    y = tf.add(tf.mul(y, this.gamma), this.beta);
    if (scaleShift) {
      const [scale, shift] = scaleShift.map((s) => tf.reshape(s, [B, 1, 1, C]));
      y = tf.add(tf.mul(y, tf.add(scale, 1)), shift);
    }
    return y as tf.Tensor4D;
  },
};

async function main() {
  await initBackend('wasm');
  const config = presetConfig('small', { imageSize: 32, channels: 1, cond: 'class', numClasses: 10 });
  const model = new UNet(config, new Rng(0));
  const vars = model.params.list();
  const rng = new Rng(1);
  const x = rng.normal([BATCH, 32, 32, 1]);
  const t = tf.tensor1d(Array.from({ length: BATCH }, (_, i) => (i * 37) % 1000), 'int32');
  const c = tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), 'int32');
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(model.predict(x, t, c), x))) as tf.Scalar, vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const time = async (f: () => unknown) => {
    const start = performance.now();
    await f();
    return performance.now() - start;
  };
  const compare = async (name: string, withLever: () => unknown, without: () => unknown) => {
    await withLever();
    await without();
    const a: number[] = [];
    const b: number[] = [];
    let cpuMs = 0;
    for (let r = 0; r < REPS; r++) {
      const cpu = process.cpuUsage();
      a.push(await time(withLever));
      const used = process.cpuUsage(cpu);
      cpuMs += (used.user + used.system) / 1000;
      b.push(await time(without));
    }
    // Cores used by the "with" variant (CPU time of all this process's threads / wall time): below the thread count when other processes took the cores.
    const cores = cpuMs / a.reduce((p, q) => p + q, 0);
    console.log(`| ${name} | ${median(b).toFixed(0)} | ${median(a).toFixed(0)} | ${(median(b) / median(a)).toFixed(2)}x | ${cores.toFixed(2)} |`);
  };
  const withPatch = (patch: () => void, f: () => unknown) => async () => {
    patch();
    try {
      await f();
    } finally {
      Dense.prototype.apply = fused.dense;
      Conv3.prototype.apply = fused.conv;
      GroupNorm.prototype.apply = fused.groupNorm;
    }
  };
  console.log(`levers, small U-Net, batch ${BATCH}, medians of ${REPS}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| lever (training step unless noted) | without (ms) | with (ms) | gain | cores used (with) |');
  console.log('|---|---|---|---|---|');
  if (ONLY === 'groupnorm') return groupNormLever(compare, withPatch, step);
  if (ONLY !== 'threads') await kernelLevers(compare, withPatch, step, () => tf.tidy(() => void model.predict(x, t, c).dataSync()));
  if (ONLY === 'kernels') return;
  await threadLevers(compare, model, rng, x, t, c);
}

type Compare = (name: string, withLever: () => unknown, without: () => unknown) => Promise<void>;

async function kernelLevers(compare: Compare, withPatch: (patch: () => void, f: () => unknown) => () => Promise<void>, step: () => void, forward: () => void) {
  await compare('matmul gradients without transposed matmuls', withPatch(() => (Dense.prototype.apply = variants.unfusedDense), step), withPatch(() => (Dense.prototype.apply = variants.stockMatMul), step));
  await compare('fused conv + bias and matmul + bias', step, withPatch(() => ((Dense.prototype.apply = variants.unfusedDense), (Conv3.prototype.apply = variants.unfusedConv)), step));
  await groupNormLever(compare, withPatch, step);
  await compare('fused conv + bias and matmul + bias (forward)', forward, withPatch(() => ((Dense.prototype.apply = variants.unfusedDense), (Conv3.prototype.apply = variants.unfusedConv)), forward));
}

function groupNormLever(compare: Compare, withPatch: (patch: () => void, f: () => unknown) => () => Promise<void>, step: () => void) {
  return compare('group norm with its gradient written out', step, withPatch(() => (GroupNorm.prototype.apply = variants.autodiffGroupNorm), step));
}

/**
 * What a second thread can get from this machine right now, without TensorFlow.js: cores used by one
 * busy JavaScript thread, then by two (each with the same work). Near 1 and 2 on an idle machine; when
 * two read like one, the machine has no second core to give and no thread lever can show a gain.
 */
async function calibrateThreads(): Promise<string> {
  const loop = 'let x = 0; for (let i = 0; i < n; i++) x += i % 7;';
  const n = 5e8;
  const busy = new Function('n', loop) as (n: number) => void;
  const worker = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (n) => { ${loop} parentPort.postMessage(x); });`, { eval: true });
  const cores = async (f: () => Promise<unknown> | unknown) => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await f();
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / 1000 / (performance.now() - start);
  };
  const one = await cores(() => busy(n));
  const two = await cores(async () => {
    const done = new Promise((resolve) => worker.once('message', resolve));
    worker.postMessage(n);
    busy(n);
    await done;
  });
  await worker.terminate();
  return `busy JavaScript threads: 1 used ${one.toFixed(2)} cores, 2 used ${two.toFixed(2)}`;
}

async function threadLevers(compare: Compare, model: UNet, rng: Rng, x: tf.Tensor, t: tf.Tensor, c: tf.Tensor) {
  console.log(`(${await calibrateThreads()})`);
  const tables = diffusionTables(makeBetas('linear', 1000));
  const one = new DataParallel(model, tables, 1, 'wasm');
  const two = new DataParallel(model, tables, 2, 'wasm');
  const shard: Shard = {
    images: Float32Array.from({ length: BATCH * 1024 }, () => rng.uniform() * 2 - 1), noise: Float32Array.from({ length: BATCH * 1024 }, () => rng.gaussian()),
    ts: Array.from({ length: BATCH }, () => rng.int(1000)), cond: { values: Int32Array.from({ length: BATCH }, () => rng.int(10)), shape: [BATCH], dtype: 'int32' }, total: BATCH, microBatch: 16,
  };
  await compare('2 data-parallel threads vs 1', () => two.gradients(shard), () => one.gradients(shard));
  await two.syncWeights();
  const x16 = tf.slice(x, 0, 16);
  const [t16, c16] = [tf.slice(t, 0, 16), tf.slice(c, 0, 16)];
  const predict = (p: DataParallel) => async () => (await p.predict(x16, t16 as tf.Tensor1D, c16)).dispose();
  await compare('forward, batch 16: 2 threads vs 1', predict(two), predict(one));
  await Promise.all([one.dispose(), two.dispose()]);
}

main();
