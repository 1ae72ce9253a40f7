/**
 * The forward-process strips under the schedule plots, in real Chromium: the built-in example image noised
 * by the engine's forward job under every schedule (the same noise for each), read back from its record as
 * the extension does, five images per schedule drawn from the Float32 payloads, and hover showing t,
 * alphaBar_t and SNR.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ForwardJob, ForwardStripMessage } from '../../engine/protocol';
import { forwardJob } from '../../engine/runner/forwardJob';
import { SCHEDULE_NAMES } from '../../engine/schedules';
import { scheduleCurves } from '../../extension/commands/schedules';
import { STRIP_TIMESTEPS, stripFromRecord } from '../../extension/forwardStrips';
import { formatValue } from '../../webview/tooltip';
import { backend } from '../helpers';
import { type PanelHarness, canvasPixels, expectedPixels, f32, f64, openPanel, post, shutdown } from './harness';
import { DARK_THEME, DOCS, LIGHT_THEME, useTheme } from './themes';

const T = 1000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-strips-'));
after(async () => {
  await shutdown();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Every schedule's strip, computed by the engine's forward job and read back from its record. */
const strips: ForwardStripMessage[] = [];
before(async () => {
  await backend();
  const ctx = { signal: new AbortController().signal, log: () => undefined, progress: () => undefined, preview: () => undefined, frame: () => undefined, cell: () => undefined, heatmap: () => undefined, doctorReport: () => undefined };
  for (const schedule of SCHEDULE_NAMES) {
    const job: ForwardJob = { kind: 'forward', backend: 'wasm', outDir: path.join(tmp, schedule), image: path.resolve('examples/shapes.png'), size: 64, schedule, T, timesteps: STRIP_TIMESTEPS, seed: 0 };
    const outcome = await forwardJob(job, ctx);
    assert.equal(outcome.status, 'completed');
    strips.push(stripFromRecord(job));
  }
});

const asJson = (s: ForwardStripMessage) => ({ ...s, images: { shape: s.images.shape, data: f32([...s.images.data]) } });
const curvesJson = () => {
  const msg = scheduleCurves(T);
  return { ...msg, schedules: msg.schedules.map((c) => ({ name: c.name, betas: f64([...c.betas]), alphasCumprod: f64([...c.alphasCumprod]), logSnr: f64([...c.logSnr]) })) };
};

async function showAll(h: PanelHarness): Promise<void> {
  await post(h.page, curvesJson());
  for (const s of strips) await post(h.page, asJson(s));
  await h.page.waitForFunction((n) => document.querySelectorAll('.strip').length === n, strips.length);
}

describe('forward-process strips under the schedule plots', () => {
  it('draws five images per schedule, t = 0, 250, 500, 750, 999, whose pixels are the payloads', async () => {
    const h = await openPanel();
    try {
      await showAll(h);
      assert.deepEqual(await h.page.$$eval('.strip', (ss) => ss.map((s) => (s as HTMLElement).dataset.schedule)), [...SCHEDULE_NAMES]);
      for (const [si, s] of strips.entries()) {
        assert.deepEqual(s.images.shape, [5, 64, 64, 3]);
        const ts = await h.page.$$eval(`.strip:nth-of-type(${si + 1}) figure`, (fs) => fs.map((f) => Number((f as HTMLElement).dataset.t)));
        assert.deepEqual(ts, [0, 250, 500, 750, 999]);
        for (let i = 0; i < 5; i++) {
          const got = await canvasPixels(h.page, `.strip[data-schedule="${s.schedule}"] figure[data-t="${STRIP_TIMESTEPS[i]}"] canvas`);
          const size = 64 * 64 * 3;
          assert.deepEqual(got, expectedPixels(s.images.data.subarray(i * size, (i + 1) * size), 3), `${s.schedule}, t = ${STRIP_TIMESTEPS[i]}`);
        }
      }
      assert.deepEqual(await h.cspViolations(), []);
      assert.deepEqual((await h.posted()).filter((m) => m.type === 'panelError'), []);
    } finally {
      await h.close();
    }
  });

  it('shows t, alphaBar_t and SNR = alphaBar_t / (1 - alphaBar_t) on hover', async () => {
    const h = await openPanel();
    try {
      await showAll(h);
      const figure = h.page.locator('.strip[data-schedule="linear"] figure[data-t="500"]');
      await figure.hover();
      const tip = figure.locator('.tooltip');
      await tip.waitFor({ state: 'visible' });
      // alphaBar_500 of DDPM's linear schedule, straight from its definition: prod_{s <= 500} (1 - beta_s), beta_s = 1e-4 + (0.02 - 1e-4) s / 999.
      let alphaBar = 1;
      for (let s = 0; s <= 500; s++) alphaBar *= 1 - (1e-4 + ((0.02 - 1e-4) * s) / 999);
      const values = await tip.locator('.value').allTextContents();
      assert.equal(values[0], '500');
      assert.equal(values[1], formatValue(alphaBar));
      assert.equal(values[2], formatValue(alphaBar / (1 - alphaBar)));
      await h.page.mouse.move(0, 0);
      await tip.waitFor({ state: 'hidden' });
    } finally {
      await h.close();
    }
  });

  it('hides the strip of a schedule unticked in the legend, also after the webview is rebuilt', async () => {
    const h = await openPanel();
    try {
      await showAll(h);
      await h.page.locator('#schedules .legend label[data-series=cosine] input').uncheck();
      assert.equal(await h.page.isHidden('.strip[data-schedule=cosine]'), true);
      assert.equal(await h.page.isVisible('.strip[data-schedule=linear]'), true);
      await h.reload();
      await showAll(h);
      assert.equal(await h.page.isHidden('.strip[data-schedule=cosine]'), true);
      assert.equal(await h.page.isVisible('.strip[data-schedule=sigmoid]'), true);
    } finally {
      await h.close();
    }
  });

  it('rejects a strip whose images do not match its timesteps', async () => {
    const h = await openPanel();
    try {
      const s = asJson(strips[0]);
      await post(h.page, { ...s, timesteps: [0, 250, 500], alphasCumprod: [1, 0.5, 0.2] });
      await post(h.page, { ...s, alphasCumprod: [1, 0.5, 0.2, 0.1, 1.5] });
      await post(h.page, { ...s, timesteps: [0, 250, 500, 750, 1000] });
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'panelError').length === 3);
      const errors = (await h.posted()).filter((m) => m.type === 'panelError').map((m) => String(m.message));
      assert.match(errors[0], /field 'images' holds 5 images for 3 timesteps/);
      assert.match(errors[1], /field 'alphasCumprod' is an array of 5; expected 1\.\.16 numbers in \[0, 1\]/);
      assert.match(errors[2], /field 'timesteps' is an array of 5; expected 1\.\.16 integers in \[0, 999\]/);
      assert.equal(await h.page.$$eval('.strip', (ss) => ss.length), 0);
    } finally {
      await h.close();
    }
  });

  it('screenshots: the Schedules panel with its strips, dark and light (docs/)', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const h = await openPanel();
      try {
        await useTheme(h.page, theme === 'light' ? LIGHT_THEME : DARK_THEME);
        await post(h.page, { type: 'header', title: `Noise schedules, T = ${T}`, lines: ['β_t, ᾱ_t and log-SNR(t) = log(ᾱ_t / (1 − ᾱ_t)); hover a curve for the exact values.', 'Below: the built-in example image under q(x_t | x_0) at t = 0, 250, 500, 750, 999, the same noise for every schedule; hover an image for ᾱ_t and SNR.'] });
        await showAll(h);
        await h.page.locator('.strip[data-schedule="cosine"] figure[data-t="500"]').hover();
        await h.page.locator('.strip[data-schedule="cosine"] figure[data-t="500"] .tooltip').waitFor({ state: 'visible' });
        await h.page.setViewportSize({ width: 1200, height: 600 });
        await h.page.screenshot({ path: path.join(DOCS, `schedules-panel-${theme}.png`), fullPage: true });
      } finally {
        await h.close();
      }
    }
  });
});
