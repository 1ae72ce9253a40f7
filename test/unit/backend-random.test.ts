import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, initBackend } from '../../engine/backend';
import { Rng } from '../../engine/random';
import { values } from '../helpers';

const installed = (pkg: string) => {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
};
const gpuDevice = ['/dev/dri', '/dev/nvidiactl', '/dev/dxg'].some((p) => fs.existsSync(p));

describe('backend selection', () => {
  it('auto picks the best available backend, makes it active, and says why each other was passed over', async () => {
    const report = await initBackend('auto');
    assert.deepEqual(report.attempts.map((a) => a.backend).sort(), [...BACKENDS].sort());
    const chosen = report.attempts.filter((a) => a.status === 'chosen');
    assert.equal(chosen.length, 1);
    assert.equal(chosen[0].backend, report.backend);
    assert.equal(tf.getBackend(), report.backend);
    for (const a of report.attempts) assert.ok(a.reason.length > 0, `${a.backend} has no reason`);
    // Everything ranked above the chosen one was tried and rejected, in order.
    const rank = BACKENDS.indexOf(report.backend);
    for (const name of BACKENDS.slice(0, rank)) {
      assert.ok(['skipped', 'failed'].includes(report.attempts.find((a) => a.backend === name)!.status), name);
    }
    if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu')) {
      assert.match(report.attempts.find((a) => a.backend === 'tensorflow')!.reason, /not installed/);
    }
  });

  it('can be forced to cpu, and refuses an unavailable or unknown backend with a fix', async () => {
    assert.equal((await initBackend('cpu')).backend, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu')) {
      await assert.rejects(initBackend('tensorflow'), /Backend 'tensorflow' is not available.*Fix: choose 'auto'/);
    }
    await assert.rejects(initBackend('metal'), /Unknown backend 'metal'.*auto, tensorflow, webgpu, wasm, cpu/);
    assert.equal((await initBackend('wasm')).backend, 'wasm');
  });

  it('runs on webgpu where a GPU adapter exists', { skip: gpuDevice ? false : 'no GPU device on this machine (no /dev/dri, /dev/nvidiactl or /dev/dxg), so no WebGPU adapter' }, async () => {
    const report = await initBackend('webgpu');
    assert.equal(report.backend, 'webgpu');
    const y = tf.matMul(tf.eye(3), tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]]));
    assert.deepEqual(await values(y), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('seeded random source', () => {
  it('replays the same draws for the same seed, on any backend', async () => {
    await initBackend('wasm');
    const onWasm = await values(new Rng(42).normal([1000]));
    const again = await values(new Rng(42).normal([1000]));
    await initBackend('cpu');
    const onCpu = await values(new Rng(42).normal([1000]));
    await initBackend('wasm');
    assert.deepEqual(again, onWasm);
    assert.deepEqual(onCpu, onWasm);
    assert.notDeepEqual(await values(new Rng(43).normal([1000])), onWasm);
  });

  it('draws standard normals (moments of 100k draws)', async () => {
    const xs = await values(new Rng(1).normal([100000]));
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
    // s.e. of the mean 0.0032, of the variance 0.0045
    assert.ok(Math.abs(m) < 0.016 && Math.abs(v - 1) < 0.025, `mean ${m}, var ${v}`);
  });

  it('rejects a non-integer seed', () => {
    assert.throws(() => new Rng(1.5), /Seed must be an integer, got 1.5/);
  });
});
