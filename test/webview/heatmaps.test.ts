/**
 * The error-heatmap panel in real Chromium: maps coloured by the viridis scale (read back pixel by pixel),
 * one legend with the range of every map, x_0 and x_t beside them, both loss-vs-t curves in one chart.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { viridis } from '../../engine/eval/viridis';
import { formatValue } from '../../webview/tooltip';
import { SCREENSHOTS, f32, openPanel, post, shutdown } from './harness';
import { LIGHT_THEME, docsScreenshot } from './screenshots';

after(shutdown);

const N = 2;
const H = 8;
const W = 8;
const TIMESTEPS = [50, 500, 950];
const PX = H * W;
/** error of model `column` at timestep row ti, image i, pixel p: a ramp, so every pixel's colour is known */
const errorAt = (column: number, ti: number, i: number, p: number) => (column + 1) * (ti + 1) * (i + 1) * (p / (PX - 1)) * 0.1;
/** greyscale images: x_0 is a ramp from -1 to 1; x_t is x_0 scaled towards 0 as t grows */
const x0At = (i: number, p: number) => -1 + (2 * p) / (PX - 1) - i * 0.1;

function message(column: number, columns = 2, extra: Record<string, unknown> = {}) {
  const x0: number[] = [];
  for (let i = 0; i < N; i++) for (let p = 0; p < PX; p++) x0.push(x0At(i, p));
  const xt: number[] = [];
  const error: number[] = [];
  TIMESTEPS.forEach((t, ti) => {
    for (let i = 0; i < N; i++) for (let p = 0; p < PX; p++) {
      xt.push(x0At(i, p) * (1 - t / 1000));
      error.push(errorAt(column, ti, i, p));
    }
  });
  return {
    type: 'heatmap', column, columns, label: column === 0 ? 'run-a (EMA, step 600)' : 'run-a (raw, step 600)', timesteps: TIMESTEPS,
    x0: { shape: [N, H, W, 1], data: f32(x0) }, xt: { shape: [TIMESTEPS.length * N, H, W, 1], data: f32(xt) }, error: { shape: [TIMESTEPS.length * N, H, W, 1], data: f32(error) },
    mseAt: [0.9, 0.2, 0.05].map((v) => v * (column + 1)), profileT: [100, 300, 500, 700, 900], profileMse: [0.8, 0.3, 0.15, 0.08, 0.04].map((v) => v * (column + 1)), ...extra,
  };
}

/** RGBA of pixel p of a canvas, read from its backing store. */
function pixel(page: Page, selector: string, p: number): Promise<number[]> {
  return page.$eval(selector, (c, p) => {
    const canvas = c as HTMLCanvasElement;
    return Array.from(canvas.getContext('2d')!.getImageData(p % canvas.width, Math.floor(p / canvas.width), 1, 1).data);
  }, p);
}

const mapSelector = (column: number, t: number, i: number) => `.heat-model[data-column="${column}"] canvas[data-kind=error][data-t="${t}"][data-image="${i}"]`;

describe('Error heatmaps panel', () => {
  it('colours every map on one shared viridis scale from 0 to the largest error of both models, with that range in the legend', async () => {
    const h = await openPanel();
    try {
      await post(h.page, message(0));
      await post(h.page, message(1));
      await h.page.waitForSelector(mapSelector(1, 950, 1));
      const max = errorAt(1, 2, 1, PX - 1);
      assert.equal(await h.page.textContent('.heat-legend .shared .min'), '0.00');
      assert.equal(await h.page.textContent('.heat-legend .shared .max'), max.toPrecision(3));
      for (const [column, ti, i, p] of [[0, 0, 0, 0], [0, 1, 1, 21], [1, 2, 1, PX - 1], [1, 0, 0, 40], [0, 2, 1, 63]]) {
        const want = [...viridis(errorAt(column, ti, i, p) / max), 255];
        assert.deepEqual(await pixel(h.page, mapSelector(column, TIMESTEPS[ti], i), p), want, `map ${column}/${TIMESTEPS[ti]}/${i} pixel ${p}`);
      }
      // The legend bar itself runs from the scale's first colour to its last.
      assert.deepEqual(await pixel(h.page, '.heat-legend .shared canvas', 0), [...viridis(0), 255]);
      assert.deepEqual(await pixel(h.page, '.heat-legend .shared canvas', 255), [...viridis(1), 255]);
      // Beside each map: x_0 (top row) and x_t, drawn from [-1, 1] to 0..255.
      const grey = (v: number) => Math.round((v + 1) * 127.5);
      assert.deepEqual(await pixel(h.page, '.heat-model[data-column="0"] canvas[data-kind=x0][data-image="1"]', 30), [grey(x0At(1, 30)), grey(x0At(1, 30)), grey(x0At(1, 30)), 255]);
      const xt = x0At(0, 50) * (1 - 500 / 1000);
      assert.deepEqual(await pixel(h.page, '.heat-model[data-column="0"] canvas[data-kind=xt][data-t="500"][data-image="0"]', 50), [grey(xt), grey(xt), grey(xt), 255]);
      assert.deepEqual(await h.page.$$eval('.heat-model h3', (hs) => hs.map((x) => x.textContent)), ['run-a (EMA, step 600)', 'run-a (raw, step 600)']);
      assert.deepEqual(await h.page.$$eval('.heat-model[data-column="1"] .row-label', (ls) => ls.map((l) => l.textContent)), ['x₀', 't = 50\nMSE 1.80', 't = 500\nMSE 0.400', 't = 950\nMSE 0.100']);
      assert.deepEqual(await h.cspViolations(), []);
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'heatmaps-dark.png'), fullPage: true });
      await docsScreenshot(h.page, 'heatmaps-dark.png');
      await h.page.evaluate((vars) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body.className = 'vscode-light';
      }, LIGHT_THEME);
      await docsScreenshot(h.page, 'heatmaps-light.png');
    } finally {
      await h.close();
    }
  });

  it("overlays both models' loss-vs-t curves: hovering shows each model's MSE at the bucket", async () => {
    const h = await openPanel();
    try {
      await post(h.page, message(0));
      await post(h.page, message(1));
      const canvas = h.page.locator('figure[data-chart=lossProfile] canvas');
      await h.page.waitForFunction(() => /2 models|and/.test(document.querySelector('figure[data-chart=lossProfile] canvas')?.getAttribute('aria-label') ?? ''));
      assert.equal(await canvas.getAttribute('aria-label'), 'noise-prediction MSE against t for run-a (EMA, step 600) (5 buckets) and run-a (raw, step 600) (5 buckets)');
      const box = (await canvas.boundingBox())!;
      await h.page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2);
      const tip = h.page.locator('figure[data-chart=lossProfile] .tooltip');
      await tip.waitFor({ state: 'visible' });
      const t = Number((await tip.locator('.title').textContent())!.replace('t = ', ''));
      const k = [100, 300, 500, 700, 900].indexOf(t);
      assert.ok(k >= 0, `hovered t = ${t}`);
      const rows = await tip.locator('.row').evaluateAll((rs) => rs.map((r) => [(r as HTMLElement).dataset.series, r.querySelector('.value')!.textContent]));
      const base = [0.8, 0.3, 0.15, 0.08, 0.04][k];
      assert.deepEqual(rows, [['run-a (EMA, step 600)', formatValue(base)], ['run-a (raw, step 600)', formatValue(base * 2)]]);
    } finally {
      await h.close();
    }
  });

  it('switches to a colour scale per model, and keeps that choice when the webview is rebuilt', async () => {
    const h = await openPanel();
    try {
      await post(h.page, message(0));
      await post(h.page, message(1));
      await h.page.locator('#heatPerModel').check();
      const max0 = errorAt(0, 2, 1, PX - 1);
      const check = async () => {
        assert.equal(await h.page.isHidden('.heat-legend .shared'), true);
        assert.equal(await h.page.textContent('.heat-model[data-column="0"] .legend-row .max'), max0.toPrecision(3));
        // model 0's largest error is now the top of its own scale
        assert.deepEqual(await pixel(h.page, mapSelector(0, 950, 1), PX - 1), [...viridis(1), 255]);
      };
      await check();
      await h.reload();
      await post(h.page, message(0));
      await post(h.page, message(1));
      await h.page.waitForSelector(mapSelector(1, 950, 1));
      assert.equal(await h.page.isChecked('#heatPerModel'), true);
      await check();
    } finally {
      await h.close();
    }
  });

  it('rejects maps of the wrong shape or with negative errors, and still draws a good message after them', async () => {
    const h = await openPanel();
    try {
      await post(h.page, message(0, 2, { error: { shape: [2, H, W, 1], data: f32(Array(2 * PX).fill(0.1)) } }));
      await post(h.page, message(0, 2, { error: { shape: [TIMESTEPS.length * N, H, W, 1], data: f32(Array(TIMESTEPS.length * N * PX).fill(-1)) } }));
      await post(h.page, message(0, 2, { x0: { shape: [N, H, W, 1], data: Array(N * PX).fill(0) } }));
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'panelError').length === 3);
      const errors = (await h.posted()).filter((m) => m.type === 'panelError').map((m) => String(m.message));
      assert.match(errors[0], /field 'error' has shape \[2, 8, 8, 1\]; with 3 timesteps and x0 \[2, 8, 8, 1\] it must be \[6, 8, 8, 1\]/);
      assert.match(errors[1], /field 'error' holds -1 at index 0/);
      assert.match(errors[2], /never as a JSON array of numbers/);
      assert.equal(await h.page.isHidden('#heatmaps'), true);
      await post(h.page, message(0, 1));
      await h.page.waitForSelector(mapSelector(0, 50, 0));
    } finally {
      await h.close();
    }
  });
});
