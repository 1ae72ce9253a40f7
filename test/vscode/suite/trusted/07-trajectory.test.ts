/// <reference types="mocha" />
/**
 * The trajectory player in the real VS Code host: Sample (Step Through)… streams frames and every step's
 * statistics into the panel while the runner records them; reopening the run makes the panel seek the
 * step it shows, and the extension answers from the record on disk.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { api, run, runsFolder, screenshot, waitFor } from '../helpers';

/**
 * On a machine shared by several test sessions a new webview has been seen to take over 30 s to post
 * 'ready' (the panel reports ready: false); the assertion is about the seek, not about boot time.
 */
const WEBVIEW_BOOT_MS = 90_000;

describe('Trajectory player', () => {
  const runDir = () => path.join(runsFolder(), 'tiny-class');

  it('streams a guided sampling run into the player, then answers its seek from the record when the run is reopened', async () => {
    const r = await run('sample', { runDir: runDir(), sampler: 'ddim', steps: 12, n: 4, seed: 5, guidance: 3, classIndex: 2 });
    assert.equal(r.status, 'completed', r.error);
    assert.equal(r.frames, 12);
    const lens = await api();
    const live = await waitFor('the player to have all 12 steps and show the last', () => lens.panels().find((p) => p.title === 'Sampling tiny-class' && p.statsSteps === 12 && p.lastStepShown === 11));
    assert.ok(live.framesShown >= 1, 'no live frame reached the panel');
    assert.deepEqual(live.rejected, []);

    const reopened = await run('openRun', { runDir: runDir() });
    assert.equal(reopened.status, 'completed', reopened.error);
    // The newest record is the one just sampled: the player opens on its last step by seeking it.
    const panel = await waitFor('the reopened player to seek its last step', () => lens.panels().find((p) => p.title === 'tiny-class' && p.seeksAnswered > 0 && p.lastStepSought === 11), WEBVIEW_BOOT_MS).catch((err: Error) => {
      throw new Error(`${err.message}; the panels titled tiny-class: ${JSON.stringify(lens.panels().filter((p) => p.title === 'tiny-class'))}`);
    });
    assert.equal(panel.statsSteps, 12);
    assert.equal(panel.framesSent, 0, 'a reopened run needs no frame stream: the player seeks what it shows');
    assert.deepEqual(panel.rejected, []);
    await screenshot('trajectory-player');
  });
});
