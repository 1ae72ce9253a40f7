/**
 * The Augmentation Study panel in real Chromium: the synthetic notice, the arms table with every seed's
 * accuracy, two charts drawn in theme colours, Export sending both charts as PNGs, and a malformed
 * report rejected with a reason while the panel keeps working.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, THEME_VARS, openPanel, post, shutdown } from './harness';

after(shutdown);

const STUDY = {
  label: 'synthetic — not for diagnosis',
  dataset: 'phantoms',
  quick: true,
  classNames: ['no lesion', 'bright lesion', 'dark lesion'],
  arms: [
    { name: 'real', accuracy: [0.6, 0.7], mean: 0.65, std: 0.0707, trainSize: 30 },
    { name: 'real+synthetic', accuracy: [0.5, 0.55], mean: 0.525, std: 0.0354, trainSize: 60 },
    { name: 'synthetic', accuracy: [0.25, 0.35], mean: 0.3, std: 0.0707, trainSize: 30 },
  ],
  frechet: 12.5,
  frechetRealVsReal: 3.25,
  adherence: { rate: 0.4, by: 'pixel scorer' },
  nearest: { min: 0.0123, threshold: 0.05, nearCopies: 1, count: 30, edges: [0, 0.05, 0.1, 0.15, 0.2], synthetic: [1, 9, 15, 5], realToReal: [2, 20, 8, 0] },
  inpainting: { n: 8, rate: 0.375 },
  filter: { method: 'scorer', requested: 48, drawn: 80, kept: 30, rounds: 3 },
  seconds: 42,
};

const BLUE = THEME_VARS['--vscode-charts-blue'].match(/\d+/g)!.map(Number);

/** Pixels of a chart's canvas within a few levels of an RGB colour. */
function pixelsIn(page: Page, chart: string, rgb: number[]): Promise<number> {
  return page.$eval(`#study figure[data-chart=${chart}] canvas`, (c, want) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - want[0]) + Math.abs(d[i + 1] - want[1]) + Math.abs(d[i + 2] - want[2]) < 12 && d[i + 3] > 200) n++;
    return n;
  }, rgb);
}

describe('Augmentation Study panel', () => {
  it('shows the notice, every seed\'s accuracy, both charts, and exports the charts as PNGs', async () => {
    const h = await openPanel();
    try {
      await post(h.page, { type: 'study', study: STUDY, pictures: [] });
      await h.page.waitForSelector('#study figure[data-chart=nearest] canvas');
      assert.match(await h.page.textContent('#study .notice') ?? '', /SYNTHETIC — NOT FOR DIAGNOSIS/);
      const rows = await h.page.$$eval('#study table:first-of-type tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
      assert.deepEqual(rows, [
        ['real', '30', '60.0%, 70.0%', '65.0% ± 7.1%'],
        ['real+synthetic', '60', '50.0%, 55.0%', '52.5% ± 3.5%'],
        ['synthetic', '30', '25.0%, 35.0%', '30.0% ± 7.1%'],
      ]);
      assert.match(await h.page.textContent('#study') ?? '', /1 of 30/);
      assert.match(await h.page.textContent('#study') ?? '', /lesions inpainted into 8 real images showing the lesion asked for37\.5%/);
      assert.match(await h.page.textContent('#study') ?? '', /the scorer filter accepted, of those requested \(80 drawn in 3 redraw rounds\)[^%]*?30 of 48/);
      // The first series of each chart is drawn in the theme's first chart colour.
      for (const chart of ['accuracy', 'nearest']) {
        const drawn = await pixelsIn(h.page, chart, BLUE);
        assert.ok(drawn > 50, `${chart} chart: ${drawn} pixels in the theme's blue`);
      }
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'study.png'), fullPage: true });
      await h.page.click('#study button.export');
      const exported = (await h.posted()).find((m) => m.type === 'exportStudy') as unknown as { charts: Record<string, string> } | undefined;
      assert.ok(exported, 'Export posted the charts');
      for (const key of ['accuracy', 'nearest']) {
        const url: string = exported.charts[key];
        assert.ok(url.startsWith('data:image/png;base64,'), key);
        // A PNG starts with its 8-byte signature.
        assert.deepEqual([...Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
      }
      assert.deepEqual(await h.cspViolations(), []);
    } finally {
      await h.close();
    }
  });

  it('redraws both charts in the new colours when VS Code switches the theme', async () => {
    const h = await openPanel();
    try {
      await post(h.page, { type: 'study', study: STUDY, pictures: [] });
      await h.page.waitForSelector('#study figure[data-chart=nearest] canvas');
      const light = [0, 90, 180];
      await h.page.evaluate((c) => {
        document.documentElement.style.setProperty('--vscode-charts-blue', `rgb(${c.join(', ')})`);
        document.body.className = 'vscode-light';
      }, light);
      await h.page.waitForTimeout(300);
      for (const chart of ['accuracy', 'nearest']) {
        assert.ok((await pixelsIn(h.page, chart, light)) > 50, `${chart} chart not redrawn in the new blue`);
        assert.equal(await pixelsIn(h.page, chart, BLUE), 0, `${chart} chart still draws the old blue`);
      }
    } finally {
      await h.close();
    }
  });

  it('rejects a report whose arms are out of order, says why, and still shows the next good one', async () => {
    const h = await openPanel();
    try {
      await post(h.page, { type: 'study', study: { ...STUDY, arms: [STUDY.arms[1], STUDY.arms[0], STUDY.arms[2]] }, pictures: [] });
      await h.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'panelError'));
      const error = (await h.posted()).find((m) => m.type === 'panelError') as unknown as { message: string };
      assert.match(error.message, /expected 'real'/);
      await post(h.page, { type: 'study', study: STUDY, pictures: [] });
      await h.page.waitForSelector('#study .notice');
    } finally {
      await h.close();
    }
  });
});
