/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TINY, api, run, workspace } from '../helpers';

describe('Restricted Mode (untrusted workspace)', () => {
  it('runs in an untrusted workspace (precondition of this suite)', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'code-server opened the workspace as trusted; this suite cannot check Restricted Mode');
  });

  it('disables the command that would run workspace code, with an explanation', async () => {
    const r = await run('checkImplementation');
    assert.equal(r.status, 'restricted');
    assert.match(r.error ?? '', /Restricted Mode.*run code from the workspace.*Trust the workspace/);
    const contributed = (vscode.extensions.getExtension('diffusion-lens.diffusion-lens')!.packageJSON.contributes.commands as { command: string; enablement?: string }[]).find((c) => c.command === 'diffusionLens.checkImplementation');
    assert.equal(contributed?.enablement, 'isWorkspaceTrusted');
    const clip = await run('train', { ...TINY, cond: 'clip', clipDir: workspace(), steps: 2 });
    assert.equal(clip.status, 'restricted');
    assert.match(clip.error ?? '', /CLIP conditioning would load and run a text model from the workspace/);
  });

  it('ignores a workspace runsFolder setting (restricted configuration)', async () => {
    assert.equal((await api()).runsFolder(), path.join(workspace(), '.diffusion-lens', 'runs'));
  });

  it('still runs the built-in models: schedules, forward process, tiny training', async () => {
    assert.equal((await run('showSchedules')).status, 'completed');
    assert.equal((await run('visualizeForward', { timesteps: [0, 999], size: 16 })).status, 'completed');
    const r = await run('train', { ...TINY, steps: 2, checkpointEvery: 2, previewEvery: 0, name: 'untrusted-tiny' });
    assert.equal(r.status, 'completed', r.error);
    assert.ok(r.runDir?.startsWith(workspace()));
  });
});
