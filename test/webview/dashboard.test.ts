/**
 * The training dashboard in real Chromium: the charts receive every logged point (and a bounded number
 * when there are many), the loss-by-timestep heatmap is coloured by the viridis scale of log10(loss),
 * previews, the log axis and smoothing survive a rebuilt webview, malformed messages are rejected.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { viridis } from '../../engine/eval/viridis';
import { formatValue } from '../../webview/tooltip';
import { THEME_VARS, f32, f64, openPanel, post, shutdown } from './harness';

after(shutdown);

const BUCKETS = 3;
/** bucket b of every point has loss 10^b: log10 spans 0..2, so column b is viridis(b / 2) */
const bucketLoss = (b: number) => 10 ** b;

function metrics(firstStep: number, count: number, reset: boolean, every = 10, extra: Record<string, unknown> = {}) {
  const step = Array.from({ length: count }, (_, i) => firstStep + i * every);
  return {
    type: 'trainMetrics', reset, steps: 1000, buckets: BUCKETS, step: f64(step),
    loss: f64(step.map((s) => 1 / Math.sqrt(s))), lr: f64(step.map((s) => 1e-3 * Math.min(1, s / 100))), gradNorm: f64(step.map(() => 0.5)),
    stepsPerSecond: f64(step.map((s) => 20 + (s % 7))), lossByBucket: f32(step.flatMap(() => Array.from({ length: BUCKETS }, (_, b) => bucketLoss(b)))), ...extra,
  };
}

const label = (page: Page, chart: string) => page.getAttribute(`figure[data-chart=${chart}] canvas`, 'aria-label');

/** Whether a chart's canvas has an opaque pixel within a few levels of the colour (points and lines are anti-aliased). */
function drawsIn(page: Page, chart: string, colour: string): Promise<boolean> {
  const want = colour.match(/\d+/g)!.map(Number);
  return page.$eval(`figure[data-chart=${chart}] canvas`, (c, rgb) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) < 24 && d[i + 3] > 200) return true;
    return false;
  }, want);
}

function pixel(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.$eval(selector, (c, [x, y]) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data), [x, y]);
}

describe('Training dashboard', () => {
  it('plots loss points with a smoothed line, learning rate and throughput, live as batches arrive', async () => {
    const h = await openPanel();
    try {
      await post(h.page, metrics(10, 20, true));
      await h.page.waitForFunction(() => /20 points/.test(document.querySelector('figure[data-chart=loss] canvas')?.getAttribute('aria-label') ?? ''));
      assert.equal(await label(h.page, 'loss'), 'loss (ε-prediction MSE): loss, 20 points; smoothed (0.6), 20 points');
      await post(h.page, metrics(210, 5, false));
      await post(h.page, metrics(260, 5, false));
      await h.page.waitForFunction(() => /30 points/.test(document.querySelector('figure[data-chart=lr] canvas')?.getAttribute('aria-label') ?? ''));
      assert.equal(await label(h.page, 'loss'), 'loss (ε-prediction MSE): loss, 30 points; smoothed (0.6), 30 points');
      assert.equal(await label(h.page, 'throughput'), 'steps per second: steps/s, 30 points');
      const last = 300;
      assert.equal(await h.page.textContent('#dashboard .readouts'), [
        `step ${last} of 1000`, `loss ${formatValue(1 / Math.sqrt(last))} (smoothed ${smoothedLast()})`, `learning rate ${formatValue(1e-3)}`, `${(20 + (last % 7)).toFixed(2)} steps/s`, `gradient norm ${formatValue(0.5)}`,
      ].join(' · '));
      // Hover the loss chart: the raw point and the smoothed value at one step.
      const box = (await h.page.locator('figure[data-chart=loss] canvas').boundingBox())!;
      await h.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
      const tip = h.page.locator('figure[data-chart=loss] .tooltip');
      await tip.waitFor({ state: 'visible' });
      const step = Number((await tip.locator('.title').textContent())!.replace('step ', ''));
      const rows = await tip.locator('.row').evaluateAll((rs) => rs.map((r) => [(r as HTMLElement).dataset.series, r.querySelector('.value')!.textContent]));
      assert.deepEqual(rows[0], ['loss', formatValue(1 / Math.sqrt(step))]);
      // The points in the theme's first chart colour, the smoothed line in its second.
      assert.ok(await drawsIn(h.page, 'loss', THEME_VARS['--vscode-charts-blue']), 'no loss point in the first chart colour');
      assert.ok(await drawsIn(h.page, 'loss', THEME_VARS['--vscode-charts-orange']), 'no smoothed line in the second chart colour');
      assert.deepEqual(await h.cspViolations(), []);
    } finally {
      await h.close();
    }
  });

  it('draws the loss per t bucket over training in viridis of log10(loss), with the loss range in its legend', async () => {
    const h = await openPanel();
    try {
      await post(h.page, metrics(10, 12, true));
      await h.page.waitForFunction(() => (document.querySelector('#profileMap') as HTMLCanvasElement | null)?.height === 12);
      assert.equal(await h.page.$eval('#profileMap', (c) => (c as HTMLCanvasElement).width), BUCKETS);
      for (const row of [0, 5, 11]) {
        for (let b = 0; b < BUCKETS; b++) assert.deepEqual(await pixel(h.page, '#profileMap', b, row), [...viridis(b / 2), 255], `row ${row}, bucket ${b}`);
      }
      assert.equal(await h.page.textContent('#dashboard .profile-legend .min'), '1.00');
      assert.equal(await h.page.textContent('#dashboard .profile-legend .max'), '100');
      assert.equal(await h.page.textContent('#dashboard .profile-axis .first'), 'step 10');
      assert.equal(await h.page.textContent('#dashboard .profile-axis .last'), 'step 120');
    } finally {
      await h.close();
    }
  });

  it('keeps memory bounded: 6000 logged steps become at most 2000 points spanning the whole run', async () => {
    const h = await openPanel();
    try {
      await post(h.page, metrics(1, 3000, true, 1));
      await post(h.page, metrics(3001, 3000, false, 1));
      await h.page.waitForFunction(() => /step 6000 of/.test(document.querySelector('#dashboard .readouts')?.textContent ?? ''));
      const n = Number(/loss, (\d+) points/.exec((await label(h.page, 'loss')) ?? '')![1]);
      assert.ok(n <= 2000 && n >= 1000, `${n} points kept`);
      assert.equal(await h.page.textContent('#dashboard .profile-axis .first'), 'step 1');
    } finally {
      await h.close();
    }
  });

  it('shows the EMA and raw previews side by side, and keeps the log axis and smoothing across a rebuilt webview', async () => {
    const h = await openPanel();
    try {
      const origin = new URL(h.page.url()).origin;
      const png = path.resolve('examples/shapes.png');
      await h.page.route(`${origin}/previews/**`, (route) => route.fulfill({ contentType: 'image/png', body: fs.readFileSync(png) }));
      await post(h.page, metrics(10, 20, true));
      await post(h.page, { type: 'trainPreview', step: 200, ema: `${origin}/previews/step-200.png`, raw: `${origin}/previews/step-200-raw.png` });
      await h.page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.previews img')).every((i) => i.complete && i.naturalWidth > 0));
      assert.deepEqual(await h.page.$$eval('.previews figcaption', (fs) => fs.map((f) => f.textContent)), ['EMA weights, step 200', 'raw weights, step 200']);
      await h.page.locator('#dashLogY').check();
      await h.page.locator('#dashSmoothing').fill('0.9');
      await h.page.waitForFunction(() => /smoothed \(0\.9\)/.test(document.querySelector('figure[data-chart=loss] canvas')?.getAttribute('aria-label') ?? ''));
      await h.reload();
      await post(h.page, metrics(10, 20, true));
      await h.page.waitForFunction(() => /20 points/.test(document.querySelector('figure[data-chart=loss] canvas')?.getAttribute('aria-label') ?? ''));
      assert.equal(await h.page.isChecked('#dashLogY'), true);
      assert.equal(await h.page.inputValue('#dashSmoothing'), '0.9');
      assert.match((await label(h.page, 'loss')) ?? '', /smoothed \(0\.9\), 20 points/);
      assert.deepEqual(await h.cspViolations(), []);
    } finally {
      await h.close();
    }
  });

  it('rejects malformed metrics (steps out of order, a column of the wrong length, a JSON array) and keeps working', async () => {
    const h = await openPanel();
    try {
      const bad = metrics(10, 3, true);
      await post(h.page, { ...bad, step: f64([30, 20, 10]) });
      await post(h.page, { ...bad, lr: f64([1e-3]) });
      await post(h.page, { ...bad, lossByBucket: [1, 2, 3, 1, 2, 3, 1, 2, 3] });
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'panelError').length === 3);
      const errors = (await h.posted()).filter((m) => m.type === 'panelError').map((m) => String(m.message));
      assert.match(errors[0], /field 'step' must hold increasing integer steps/);
      assert.match(errors[1], /field 'lr' is a Float64Array of 1; expected a Float64Array of 3 values/);
      assert.match(errors[2], /field 'lossByBucket' is an array of 9; expected a Float32Array of 3 x 3 values/);
      assert.equal(await h.page.isHidden('#dashboard'), true);
      await post(h.page, metrics(10, 3, true));
      await h.page.waitForFunction(() => /3 points/.test(document.querySelector('figure[data-chart=loss] canvas')?.getAttribute('aria-label') ?? ''));
    } finally {
      await h.close();
    }
  });
});

/** The smoothed value the readout shows, computed here from the same losses (steps 10..200, then 210..300). */
function smoothedLast(): string {
  const losses = [...Array.from({ length: 20 }, (_, i) => 10 + i * 10), ...Array.from({ length: 10 }, (_, i) => 210 + i * 10)].map((s) => 1 / Math.sqrt(s));
  let s = 0;
  losses.forEach((x) => (s = 0.6 * s + 0.4 * x));
  return formatValue(s / (1 - 0.6 ** losses.length));
}
