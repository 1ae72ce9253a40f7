/**
 * The trajectory player in real Chromium, fed as the extension feeds it: statistics and seek answers come
 * from real run records written by FrameRecorder and read by FrameSource (the extension's own code), the
 * messages cross as structured-cloned typed arrays. Screenshots go to out/webview-tests/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { diffusionTables } from '../../engine/diffusion';
import type { FrameMessage } from '../../engine/protocol';
import { FrameRecorder } from '../../engine/runner/frameRecord';
import { FrameSource } from '../../engine/runner/frameSource';
import { makeBetas } from '../../engine/schedules';
import { theoreticalStd } from '../../engine/trajectory/stats';
import { SCREENSHOTS, openPanel, post, serveSeeks, shutdown, toPage } from './harness';
import { recordOracleTrajectory } from './trajectoryRecord';

/** VS Code's Light Modern colours for the variables the panel and its controls read. */
const LIGHT_VARS: Record<string, string> = {
  '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-descriptionForeground': '#717171', '--vscode-errorForeground': '#e51400',
  '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90',
  '--vscode-editorWidget-border': '#e5e5e5', '--vscode-progressBar-background': '#005fb8', '--vscode-focusBorder': '#005fb8',
  '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-settings-textInputBackground': '#ffffff', '--vscode-settings-textInputForeground': '#3b3b3b', '--vscode-settings-textInputBorder': '#cecece',
  '--vscode-settings-checkboxBackground': '#ffffff', '--vscode-settings-checkboxBorder': '#cecece', '--vscode-settings-checkboxForeground': '#3b3b3b', '--vscode-input-placeholderForeground': '#767676',
};

const made: string[] = [];
after(async () => {
  await shutdown();
  made.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

const STEPS = 6;
const IMAGES = 4;
const SIDE = 4;
const SIGMA = 0.5;
const FLOATS = SIDE * SIDE * 3;
const { alphasCumprod } = diffusionTables(makeBetas('linear', 1000));
const tOf = (s: number) => Math.round(999 - (s * 999) / (STEPS - 1));
/** std(x_t) the forward process predicts at step s with σ_data = 0.5 (the panel's default). */
const theory = (s: number) => theoreticalStd(alphasCumprod[tOf(s)], SIGMA);
/** x0's pixel values: known, so a test can check what was drawn. */
const x0Value = (s: number, i: number, k: number) => 0.9 * Math.sin(s + i * 0.7 + k * 0.13);

type Plant = (s: number, i: number) => { std?: number; nan?: boolean };

/**
 * A guided trajectory: image i of x_t at step s alternates ±a, so its std is exactly a: the theoretical
 * std unless `plant` says otherwise.
 */
function frame(s: number, plant: Plant): FrameMessage {
  const tensor = (f: (i: number, k: number) => number) => ({ shape: [IMAGES, SIDE, SIDE, 3], data: Float32Array.from({ length: IMAGES * FLOATS }, (_, j) => f(Math.floor(j / FLOATS), j % FLOATS)) });
  return {
    type: 'frame', step: s, steps: STEPS, t: tOf(s), tPrev: s === STEPS - 1 ? -1 : tOf(s + 1),
    x: tensor((i, k) => (plant(s, i).nan && k >= 3 && k < 6 ? NaN : (k % 2 ? 1 : -1) * (plant(s, i).std ?? theory(s)))),
    eps: tensor((i, k) => Math.cos(s + i + k)),
    x0: tensor((i, k) => x0Value(s, i, k)),
    epsCond: tensor((i, k) => Math.cos(s + i + k) + 0.1 * Math.sin(k)),
    epsUncond: tensor((i, k) => Math.cos(s + i + k)),
  };
}

function record(plant: Plant = () => ({}), upTo = STEPS, sigmaData?: number): { dir: string; rec: FrameRecorder; source: FrameSource } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-player-'));
  made.push(dir);
  const rec = new FrameRecorder(dir, { alphasCumprod, sigmaData });
  for (let s = 0; s < upTo; s++) rec.append(frame(s, plant));
  return { dir, rec, source: new FrameSource(dir) };
}

async function openWith(source: FrameSource) {
  const h = await openPanel();
  await serveSeeks(h.page, (step, request) => source.frame(step, request));
  return h;
}

async function sendStats(page: Page, source: FrameSource, from = 0): Promise<void> {
  source.refresh();
  await post(page, toPage(source.stats(from)));
}

/** Frames of the real trajectory are 1 MB each and cross into the page as JSON: allow them time on a loaded machine. */
const shownStep = (page: Page, step: number, timeout = 15_000) => page.waitForFunction((s) => document.getElementById('frame')!.dataset.step === String(s), step, { timeout });

async function scrubTo(page: Page, step: number): Promise<void> {
  await page.evaluate((s) => {
    const slider = document.getElementById('scrub') as HTMLInputElement;
    slider.value = String(s);
    slider.dispatchEvent(new Event('input'));
  }, step);
}

async function firstPixel(page: Page, grid: string, image: number): Promise<number[]> {
  return page.evaluate(([id, i]) => {
    const c = document.querySelectorAll(`#${id} canvas`)[i as number] as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, 1, 1).data);
  }, [grid, image] as const);
}

describe('trajectory player', () => {
  it('opens a record at its last step, then steps, scrubs and jumps with keys, buttons, slider and timestep field', async () => {
    const { source } = record();
    const h = await openWith(source);
    try {
      await post(h.page, { type: 'status', state: 'completed', text: 'sample completed' });
      await sendStats(h.page, source);
      await shownStep(h.page, STEPS - 1);
      assert.equal(await h.page.textContent('#frameInfo'), `step ${STEPS} of ${STEPS}: t = 0 (last)`);
      // This record carries no σ_data (like a run made before it was recorded): the typical value is assumed, and said so.
      assert.equal(await h.page.locator('#sigmaData').evaluate((e) => (e as HTMLInputElement).value), '0.5');
      assert.equal(await h.page.locator('#sigmaSource').textContent(), '(assumed)');
      for (const grid of ['xGrid', 'x0Grid', 'epsGrid', 'epsCondGrid', 'epsUncondGrid', 'guidanceGrid']) {
        assert.equal(await h.page.locator(`#${grid} canvas`).count(), IMAGES, grid);
      }
      // Drawn from the payload: x0 in [-1, 1] to 0..255.
      const expected = [0, 1, 2].map((k) => Math.round((Math.fround(x0Value(STEPS - 1, 2, k)) + 1) * 127.5));
      assert.deepEqual(await firstPixel(h.page, 'x0Grid', 2), [...expected, 255]);
      await h.page.keyboard.press('ArrowLeft');
      await shownStep(h.page, STEPS - 2);
      await h.page.keyboard.press('Home');
      await shownStep(h.page, 0);
      await h.page.keyboard.press('F10');
      await shownStep(h.page, 1);
      await h.page.click('#forward');
      await shownStep(h.page, 2);
      await h.page.click('#back');
      await shownStep(h.page, 1);
      await scrubTo(h.page, 4);
      await shownStep(h.page, 4);
      // t of step 2 is 600; 590 is nearest to it.
      await h.page.locator('#jump input').fill('590');
      await h.page.locator('#jump input').press('Enter');
      await shownStep(h.page, 2);
      assert.equal(await h.page.textContent('#frameInfo'), `step 3 of ${STEPS}: t = ${tOf(2)} → ${tOf(3)}`);
      assert.equal(await h.page.getAttribute('#frame', 'data-mode'), 'paused');
      const seeks = (await h.posted()).filter((m) => m.type === 'seek').map((m) => m.step);
      assert.ok(seeks.includes(2) && seeks.includes(4), `seeks sent: ${seeks}`);
      assert.deepEqual(await h.cspViolations(), []);
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'trajectory-player.png'), fullPage: true });
    } finally {
      await h.close();
    }
  });

  it('a planted NaN stops the live run at its step, though its frame was never streamed, and names step and image', async () => {
    const { rec, source } = record((s, i) => ({ nan: s === 3 && i === 2 }), 2);
    const h = await openWith(source);
    try {
      await post(h.page, { type: 'status', state: 'running', text: 'sampling' });
      await sendStats(h.page, source);
      await post(h.page, toPage({ ...source.frame(1, 0), type: 'frame', seq: 0 }));
      await shownStep(h.page, 1);
      assert.equal(await h.page.getAttribute('#frame', 'data-mode'), 'follow');
      // The runner records steps 2..5; latest wins sends only step 5's frame.
      for (let s = 2; s < STEPS; s++) rec.append(frame(s, (st, i) => ({ nan: st === 3 && i === 2 })));
      await sendStats(h.page, source, 2);
      await post(h.page, toPage({ ...source.frame(5, 0), type: 'frame', seq: 1 }));
      await shownStep(h.page, 3);
      const hit = h.page.locator('#breakpointHit');
      assert.match(await hit.textContent() ?? '', new RegExp(`Breakpoint: NaN/Inf at step 3 \\(t = ${tOf(3)}\\), image #2: 3 non-finite values`));
      assert.equal(await hit.getAttribute('data-condition'), 'nonFinite');
      assert.equal(await hit.getAttribute('data-image'), '2');
      assert.equal(await h.page.getAttribute('#frame', 'data-mode'), 'paused');
      // The image is outlined and the NaN pixel painted magenta.
      assert.equal(await h.page.locator('#xGrid canvas.hit').count(), 1);
      assert.equal(await h.page.evaluate(() => Array.from(document.querySelectorAll('#xGrid canvas')).findIndex((c) => c.classList.contains('hit'))), 2);
      const nanPixel = await h.page.evaluate(() => Array.from((document.querySelectorAll('#xGrid canvas')[2] as HTMLCanvasElement).getContext('2d')!.getImageData(1, 0, 1, 1).data));
      assert.deepEqual(nanPixel, [255, 0, 255, 255]);
      // The later live frame is acknowledged (flow control goes on) but does not move the paused player.
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string; seq?: number }> }).__posted.some((m) => m.type === 'frameShown' && m.seq === 1));
      assert.equal(await h.page.getAttribute('#frame', 'data-step'), '3');
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'trajectory-breakpoint-nan.png'), fullPage: true });
      // F5 continues past the breakpoint to the end of the record; a reload does not stop at it again.
      await h.page.keyboard.press('F5');
      await shownStep(h.page, STEPS - 1);
      await h.reload();
      await post(h.page, { type: 'status', state: 'running', text: 'sampling' });
      await sendStats(h.page, source);
      await shownStep(h.page, STEPS - 1);
      assert.equal(await h.page.isHidden('#breakpointHit'), true);
    } finally {
      rec.close();
      await h.close();
    }
  });

  it('the |x| bound fires first; with it off and the std check at 10%, F5 continues to the std departure', async () => {
    const { rec, source } = record((s, i) => ({ std: s === 2 && i === 1 ? 20 : s === 4 && i === 0 ? 1.3 * theory(4) : undefined }));
    rec.close();
    const h = await openWith(source);
    try {
      await sendStats(h.page, source);
      await shownStep(h.page, 2);
      const hit = h.page.locator('#breakpointHit');
      assert.equal(await hit.getAttribute('data-condition'), 'bound');
      assert.match(await hit.textContent() ?? '', /\|x\| > 10 at step 2 .*image #1: max \|x_t\| = 20\.00/);
      await h.page.click('#bpBoundOn');
      await h.page.click('#bpStdOn');
      await h.page.locator('#bpStdPercent input').fill('10');
      await h.page.locator('#bpStdPercent input').press('Tab');
      // Keys go to the player once the focus leaves the text fields.
      await h.page.click('#frameInfo');
      await h.page.keyboard.press('F5');
      await shownStep(h.page, 4);
      await h.page.waitForFunction(() => document.querySelector('#breakpointHit')?.getAttribute('data-condition') === 'std');
      assert.match(await hit.textContent() ?? '', /std\(x_t\) off theory by 30\.0% \(> 10%\) at step 4 .*image #0/);
    } finally {
      await h.close();
    }
  });

  it('rejects malformed trajectory messages by name and keeps playing', async () => {
    const { rec, source } = record();
    rec.close();
    const h = await openWith(source);
    try {
      await sendStats(h.page, source);
      await shownStep(h.page, STEPS - 1);
      source.refresh();
      const stats = toPage(source.stats(0)) as Record<string, Record<string, unknown>>;
      await post(h.page, { ...stats, stats: { ...stats.stats, xStd: { $f32: [1, 2] } } });
      const good = toPage(source.frame(1, 99)) as Record<string, unknown>;
      await post(h.page, { ...good, epsCond: { shape: [1, 2, 2, 3], data: { $f32: Array(12).fill(0) } } });
      await post(h.page, { type: 'seekError', request: 'x', step: 1, message: 'no' });
      const errors = await h.page.waitForFunction(() => {
        const e = (window as unknown as { __posted: Array<{ type: string; message?: string }> }).__posted.filter((m) => m.type === 'panelError');
        return e.length === 3 ? e.map((m) => m.message) : false;
      }).then((r) => r.jsonValue() as Promise<string[]>);
      assert.match(errors[0], /field 'stats.xStd' is a Float32Array of 2; expected a Float32Array of 6 steps x 4 images/);
      assert.match(errors[1], /field 'epsCond' has shape \[1, 2, 2, 3\] but x has \[4, 4, 4, 3\]/);
      assert.match(errors[2], /field 'request' is "x"/);
      await h.page.keyboard.press('Home');
      await shownStep(h.page, 0);
    } finally {
      await h.close();
    }
  });

  it('takes σ_data from the record, and keeps its step, breakpoints and a typed σ_data across a reload', async () => {
    const { rec, source } = record(undefined, STEPS, 0.3);
    rec.close();
    const h = await openWith(source);
    try {
      const sigma = () => h.page.locator('#sigmaData').evaluate((e) => (e as HTMLInputElement).value);
      await sendStats(h.page, source);
      await shownStep(h.page, STEPS - 1);
      assert.equal(await sigma(), '0.3', 'the σ_data recorded with the trajectory replaces the assumed one');
      assert.equal(await h.page.locator('#sigmaSource').textContent(), '(recorded)');
      await scrubTo(h.page, 2);
      await shownStep(h.page, 2);
      await h.page.locator('#bpBound input').fill('7');
      await h.page.locator('#bpBound input').press('Tab');
      await h.page.locator('#sigmaData input').fill('0.6');
      await h.page.locator('#sigmaData input').press('Tab');
      await h.reload();
      // After 'ready' the extension resends the statistics; the player seeks the step it was on.
      await sendStats(h.page, source);
      await shownStep(h.page, 2);
      assert.equal(await h.page.getAttribute('#frame', 'data-mode'), 'paused');
      assert.equal(await h.page.locator('#bpBound').evaluate((e) => (e as HTMLInputElement).value), '7');
      assert.equal(await sigma(), '0.6', 'a σ_data the user typed wins over the recorded one, after a reload too');
      assert.equal(await h.page.locator('#sigmaSource').textContent(), '(set here)');
    } finally {
      await h.close();
    }
  });

  it('plays a real guided DDIM trajectory of the exact mixture denoiser, in a dark and a light theme', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-oracle-'));
    made.push(dir);
    await recordOracleTrajectory(dir, { steps: 50, images: 16, size: 32, guidance: 3 });
    const source = new FrameSource(dir);
    const h = await openWith(source);
    try {
      await post(h.page, { type: 'header', title: 'Sampling shapes (exact denoiser)', lines: ['DDIM, 50 steps (trailing spacing, eta 0), 16 images, guidance 3'] });
      await post(h.page, { type: 'status', state: 'completed', text: 'sample completed' });
      await sendStats(h.page, source);
      await shownStep(h.page, 49, 120_000);
      await scrubTo(h.page, 30);
      await shownStep(h.page, 30, 120_000);
      assert.equal(await h.page.locator('#guidanceGrid canvas').count(), 16);
      assert.deepEqual(await h.cspViolations(), []);
      // Let the chart's animation-frame redraw land before the picture.
      await h.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'trajectory-player-dark.png'), fullPage: true });
      await h.page.evaluate((vars) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body.className = 'vscode-light';
      }, LIGHT_VARS);
      await h.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      // The chart follows the theme: its first line now has the light palette's blue.
      await h.page.screenshot({ path: path.join(SCREENSHOTS, 'trajectory-player-light.png'), fullPage: true });
    } finally {
      await h.close();
    }
  });
});
