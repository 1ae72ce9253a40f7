/**
 * The panel page in real Chromium: frames drawn from binary payloads, malformed messages rejected without
 * breaking the panel, and the strict CSP holding for everything the bundle does.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type PanelHarness, f32, openPanel, post, shutdown } from './harness';

after(shutdown);

/** A 1-image, 2x2 RGB frame whose x_t and x0 are filled with the given values. */
function frame(seq: number, step: number, x: number[], x0: number[]) {
  return { type: 'frame', seq, step, steps: 4, t: 999 - step * 250, tPrev: step === 3 ? -1 : 999 - (step + 1) * 250, x: { shape: [1, 2, 2, 3], data: f32(x) }, eps: { shape: [1, 2, 2, 3], data: f32(x) }, x0: { shape: [1, 2, 2, 3], data: f32(x0) } };
}

async function pixels(h: PanelHarness, grid: string): Promise<number[]> {
  return h.page.evaluate((id) => {
    const c = document.querySelector(`#${id} canvas`) as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, grid);
}

describe('panel page', () => {
  it('draws a frame straight from its Float32Array payload and acknowledges it', async () => {
    const h = await openPanel();
    try {
      // Pixels map [-1, 1] to [0, 255]: +1 -> 255 (white), -1 -> 0 (black), 0 -> round(127.5) = 128.
      await post(h.page, frame(7, 1, Array(12).fill(1), [-1, -1, -1, 0, 0, 0, 1, 0, -1, 1, 1, 1]));
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'frameShown'));
      assert.deepEqual(await pixels(h, 'xGrid'), Array(4).fill([255, 255, 255, 255]).flat());
      assert.deepEqual(await pixels(h, 'x0Grid'), [0, 0, 0, 255, 128, 128, 128, 255, 255, 128, 0, 255, 255, 255, 255, 255]);
      assert.deepEqual((await h.posted()).filter((m) => m.type === 'frameShown'), [{ type: 'frameShown', seq: 7, step: 1 }]);
      assert.equal(await h.page.textContent('#frameInfo'), 'step 2 of 4: t = 749 → 499');
      assert.deepEqual(await h.cspViolations(), []);
    } finally {
      await h.close();
    }
  });

  it('draws and acknowledges a frame even when the browser runs no animation frames (a page it does not render)', async () => {
    const h = await openPanel();
    try {
      // As in an iframe Chromium does not render: requestAnimationFrame callbacks never run.
      await h.page.evaluate(() => (window.requestAnimationFrame = () => 0));
      await post(h.page, frame(3, 2, Array(12).fill(-1), Array(12).fill(1)));
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'frameShown'), undefined, { timeout: 5000 });
      assert.deepEqual((await h.posted()).filter((m) => m.type === 'frameShown'), [{ type: 'frameShown', seq: 3, step: 2 }]);
      assert.deepEqual(await pixels(h, 'xGrid'), Array(4).fill([0, 0, 0, 255]).flat());
    } finally {
      await h.close();
    }
  });

  it('rejects malformed messages by name, reports them, and keeps working', async () => {
    const h = await openPanel();
    try {
      // A tensor as a JSON array of numbers instead of a Float32Array.
      const bad = { ...frame(1, 0, Array(12).fill(1), Array(12).fill(1)), x: { shape: [1, 2, 2, 3], data: Array(12).fill(1) } };
      await post(h.page, bad);
      await post(h.page, { type: 'nonsense' });
      await post(h.page, 'not an object');
      await post(h.page, { type: 'header', title: 'still alive', lines: ['after three bad messages'] });
      await h.page.waitForFunction(() => document.getElementById('title')!.textContent === 'still alive');
      const errors = (await h.posted()).filter((m) => m.type === 'panelError').map((m) => String(m.message));
      assert.equal(errors.length, 3);
      assert.match(errors[0], /field 'x'.*'data' is an array of 12; tensors travel as a Float32Array/);
      assert.match(errors[1], /field 'type' is "nonsense"/);
      assert.match(errors[2], /expected an object, got "not an object"/);
      assert.equal(await h.page.isHidden('#frame'), true, 'the rejected frame was drawn');
      // A good frame after the bad ones is drawn and acknowledged.
      await post(h.page, frame(2, 3, Array(12).fill(-1), Array(12).fill(-1)));
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'frameShown'));
      assert.deepEqual(await pixels(h, 'xGrid'), Array(4).fill([0, 0, 0, 255]).flat());
    } finally {
      await h.close();
    }
  });
});
