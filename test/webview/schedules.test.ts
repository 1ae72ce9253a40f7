/**
 * The Schedules panel in real Chromium: three charts (beta, alphaBar, log-SNR) with every schedule overlaid,
 * theme colours from --vscode-* variables, and hover tooltips that show the values that were sent.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import * as path from 'node:path';
import { scheduleCurves } from '../../extension/commands/schedules';
import { formatValue } from '../../webview/tooltip';
import { SCREENSHOTS, THEME_VARS, f64, openPanel, post, shutdown } from './harness';

after(shutdown);

const T = 1000;
/** Curves with values known at every t, so a tooltip's numbers can be checked from its t alone. */
const curve = (f: (t: number) => number) => f64(Array.from({ length: T }, (_, t) => f(t)));
const SCHEDULES = [
  { name: 'ramp', betas: curve((t) => (t + 1) / T), alphasCumprod: curve((t) => 1 - t / T), logSnr: curve((t) => 10 - t / 50) },
  { name: 'flat', betas: curve(() => 0.02), alphasCumprod: curve(() => 0.25), logSnr: curve(() => -3) },
];

const QUANTITIES = ['betas', 'alphasCumprod', 'logSnr'];
/** The theme's first two chart colours: the first schedule's line and the second's. */
const BLUE = THEME_VARS['--vscode-charts-blue'];
const ORANGE = THEME_VARS['--vscode-charts-orange'];

/** Whether a chart's canvas has an opaque pixel within a few levels of the colour (lines are anti-aliased). */
async function drawsIn(page: Page, quantity: string, colour: string): Promise<boolean> {
  const want = colour.match(/\d+/g)!.map(Number);
  return page.$eval(`figure[data-quantity=${quantity}] canvas`, (c, rgb) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) < 24 && d[i + 3] > 200) return true;
    return false;
  }, want);
}

describe('Schedules panel', () => {
  it('plots beta, alphaBar and log-SNR of every schedule, in theme colours, with exact values on hover', async () => {
    const h = await openPanel();
    try {
      await post(h.page, { type: 'schedules', T, schedules: SCHEDULES });
      await h.page.waitForSelector('#schedules figure[data-quantity=logSnr] canvas');
      assert.deepEqual(await h.page.$$eval('#schedules figure', (fs) => fs.map((f) => (f as HTMLElement).dataset.quantity)), ['betas', 'alphasCumprod', 'logSnr']);
      // Hover the middle of the alphaBar chart: the tooltip names a t and both schedules' values there.
      const box = (await h.page.locator('figure[data-quantity=alphasCumprod] canvas').boundingBox())!;
      await h.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const tip = h.page.locator('figure[data-quantity=alphasCumprod] .tooltip');
      await tip.waitFor({ state: 'visible' });
      const t = Number((await tip.locator('.title').textContent())!.replace('t = ', ''));
      // The middle of an axis from 0 to 999 is near t = 500; the plot area's left margin (tick labels) shifts it a little.
      assert.ok(t > 400 && t < 600, `hovered t = ${t}`);
      const rows = await tip.locator('.row').evaluateAll((rs) => rs.map((r) => [(r as HTMLElement).dataset.series, r.querySelector('.value')!.textContent, (r.querySelector('.swatch') as HTMLElement).style.background]));
      assert.deepEqual(rows, [
        ['ramp', (1 - t / T).toPrecision(6), THEME_VARS['--vscode-charts-blue']],
        ['flat', '0.250000', THEME_VARS['--vscode-charts-orange']],
      ]);
      // Every chart draws each schedule in its theme colour: look for a pixel close to it (lines are anti-aliased).
      for (const q of QUANTITIES) {
        for (const colour of [BLUE, ORANGE]) assert.ok(await drawsIn(h.page, q, colour), `the ${q} chart has no line in ${colour}`);
      }
      assert.deepEqual(await h.cspViolations(), [], 'chart.js must run under the panel CSP');
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'schedules-dark.png'), fullPage: true });
    } finally {
      await h.close();
    }
  });

  it("plots the engine's four schedules as the command sends them, hover showing the engine's own float64 values", async () => {
    const h = await openPanel();
    try {
      const msg = scheduleCurves(T);
      await post(h.page, { ...msg, schedules: msg.schedules.map((c) => ({ name: c.name, betas: f64([...c.betas]), alphasCumprod: f64([...c.alphasCumprod]), logSnr: f64([...c.logSnr]) })) });
      await h.page.waitForSelector('#schedules figure[data-quantity=logSnr] canvas');
      const box = (await h.page.locator('figure[data-quantity=logSnr] canvas').boundingBox())!;
      await h.page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
      const tip = h.page.locator('figure[data-quantity=logSnr] .tooltip');
      await tip.waitFor({ state: 'visible' });
      const t = Number((await tip.locator('.title').textContent())!.replace('t = ', ''));
      const rows = await tip.locator('.row').evaluateAll((rs) => rs.map((r) => [(r as HTMLElement).dataset.series, r.querySelector('.value')!.textContent]));
      assert.deepEqual(rows, msg.schedules.map((c) => [c.name, formatValue(c.logSnr[t])]));
      assert.deepEqual((await h.posted()).filter((m) => m.type === 'panelError'), []);
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'schedules-engine-dark.png'), fullPage: true });
    } finally {
      await h.close();
    }
  });

  it('hides a schedule unticked in the legend from every chart, and keeps it hidden when the webview is rebuilt', async () => {
    const h = await openPanel();
    try {
      await post(h.page, { type: 'schedules', T, schedules: SCHEDULES });
      await h.page.locator('#schedules .legend label[data-series=flat] input').uncheck();
      for (const q of QUANTITIES) {
        assert.equal(await drawsIn(h.page, q, ORANGE), false, `the ${q} chart still draws the hidden schedule`);
        assert.equal(await drawsIn(h.page, q, BLUE), true, `the ${q} chart lost the shown schedule`);
      }
      // VS Code rebuilds a hidden webview when it is shown again; the extension resends the curves on 'ready'.
      await h.reload();
      await post(h.page, { type: 'schedules', T, schedules: SCHEDULES });
      await h.page.waitForSelector('#schedules figure[data-quantity=logSnr] canvas');
      assert.equal(await h.page.locator('#schedules .legend label[data-series=flat] input').isChecked(), false);
      assert.equal(await h.page.locator('#schedules .legend label[data-series=ramp] input').isChecked(), true);
      for (const q of QUANTITIES) {
        assert.equal(await drawsIn(h.page, q, ORANGE), false, `after the reload the ${q} chart draws the hidden schedule`);
        assert.equal(await drawsIn(h.page, q, BLUE), true);
      }
    } finally {
      await h.close();
    }
  });

  it('redraws in the new colours when VS Code switches the theme', async () => {
    const h = await openPanel();
    try {
      await post(h.page, { type: 'schedules', T, schedules: SCHEDULES });
      await h.page.waitForSelector('#schedules figure[data-quantity=logSnr] canvas');
      const LIGHT_BLUE = 'rgb(0, 90, 180)';
      // What VS Code does on a theme change: new variable values, then a new class on the body.
      await h.page.evaluate((c) => {
        document.documentElement.style.setProperty('--vscode-charts-blue', c);
        document.body.className = 'vscode-light';
      }, LIGHT_BLUE);
      await h.page.waitForFunction((c) => (document.querySelector('#schedules .legend .swatch') as HTMLElement).style.background === c, LIGHT_BLUE);
      for (const q of QUANTITIES) {
        assert.equal(await drawsIn(h.page, q, LIGHT_BLUE), true, `the ${q} chart kept the old colour`);
        assert.equal(await drawsIn(h.page, q, BLUE), false, `the ${q} chart still draws the old colour`);
      }
    } finally {
      await h.close();
    }
  });

  it('rejects a schedule whose curve does not have T values, and still plots a good message after it', async () => {
    const h = await openPanel();
    try {
      await post(h.page, { type: 'schedules', T, schedules: [{ ...SCHEDULES[0], logSnr: f64([1, 2, 3]) }] });
      await post(h.page, { type: 'schedules', T, schedules: [{ ...SCHEDULES[0], betas: Array(T).fill(0.1) }] });
      await post(h.page, { type: 'schedules', T, schedules: [{ ...SCHEDULES[0], alphasCumprod: curve((t) => (t === 7 ? NaN : 0.5)) }] });
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'panelError').length === 3);
      const errors = (await h.posted()).filter((m) => m.type === 'panelError').map((m) => String(m.message));
      assert.match(errors[0], /schedules\[0\]: field 'logSnr' has 3 values but T = 1000/);
      assert.match(errors[1], /field 'betas' is an array of 1000; expected a Float64Array/);
      assert.match(errors[2], /field 'alphasCumprod' holds NaN at t = 7/);
      assert.equal(await h.page.isHidden('#schedules'), true);
      await post(h.page, { type: 'schedules', T, schedules: SCHEDULES });
      await h.page.waitForSelector('#schedules figure[data-quantity=betas] canvas');
    } finally {
      await h.close();
    }
  });
});
