/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { SCHEDULE_NAMES as SCHEDULES } from '../../../../engine/schedules';
import { api, extension, note, run, waitFor } from '../helpers';

const REQUIRED = ['train', 'sample', 'sweep', 'showSchedules', 'visualizeForward', 'checkImplementation', 'openRun', 'stopRun', 'resumeTraining'];

describe('activation and contributions', () => {
  // The Schedules panel these tests open must not cover the next suite's panels: a hidden webview
  // runs no script, so it could never draw the frames a later test waits for.
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('is not active before a command or its view needs it (lazy activation)', () => {
    assert.equal(extension().isActive, false);
  });

  it('declares every command in the Diffusion category, with a title', () => {
    const contributed = extension().packageJSON.contributes.commands as { command: string; title: string; category: string }[];
    for (const id of REQUIRED) {
      const c = contributed.find((x) => x.command === `diffusionLens.${id}`);
      assert.ok(c, `diffusionLens.${id} is not contributed`);
      assert.equal(c.category, 'Diffusion');
    }
  });

  it('activates on a command, registers all commands, and loads no TensorFlow.js into the extension host', async () => {
    const r = await run('showSchedules');
    assert.equal(r.status, 'completed');
    assert.match(r.text ?? '', /cosine/);
    assert.equal(extension().isActive, true);
    const registered = await vscode.commands.getCommands(true);
    for (const id of REQUIRED) assert.ok(registered.includes(`diffusionLens.${id}`), `diffusionLens.${id} is not registered`);
    const tfjs = Object.keys(require.cache).filter((k) => k.includes('@tensorflow'));
    assert.deepEqual(tfjs, [], 'the extension host loaded TensorFlow.js');
  });

  it('the Schedules panel loads and gets the forward-process strip of every schedule, computed in runners', async () => {
    const lens = await api();
    // Also keeps this suite's runners from competing with the next suite's on a 2-core machine.
    const panel = await waitFor('the Schedules panel to load and hold a strip per schedule', () => lens.panels().find((p) => p.title === 'Noise schedules' && p.ready && SCHEDULES.every((s) => p.kept.includes(`forwardStrip:${s}`))), 120_000);
    assert.equal(panel.posted.schedules, 1);
    assert.ok((panel.posted.forwardStrip ?? 0) >= SCHEDULES.length);
    assert.deepEqual(panel.rejected, []);
    note(`Schedules: the panel's page said ready ${panel.firstReadyMs} ms after the panel was made, after ${panel.reloads} reload(s)`);
  });

  it('contributes the diffusionLens.* settings with their defaults', () => {
    const c = vscode.workspace.getConfiguration('diffusionLens');
    assert.equal(c.inspect('backend')?.defaultValue, 'auto');
    assert.equal(c.inspect('runsFolder')?.defaultValue, '');
    assert.equal(c.inspect('defaultDataset')?.defaultValue, 'shapes');
    assert.equal(c.inspect('defaultModelPreset')?.defaultValue, 'tiny');
    assert.equal(c.inspect('previewInterval')?.defaultValue, 200);
  });

  it('contributes the Runs view and the Getting Started walkthrough with its media', () => {
    const pkg = extension().packageJSON;
    assert.equal(pkg.contributes.views.diffusionLens[0].id, 'diffusionLens.runs');
    const steps = pkg.contributes.walkthroughs[0].steps as { id: string; media: { markdown: string } }[];
    assert.deepEqual(steps.map((s) => s.id), ['forward', 'schedules', 'train', 'ddim', 'guidance', 'check']);
    for (const s of steps) assert.ok(require('node:fs').existsSync(require('node:path').join(extension().extensionPath, s.media.markdown)), s.media.markdown);
  });

  it('reports malformed command arguments clearly, and keeps working', async () => {
    const r = await run('train', { steps: 'many' });
    assert.equal(r.status, 'error');
    assert.match(r.error ?? '', /'steps' is "many"; expected an integer ≥ 1\. Fix: pass steps:/);
    const typo = await run('visualizeForward', { timestep: [1] });
    assert.match(typo.error ?? '', /unknown argument 'timestep'.*Fix: use only image, size/);
    assert.ok((await api()).errorsShown().some((e) => e.includes("'steps'")));
    assert.equal((await run('showSchedules')).status, 'completed');
  });
});
