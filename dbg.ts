import { initBackend } from './engine/backend';
import { openDataset } from './engine/data';
import { lossProfile } from './engine/eval/lossProfile';
import { loadRun } from './engine/train/load';
(async () => {
  await initBackend('wasm');
  for (const w of ['raw', 'ema'] as const) {
    const r = loadRun('/work/runs/shapes-text', w);
    const ds = await openDataset('shapes', { imageSize: 16 });
    const p = await lossProfile(r.model, r.manifest, r.tables, ds, 32);
    console.log(w, r.step, p.mse.map((v) => v.toFixed(3)).join(' '));
  }
})();
