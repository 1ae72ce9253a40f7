/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFrameRecord } from '../../../../engine/runner/frameRecord';
import type { SampleJob, SweepJob } from '../../../../engine/protocol';
import { readJobRecord } from '../../../../engine/runner/jobRecord';
import { api, inPanel, note, readJson, run, runsFolder, screenshot, waitFor } from '../helpers';

describe('Sample, Guidance Sweep and Open Run', () => {
  const runDir = () => path.join(runsFolder(), 'tiny-class');

  it('samples step by step: every frame recorded as binary float32, the panel ends on the last step', async () => {
    const r = await run('sample', { runDir: runDir(), sampler: 'ddim', steps: 8, n: 4, seed: 2, guidance: 3, classIndex: 1 });
    assert.equal(r.status, 'completed', r.error);
    assert.equal(r.frames, 8);
    assert.ok((r.framesReceived ?? 0) >= 1 && (r.framesReceived ?? 0) <= 8, `${r.framesReceived} frames reached the extension`);
    assert.ok(fs.existsSync(path.join(r.outDir!, 'samples.png')));
    const record = readFrameRecord(r.outDir!);
    assert.deepEqual(record.problems, []);
    assert.equal(record.frames.length, 8);
    const last = record.frames[7].load();
    assert.deepEqual(last.x.shape, [4, 16, 16, 3]);
    assert.ok(last.x.data instanceof Float32Array);
    assert.equal(last.tPrev, -1);
    assert.ok(last.epsCond && last.epsUncond, 'guided frames carry both branches');
    const lens = await api();
    const panel = await waitFor('the sampling panel to show step 8 of 8', () => lens.panels().find((p) => p.title === 'Sampling tiny-class' && p.lastStepShown === 7));
    assert.ok(panel.framesShown >= 1 && panel.framesShown <= 8);
    assert.equal(panel.framesSent, panel.framesShown, 'a frame was sent before the previous one was acknowledged');
    assert.deepEqual(panel.rejected, []);
    await screenshot('sampling-panel');
  });

  it('samples with DDPM too', async () => {
    const r = await run('sample', { runDir: runDir(), sampler: 'ddpm', steps: 5, n: 2, seed: 3 });
    assert.equal(r.status, 'completed', r.error);
    assert.equal(r.frames, 5);
  });

  it('sweeps guidance scales x seeds and fills every cell of the panel', async () => {
    const r = await run('sweep', { runDir: runDir(), scales: [0, 3], seeds: 2, steps: 4 });
    assert.equal(r.status, 'completed', r.error);
    assert.ok(fs.existsSync(path.join(r.outDir!, 'sweep.png')));
    const panel = (await api()).panels().find((p) => p.title === 'Guidance sweep tiny-class');
    assert.equal(panel?.cells, 4);
  });

  it('the sweep panel fills its grid from the Guidance Sweep command, runs again from its fields, and a click on a cell samples that image with its trajectory', async () => {
    const lens = await api();
    const sweepPanels = () => lens.panels().filter((p) => p.title === 'Guidance sweep tiny-class');
    const before = sweepPanels().length;
    const r = await run('sweep', { runDir: runDir(), scales: [0, 5], seeds: 2, steps: 5, seed: 20 });
    assert.equal(r.status, 'completed', r.error);
    // Cells are counted as the extension receives them; the webview may still be loading, so wait for its 'ready' too.
    const panel = await waitFor('the new sweep panel to have all 4 cells and its webview loaded', () => sweepPanels().length === before + 1 && sweepPanels()[before].cells === 4 && sweepPanels()[before].ready && sweepPanels()[before], 60_000);
    assert.deepEqual(panel.kept, ['sweepGrid']);
    assert.deepEqual(panel.rejected, []);
    await screenshot('sweep-panel');

    // Run from the panel: a class by name and two other scales, typed into the fields as a user would.
    const sweepsDir = path.join(runDir(), 'sweeps');
    const sweepsBefore = new Set(fs.readdirSync(sweepsDir));
    const manifest = readJson(path.join(runDir(), 'manifest.json')) as { dataset: { classNames: string[] } };
    const chosen = manifest.dataset.classNames[2];
    inPanel('fill', '#sweepPrompt input', chosen);
    inPanel('fill', '#sweepScales input', '2, 4');
    inPanel('click', '#sweepRun');
    const newSweep = await waitFor('the sweep started from the panel to complete', () => {
      const d = fs.readdirSync(sweepsDir).find((x) => !sweepsBefore.has(x));
      return d && readJobRecord(path.join(sweepsDir, d))?.status === 'completed' && path.join(sweepsDir, d);
    }, 60_000);
    const sweepJob = readJobRecord(newSweep)!.job as SweepJob;
    assert.deepEqual({ prompt: sweepJob.prompt, scales: sweepJob.scales, seeds: sweepJob.seeds, seed: sweepJob.seed, steps: sweepJob.steps }, { prompt: chosen, scales: [2, 4], seeds: 2, seed: 20, steps: 5 });
    await waitFor('the panel to hold the new sweep\'s 4 cells', () => sweepPanels()[before].cells === 4);
    assert.equal(sweepPanels().length, before + 1, 'Run opened another panel');

    // A user's click on row 1 (seed 21), column 1 (s = 4), in the panel's real webview.
    const samplesDir = path.join(runDir(), 'samples');
    const samplesBefore = new Set(fs.readdirSync(samplesDir));
    const samplingPanels = () => lens.panels().filter((p) => p.title === 'Sampling tiny-class');
    const samplingBefore = samplingPanels().length;
    inPanel('click', 'button.cell[data-row="1"][data-col="1"][data-filled=true]');
    const trajectory = await waitFor("the cell's trajectory panel to reach its last step", () => samplingPanels().length === samplingBefore + 1 && samplingPanels()[samplingBefore].lastStepShown === 4 && samplingPanels()[samplingBefore], 60_000);
    assert.deepEqual(trajectory.rejected, []);
    const [dir] = fs.readdirSync(samplesDir).filter((d) => !samplesBefore.has(d)).map((d) => path.join(samplesDir, d));
    const job = readJobRecord(dir)!.job as SampleJob;
    assert.deepEqual({ sampler: job.sampler, steps: job.steps, eta: job.eta, spacing: job.spacing, guidance: job.guidance, n: job.n, seed: job.seed, weights: job.weights, prompt: job.prompt },
      { sampler: 'ddim', steps: 5, eta: 0, spacing: 'trailing', guidance: 4, n: 1, seed: 21, weights: 'ema', prompt: chosen });
    const record = readFrameRecord(dir);
    assert.equal(record.frames.length, 5);
    assert.deepEqual(record.frames[4].load().x.shape, [1, 16, 16, 3]);
    assert.deepEqual(sweepPanels()[before].rejected, []);
  });

  it('reopens the run after the fact: summary, picture and the recorded trajectory in the player', async () => {
    const r = await run('openRun', { runDir: runDir() });
    assert.equal(r.status, 'completed', r.error);
    assert.ok((r.frames ?? 0) >= 5);
    const lens = await api();
    // The player gets every step's statistics and seeks the last step from the record. 90 s: on a machine
    // shared by several test sessions a new webview has taken over 30 s to post 'ready'.
    const panel = await waitFor('the reopened run to show its last recorded step', () => lens.panels().find((p) => p.title === 'tiny-class' && p.statsSteps === r.frames && p.lastStepSought === (r.frames ?? 0) - 1), 90_000).catch((err: Error) => {
      throw new Error(`${err.message}; ${r.frames} frames; the panels titled tiny-class: ${JSON.stringify(lens.panels().filter((p) => p.title === 'tiny-class'))}`);
    });
    note(`Open Run: the player's page said ready ${panel.firstReadyMs} ms after the panel was made, after ${panel.reloads} reload(s)`);
  });

  it('rejects sampling a run without a checkpoint, and an unknown run, with the reason', async () => {
    const missing = await run('sample', { runDir: path.join(runsFolder(), 'no-such-run') });
    assert.equal(missing.status, 'error');
    assert.match(missing.error ?? '', /not a usable run \(partial\)/);
  });
});
