/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TINY, api, note, run, runAcceptingDefaults, runsFolder, screenshot, waitFor } from '../helpers';

describe('Training dashboard and error heatmaps', () => {
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens a dashboard with the training and feeds it progress and previews while the run trains', async () => {
    const r = await run('train', { ...TINY, steps: 8, checkpointEvery: 4, previewEvery: 4, name: 'tiny-dash' });
    assert.equal(r.status, 'completed', r.error);
    for (const f of ['previews/step-0000004.png', 'previews/step-0000004-raw.png', 'previews/step-0000008-raw.png']) assert.ok(fs.existsSync(path.join(r.runDir!, f)), `${f} is missing`);
    const lens = await api();
    const panel = await waitFor('the dashboard to have been sent progress and a preview', () => lens.panels().find((p) => p.title === 'Training tiny-dash' && (p.posted.trainMetrics ?? 0) >= 1 && (p.posted.trainPreview ?? 0) >= 1));
    // 8 progress messages (one per step): batched, so at most as many trainMetrics messages, and no panel errors.
    assert.ok(panel.posted.trainMetrics <= 9, `${panel.posted.trainMetrics} trainMetrics messages`);
    note(`dashboard: 8 progress messages (a step every ~300 ms) reached the panel as ${panel.posted.trainMetrics} trainMetrics messages, the whole history on ready included`);
    assert.deepEqual(panel.rejected, []);
    await screenshot('training-dashboard');
  });

  it("reopens a finished run's dashboard from its record", async () => {
    const r = await run('showDashboard', { runDir: path.join(runsFolder(), 'tiny-class') });
    assert.equal(r.status, 'completed', r.error);
    const lens = await api();
    const panel = await waitFor('the recorded history to reach the dashboard', () => lens.panels().find((p) => p.title === 'Training tiny-class' && (p.posted.trainMetrics ?? 0) >= 1));
    assert.deepEqual(panel.rejected, []);
  });

  it('maps the noise-prediction error of two checkpoints side by side in a panel', async () => {
    const r = await run('errorHeatmaps', { runDir: path.join(runsFolder(), 'tiny-class'), compareStep: 3, timesteps: [50, 500, 950], count: 2 });
    assert.equal(r.status, 'completed', r.error);
    assert.ok(fs.existsSync(path.join(r.outDir!, 'heatmaps.png')));
    const lens = await api();
    const panel = await waitFor('both heatmap columns to reach the panel', () => lens.panels().find((p) => p.title === 'Error heatmaps tiny-class' && p.heatmaps === 2 && (p.posted.heatmap ?? 0) >= 2));
    assert.deepEqual(panel.rejected, []);
    await screenshot('error-heatmaps');
  });

  it('without arguments asks for the run, what to compare it with and the timesteps, and runs with the defaults', async () => {
    const r = await runAcceptingDefaults('errorHeatmaps');
    assert.equal(r.status, 'completed', r.error);
    assert.ok(fs.existsSync(path.join(r.outDir!, 'heatmaps.png')));
    assert.deepEqual((await api()).remembered('heatmap'), { timesteps: [50, 250, 500, 750, 950] });
  });

  it('refuses a timestep beyond the run\'s T, naming the fix', async () => {
    const r = await run('errorHeatmaps', { runDir: path.join(runsFolder(), 'tiny-class'), timesteps: [1000] });
    assert.equal(r.status, 'error');
    assert.match(r.error ?? '', /timestep 1000 is outside 0\.\.999.*Fix: use timesteps below 1000/);
  });
});
