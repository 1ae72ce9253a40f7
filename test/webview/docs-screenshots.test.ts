/**
 * The README's screenshots of the error heatmaps and the training dashboard, from a real run:
 * `DLENS_DOCS_RUN=<run folder> DLENS_DOCS_SCREENSHOTS=1 node --import tsx --test test/webview/docs-screenshots.test.ts`
 * (the run needs two checkpoints and previews). Without DLENS_DOCS_RUN it skips: it makes pictures, it proves nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { initBackend } from '../../engine/backend';
import { heatmapMessage, runHeatmaps } from '../../engine/eval/heatmapRun';
import { listCheckpoints } from '../../engine/run/checkpoint';
import { readManifest } from '../../engine/run/manifest';
import { readMetricsLog } from '../../engine/run/metricsLog';
import { metricsMessage } from '../../engine/run/trainHistory';
import { f32, f64, openPanel, post, shutdown } from './harness';
import { LIGHT_THEME, docsScreenshot } from './screenshots';

after(shutdown);

const RUN = process.env.DLENS_DOCS_RUN;

/** Typed arrays as the harness's JSON stand-ins. */
function asJson(v: unknown): unknown {
  if (v instanceof Float32Array) return f32(Array.from(v));
  if (v instanceof Float64Array) return f64(Array.from(v));
  if (Array.isArray(v)) return v.map(asJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asJson(x)]));
  return v;
}

async function both(page: Page, name: string): Promise<void> {
  await docsScreenshot(page, `${name}-dark.png`);
  await page.evaluate((vars) => {
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
    document.body.className = 'vscode-light';
  }, LIGHT_THEME);
  await docsScreenshot(page, `${name}-light.png`);
}

describe('README screenshots', { skip: RUN ? false : 'set DLENS_DOCS_RUN to a run folder to make them' }, () => {
  it('error heatmaps: the newest checkpoint (EMA) beside an older one', async () => {
    await initBackend('wasm');
    const steps = listCheckpoints(RUN!);
    const o = { timesteps: [50, 250, 500, 750, 950], count: 3, seed: 0 };
    const a = await runHeatmaps({ runDir: RUN!, weights: 'ema' }, o);
    const b = await runHeatmaps({ runDir: RUN!, weights: 'ema', step: steps[0] }, o);
    const h = await openPanel();
    try {
      await post(h.page, { type: 'header', title: `Noise-prediction error: ${path.basename(RUN!)}`, lines: [`|ε̂ − ε| per pixel on 3 real images; left: newest checkpoint, right: step ${steps[0]}`] });
      await post(h.page, asJson(heatmapMessage(0, 2, a)));
      await post(h.page, asJson(heatmapMessage(1, 2, b)));
      await h.page.waitForSelector('.heat-model[data-column="1"] canvas[data-kind=error]');
      await both(h.page, 'heatmaps');
    } finally {
      await h.close();
    }
  });

  it('training dashboard: the recorded metrics and the newest previews', async () => {
    const m = readManifest(RUN!);
    const log = readMetricsLog(RUN!);
    const previews = fs.readdirSync(path.join(RUN!, 'previews')).filter((f) => /^step-\d+\.png$/.test(f)).sort();
    const newest = previews[previews.length - 1];
    const h = await openPanel();
    try {
      const origin = new URL(h.page.url()).origin;
      await h.page.route(`${origin}/previews/**`, (route) => route.fulfill({ contentType: 'image/png', body: fs.readFileSync(path.join(RUN!, 'previews', path.basename(new URL(route.request().url()).pathname))) }));
      await post(h.page, { type: 'header', title: `Training ${path.basename(RUN!)}`, lines: [`${m.preset} U-Net, conditioning ${m.model.cond}; ${m.dataset.spec} ${m.dataset.imageSize}px; batch ${m.training.batchSize}`] });
      await post(h.page, asJson(metricsMessage(log.points, m.training.steps, true)));
      await post(h.page, { type: 'trainPreview', step: Number(/\d+/.exec(newest)![0]), ema: `${origin}/previews/${newest}`, raw: `${origin}/previews/${newest.replace('.png', '-raw.png')}` });
      await h.page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.previews img')).every((i) => i.complete && i.naturalWidth > 0));
      await both(h.page, 'dashboard');
    } finally {
      await h.close();
    }
  });
});
