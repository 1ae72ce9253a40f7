import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { UNet } from '../engine/nn/unet';
import { presetConfig } from '../engine/nn/presets';
import { Rng } from '../engine/random';
(async () => {
  await initBackend('wasm');
  for (const cond of ['none', 'class'] as const) {
    const m = new UNet(presetConfig('small', { imageSize: 32, channels: 1, cond, numClasses: 10 }), new Rng(0));
    console.log(cond, m.params.count, m.macsPerSample());
  }
  const model = new UNet(presetConfig('small', { imageSize: 32, channels: 1, cond: 'class', numClasses: 10 }), new Rng(0));
  const vars = model.params.list();
  const B = Number(process.env.B ?? 32);
  const x = new Rng(1).normal([B, 32, 32, 1]);
  const t = tf.tensor1d(Array.from({ length: B }, (_, i) => (i * 37) % 1000), 'int32');
  const c = tf.tensor1d(Array.from({ length: B }, (_, i) => i % 10), 'int32');
  const step = () => { const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(model.predict(x, t, c), x))) as tf.Scalar, vars); value.dataSync(); tf.dispose([value, ...Object.values(grads)]); };
  const fwd = () => tf.tidy(() => { model.predict(x, t, c).dataSync(); });
  step(); fwd();
  const med=(f:()=>void)=>{const a:number[]=[];for(let i=0;i<3;i++){const t0=performance.now();f();a.push(performance.now()-t0);}return a.sort((p,q)=>p-q)[1];}; console.log('step ms', med(step), 'fwd', med(fwd), 'rss MB', process.memoryUsage().rss/1e6, 'per-sample ms', med(step)/B); if (process.env.QUIT) process.exit(0); let t0=0;
  t0 = performance.now(); fwd(); console.log('fwd ms', performance.now() - t0);
  const which = process.env.WHICH ?? 'step';
  const prof = await tf.profile(() => { which === 'step' ? step() : fwd(); });
  const agg = new Map<string, { ms: number; n: number }>();
  for (const k of prof.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes?.map(s=>s)).slice(0, 0); const a = agg.get(key) ?? { ms: 0, n: 0 }; a.ms += k.kernelTimeMs as number; a.n++; agg.set(key, a); }
  const tot = [...agg.values()].reduce((s, a) => s + a.ms, 0);
  console.log('total kernel ms', tot.toFixed(0), 'kernels', prof.kernels.length);
  for (const [k, a] of [...agg].sort((p, q) => q[1].ms - p[1].ms).slice(0, 25)) console.log(k.padEnd(30), a.ms.toFixed(1), a.n);
  if (process.env.DETAIL) {
    const det = new Map<string, { ms: number; n: number }>();
    for (const k of prof.kernels) { if (k.name !== process.env.DETAIL) continue; const key = JSON.stringify(k.inputShapes) ; const a = det.get(key) ?? { ms: 0, n: 0 }; a.ms += k.kernelTimeMs as number; a.n++; det.set(key, a); }
    for (const [k, a] of [...det].sort((p, q) => q[1].ms - p[1].ms).slice(0, 30)) console.log(k.padEnd(60), a.ms.toFixed(1), a.n);
  }
})();
