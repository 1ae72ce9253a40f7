/**
 * The Guidance Sweep panel in real Chromium: headers from the scales, a placeholder per cell until its
 * image arrives, cells drawn from their Float32 payloads as they come, the prompt fields and Run button
 * (@vscode-elements controls under the strict CSP), a click on a cell asking for its trajectory,
 * malformed messages rejected, and what the user typed kept when the webview is rebuilt.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { type PanelHarness, canvasPixels, expectedPixels, f32, openPanel, post, shutdown } from './harness';
import { DARK_THEME, DOCS, LIGHT_THEME, useTheme } from './themes';

after(shutdown);

/** The default scales (issue 5), the columns of every grid here. */
const DEFAULT_SCALES = [0, 1, 3, 5, 7.5, 10, 15];
const ROWS = ['seed 0 "large red circle top left"', 'seed 1 "small green square top right"'];
const grid = (extra: Record<string, unknown> = {}) => ({ type: 'sweepGrid', scales: DEFAULT_SCALES, rows: ROWS, prompt: 'large red circle top left', negativePrompt: '', cond: 'text', ...extra });

/** A 2x2 RGB image whose every value is known: value k of cell (r, c) is ((r * 7 + c) * 12 + k) / 100 - 0.9. */
function cellValues(r: number, c: number): number[] {
  return Array.from({ length: 12 }, (_, k) => ((r * 7 + c) * 12 + k) / 100 - 0.9);
}
const cell = (r: number, c: number, values = cellValues(r, c), shape = [1, 2, 2, 3], rows = ROWS.length, cols = DEFAULT_SCALES.length) =>
  ({ type: 'cell', row: r, col: c, rows, cols, scale: DEFAULT_SCALES[c] ?? 0, label: ROWS[r] ?? 'row', image: { shape, data: f32(values) } });

const cellPixels = (h: PanelHarness, r: number, c: number) => canvasPixels(h.page, `button.cell[data-row="${r}"][data-col="${c}"] canvas`);

const filled = (h: PanelHarness) => h.page.$$eval('button.cell', (bs) => bs.map((b) => (b as HTMLElement).dataset.filled === 'true'));
const panelErrors = async (h: PanelHarness) => (await h.posted()).filter((m) => m.type === 'panelError').map((m) => String(m.message));

describe('Guidance Sweep panel', () => {
  it('heads the columns with the scales and the rows with their labels, a placeholder in every cell before any image', async () => {
    const h = await openPanel();
    try {
      await post(h.page, grid());
      await h.page.waitForSelector('#sweepGrid tbody tr');
      assert.deepEqual(await h.page.$$eval('#sweepGrid thead th', (ths) => ths.map((t) => t.textContent)), ['', 's = 0', 's = 1', 's = 3', 's = 5', 's = 7.5', 's = 10', 's = 15']);
      assert.deepEqual(await h.page.$$eval('#sweepGrid tbody th', (ths) => ths.map((t) => t.textContent)), ROWS);
      assert.deepEqual(await filled(h), Array(14).fill(false));
      assert.equal(await h.page.textContent('#sweepProgress'), '0 of 14 images');
      assert.equal(await h.page.locator('button.cell[data-row="1"][data-col="6"]').isDisabled(), true, 'a placeholder cannot be opened');
      assert.deepEqual(await h.cspViolations(), [], 'the @vscode-elements controls must run under the panel CSP');
    } finally {
      await h.close();
    }
  });

  it('fills each cell as its image arrives, drawn from the Float32 payload, the rest staying placeholders', async () => {
    const h = await openPanel();
    try {
      await post(h.page, grid());
      await post(h.page, cell(1, 4));
      await h.page.waitForSelector('button.cell[data-row="1"][data-col="4"][data-filled=true]');
      assert.deepEqual(await cellPixels(h, 1, 4), expectedPixels(cellValues(1, 4), 3));
      assert.equal((await filled(h)).filter(Boolean).length, 1);
      assert.equal(await h.page.textContent('#sweepProgress'), '1 of 14 images; click one to step through its trajectory');
      // Values beyond [-1, 1] clip to black and white; greyscale images spread one channel to three.
      await post(h.page, cell(0, 0, [-3, -1, 0, 1.5], [1, 2, 2, 1]));
      await h.page.waitForSelector('button.cell[data-row="0"][data-col="0"][data-filled=true]');
      assert.deepEqual(await cellPixels(h, 0, 0), [0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
      for (let r = 0; r < 2; r++) for (let c = 0; c < 7; c++) await post(h.page, cell(r, c));
      await h.page.waitForFunction(() => document.querySelectorAll('button.cell[data-filled=true]').length === 14);
      for (const [r, c] of [[0, 0], [0, 6], [1, 3]]) assert.deepEqual(await cellPixels(h, r, c), expectedPixels(cellValues(r, c), 3), `cell ${r},${c}`);
      assert.deepEqual(await panelErrors(h), []);
    } finally {
      await h.close();
    }
  });

  it('posts a validated runSweep from the prompt, negative-prompt and scales fields; bad scales are explained, not sent', async () => {
    const h = await openPanel();
    try {
      await post(h.page, grid());
      await h.page.waitForSelector('#sweepGrid tbody tr');
      assert.equal(await h.page.locator('#sweepPrompt').evaluate((f) => (f as HTMLInputElement).value), 'large red circle top left');
      assert.equal(await h.page.locator('#sweepScales').evaluate((f) => (f as HTMLInputElement).value), '0, 1, 3, 5, 7.5, 10, 15');
      await h.page.locator('#sweepPrompt input').fill('  small blue triangle bottom left ');
      await h.page.locator('#sweepNegative input').fill('green');
      await h.page.locator('#sweepScales input').fill('0; 2.5 , 9');
      await h.page.locator('#sweepRun').click();
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'runSweep'));
      assert.deepEqual((await h.posted()).filter((m) => m.type === 'runSweep'), [{ type: 'runSweep', prompt: 'small blue triangle bottom left', negativePrompt: 'green', scales: [0, 2.5, 9] }]);
      // Enter in a field runs too.
      await h.page.locator('#sweepScales input').fill('1, 2');
      await h.page.locator('#sweepScales input').press('Enter');
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'runSweep').length === 2);
      for (const [text, why] of [['0, abc', /"abc" is not a scale/], ['', /at least one guidance scale/], ['1, 200', /"200" is not a scale; use numbers from -100 to 100/]] as const) {
        await h.page.locator('#sweepScales input').fill(text);
        await h.page.locator('#sweepRun').click();
        await h.page.waitForFunction((re) => new RegExp(re).test(document.getElementById('sweepFormError')!.textContent ?? ''), why.source);
      }
      assert.equal((await h.posted()).filter((m) => m.type === 'runSweep').length, 2, 'a bad scales field was sent');
      // A prompt longer than a job allows is refused by the shared validator before it leaves the panel.
      await h.page.locator('#sweepScales input').fill('3');
      await h.page.locator('#sweepPrompt').evaluate((f) => ((f as HTMLInputElement).value = 'x'.repeat(501)));
      await h.page.locator('#sweepRun').click();
      await h.page.waitForFunction(() => /field 'prompt' is "x+…"; expected a string of at most 500/.test(document.getElementById('sweepFormError')!.textContent ?? ''));
      assert.equal((await h.posted()).filter((m) => m.type === 'runSweep').length, 2);
      assert.deepEqual(await h.cspViolations(), []);
    } finally {
      await h.close();
    }
  });

  it('asks for the trajectory of a clicked image, and for nothing when a placeholder is clicked', async () => {
    const h = await openPanel();
    try {
      await post(h.page, grid());
      await post(h.page, cell(1, 5));
      await h.page.waitForSelector('button.cell[data-row="1"][data-col="5"][data-filled=true]');
      await h.page.locator('button.cell[data-row="0"][data-col="2"]').click({ force: true });
      await h.page.locator('button.cell[data-row="1"][data-col="5"]').click();
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'openCell'));
      assert.deepEqual((await h.posted()).filter((m) => m.type === 'openCell'), [{ type: 'openCell', row: 1, col: 5 }]);
    } finally {
      await h.close();
    }
  });

  it('rejects malformed sweep messages by name and keeps the grid working', async () => {
    const h = await openPanel();
    try {
      await post(h.page, grid());
      await post(h.page, cell(0, 1, cellValues(0, 1), [1, 2, 2, 3], 3, 7));
      await post(h.page, grid({ rows: [] }));
      await post(h.page, grid({ scales: ['0', '1'] }));
      await post(h.page, cell(0, 7));
      await post(h.page, { ...cell(0, 1), image: { shape: [1, 2, 2, 3], data: cellValues(0, 1) } });
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'panelError').length === 5);
      const errors = await panelErrors(h);
      assert.match(errors[0], /cell \(0, 1\) belongs to a 3 x 7 grid but the sweep shown is 2 x 7/);
      assert.match(errors[1], /field 'rows' is empty/);
      assert.match(errors[2], /field 'scales' is an array of 2; expected 1\.\.32 numbers in \[-100, 100\]/);
      assert.match(errors[3], /field 'col' is number 7; expected an integer in 0\.\.6/);
      assert.match(errors[4], /'data' is an array of 12; tensors travel as a Float32Array/);
      assert.deepEqual(await filled(h), Array(14).fill(false), 'a rejected cell was drawn');
      assert.equal(await h.page.$$eval('#sweepGrid thead th', (ths) => ths.length), 8, 'a rejected grid replaced the good one');
      await post(h.page, cell(0, 1));
      await h.page.waitForSelector('button.cell[data-row="0"][data-col="1"][data-filled=true]');
      assert.deepEqual(await cellPixels(h, 0, 1), expectedPixels(cellValues(0, 1), 3));
    } finally {
      await h.close();
    }
  });

  it('keeps what the user typed when the webview is rebuilt, and redraws the cells the extension resends', async () => {
    const h = await openPanel();
    try {
      await post(h.page, grid());
      await post(h.page, cell(0, 3));
      await h.page.locator('#sweepNegative input').fill('blurry');
      await h.page.locator('#sweepScales input').fill('2, 4');
      await h.reload();
      // What LensPanel does on 'ready': the grid it keeps, then every cell it has.
      await post(h.page, grid());
      await post(h.page, cell(0, 3));
      await h.page.waitForSelector('button.cell[data-row="0"][data-col="3"][data-filled=true]');
      assert.equal(await h.page.locator('#sweepNegative').evaluate((f) => (f as HTMLInputElement).value), 'blurry');
      assert.equal(await h.page.locator('#sweepScales').evaluate((f) => (f as HTMLInputElement).value), '2, 4');
      assert.equal(await h.page.locator('#sweepPrompt').evaluate((f) => (f as HTMLInputElement).value), 'large red circle top left');
      assert.deepEqual(await cellPixels(h, 0, 3), expectedPixels(cellValues(0, 3), 3));
      assert.equal((await filled(h)).filter(Boolean).length, 1);
    } finally {
      await h.close();
    }
  });

  it('screenshots: a sweep of the shapes-text run half way, in a dark and a light theme (docs/)', async () => {
    // Real images: the cells of docs/shapes-sweep.png (a sweep of the trained shapes-text run, 16 px cells
    // drawn 3x with 2 px gaps), cut out again, so the picture shows what the panel shows for that sweep.
    const { data, info } = await sharp('docs/shapes-sweep.png').raw().toBuffer({ resolveWithObject: true });
    const prompts = ['large red circle top left', 'small green square top right', 'large yellow triangle bottom left', 'large blue square bottom right'];
    const image = (r: number, c: number) => {
      const values: number[] = [];
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) for (let k = 0; k < 3; k++) values.push(data[((r * 18 + y) * 3 * info.width + (c * 18 + x) * 3) * info.channels + k] / 127.5 - 1);
      return values;
    };
    for (const theme of ['dark', 'light'] as const) {
      const h = await openPanel();
      try {
        await useTheme(h.page, theme === 'light' ? LIGHT_THEME : DARK_THEME);
        await post(h.page, { type: 'header', title: 'Guidance sweep: shapes-text', lines: ['columns: guidance scale 0, 1, 3, 5, 7.5, 10, 15; rows: prompts', 'DDIM 50 steps; click an image to step through its trajectory'] });
        await post(h.page, grid({ rows: prompts.map((p, i) => `seed ${i} "${p}"`), prompt: prompts.join(' | '), negativePrompt: '' }));
        for (let r = 0; r < prompts.length; r++) for (let c = 0; c < 5; c++) await post(h.page, { ...cell(r, c, image(r, c), [1, 16, 16, 3], prompts.length), label: `seed ${r} "${prompts[r]}"` });
        await h.page.waitForFunction((n) => document.querySelectorAll('button.cell[data-filled=true]').length === n, prompts.length * 5);
        assert.deepEqual(await h.cspViolations(), []);
        await h.page.setViewportSize({ width: 980, height: 600 });
        await h.page.screenshot({ path: path.join(DOCS, `sweep-panel-${theme}.png`), fullPage: true });
      } finally {
        await h.close();
      }
    }
  });
});
