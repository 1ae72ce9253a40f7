/**
 * `node --import tsx bench/profile.ts [train|forward] [batch] [kernel]`: where the time of one training
 * step (or forward pass) of the `small` U-Net goes, per TensorFlow.js kernel (tf.profile), on the wasm
 * backend. With a kernel name, that kernel's time per input shape. Kernel times of a customGrad scope
 * ("unnamed scope") include the kernels inside it.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { presetConfig } from '../engine/nn/presets';
import { UNet } from '../engine/nn/unet';
import { Rng } from '../engine/random';

async function main() {
  const [what = 'train', batch = '32', detail] = process.argv.slice(2);
  await initBackend('wasm');
  const model = new UNet(presetConfig('small', { imageSize: 32, channels: 1, cond: 'class', numClasses: 10 }), new Rng(0));
  const vars = model.params.list();
  const B = Number(batch);
  const x = new Rng(1).normal([B, 32, 32, 1]);
  const t = tf.tensor1d(Array.from({ length: B }, (_, i) => (i * 37) % 1000), 'int32');
  const c = tf.tensor1d(Array.from({ length: B }, (_, i) => i % 10), 'int32');
  const run = () => {
    if (what === 'forward') return tf.tidy(() => void model.predict(x, t, c).dataSync());
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(model.predict(x, t, c), x))) as tf.Scalar, vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  run(); // warm-up: kernel set-up and heap growth
  const start = performance.now();
  run();
  console.log(`${what}, batch ${B}: ${(performance.now() - start).toFixed(0)} ms wall`);
  const profile = await tf.profile(run);
  const sum = (keyOf: (k: (typeof profile.kernels)[number]) => string | undefined) => {
    const by = new Map<string, { ms: number; n: number }>();
    for (const k of profile.kernels) {
      const key = keyOf(k);
      if (key === undefined) continue;
      const a = by.get(key) ?? { ms: 0, n: 0 };
      a.ms += k.kernelTimeMs as number;
      a.n++;
      by.set(key, a);
    }
    return [...by].sort((p, q) => q[1].ms - p[1].ms).slice(0, 30);
  };
  const rows = detail ? sum((k) => (k.name === detail ? JSON.stringify(k.inputShapes) : undefined)) : sum((k) => k.name);
  for (const [key, a] of rows) console.log(`${key.padEnd(50)} ${a.ms.toFixed(1).padStart(9)} ms  x${a.n}`);
}

main();
