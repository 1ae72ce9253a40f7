/**
 * The Check My Implementation panel in real Chromium, fed a real doctor report (the doctor run on an
 * example bug in this process): findings with severity icons, expected vs measured, the fix, and the
 * evidence series drawn as a chart in the theme's colours.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDoctor } from '../../engine/doctor';
import type { DoctorReport } from '../../engine/doctor/types';
import type { Implementation } from '../../engine/user/types';
import { backend } from '../helpers';
import { SCREENSHOTS, THEME_VARS, openPanel, post, shutdown } from './harness';

after(shutdown);

let report: DoctorReport;
before(async () => {
  await backend();
  // Two bugs in one module: an addNoise without the square root (an error with a plotted series) and
  // Stable Diffusion's schedule (a warning without one).
  const noSqrt = (await import('../../examples/bug-noise-no-sqrt')) as Implementation;
  const sdSchedule = (await import('../../examples/warn-terminal-snr')) as Implementation;
  report = await runDoctor({ ...noSqrt, betas: sdSchedule.betas });
});

describe('Check My Implementation panel', () => {
  it('lists errors then warnings with icon, expected, measured and fix, and plots measured vs expected', async () => {
    const h = await openPanel();
    try {
      await post(h.page, { type: 'doctor', file: 'my-ddpm.ts', report });
      await h.page.waitForSelector('#doctor .finding');
      const items = await h.page.$$eval('#doctor .finding', (ls) => ls.map((l) => [(l as HTMLElement).dataset.check, (l as HTMLElement).dataset.severity, l.querySelector('.icon')!.textContent]));
      const errors = report.findings.filter((f) => f.severity === 'error').map((f) => [f.check, 'error', '✖']);
      const warnings = report.findings.filter((f) => f.severity === 'warning').map((f) => [f.check, 'warning', '⚠']);
      assert.deepEqual(items, [...errors, ...warnings]);
      assert.ok(items.some(([c]) => c === 'forward.noise-coefficient') && items.some(([c]) => c === 'schedule.terminal-snr'));

      const noise = h.page.locator('#doctor .finding[data-check="forward.noise-coefficient"]');
      const f = report.findings.find((x) => x.check === 'forward.noise-coefficient')!;
      assert.equal(await noise.locator('dd.expected').textContent(), f.expected);
      assert.equal(await noise.locator('dd.measured').textContent(), f.measured);
      assert.equal(await noise.locator('dd.fix').textContent(), f.fix);
      assert.match((await h.page.locator('#doctor .summary').textContent())!, /my-ddpm\.ts: \d+ errors?, 1 warning, \d+ checks passed/);

      // The series is drawn: both lines appear in the theme's first two chart colours.
      const canvas = noise.locator('figure.chart canvas');
      await canvas.waitFor();
      await h.page.waitForFunction(() => !!document.querySelector('#doctor .finding[data-check="forward.noise-coefficient"] canvas')?.getAttribute('style'));
      for (const colour of [THEME_VARS['--vscode-charts-blue'], THEME_VARS['--vscode-charts-orange']]) {
        const want = colour.match(/\d+/g)!.map(Number);
        const drawn = await canvas.evaluate((c, rgb) => {
          const el = c as HTMLCanvasElement;
          const d = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
          for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) < 24 && d[i + 3] > 200) return true;
          return false;
        }, want);
        assert.ok(drawn, `no pixel in ${colour}`);
      }
      // Hover shows the plotted numbers: the expected series at some t is sqrt(1 - alphaBar_t) > measured.
      const box = (await canvas.boundingBox())!;
      await h.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
      const tip = noise.locator('.tooltip');
      await tip.waitFor({ state: 'visible' });
      assert.match((await tip.locator('.title').textContent())!, /^t = \d+$/);
      assert.equal(await tip.locator('.row').count(), 2);

      // The passed checks are listed (folded), with the same ids the report has.
      const passed = await h.page.$$eval('#doctor details.passed li', (ls) => ls.map((l) => l.textContent));
      assert.deepEqual(passed, report.passed);
      assert.deepEqual(await h.cspViolations(), []);
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'doctor.png'), fullPage: true });
    } finally {
      await h.close();
    }
  });

  it('rejects a report whose plot series does not match its x axis, and keeps working', async () => {
    const h = await openPanel();
    try {
      const bad = structuredClone(report);
      const plotted = bad.findings.find((f) => f.evidence.plot)!;
      plotted.evidence.plot!.series[0].values.pop();
      await post(h.page, { type: 'doctor', file: 'x.ts', report: bad });
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'panelError'));
      const posted = await h.posted();
      assert.match(String(posted.find((m) => m.type === 'panelError')!.message), /series\[0\].*expected \d+ finite numbers or nulls/);
      assert.equal(await h.page.locator('#doctor').isHidden(), true);
      await post(h.page, { type: 'doctor', file: 'x.ts', report });
      await h.page.waitForSelector('#doctor .finding');
    } finally {
      await h.close();
    }
  });
});
