/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { run } from '../helpers';

describe('Restricted Mode and the implementation file', () => {
  it('Select Implementation File is disabled, since the file would run as code', async () => {
    const r = await run('selectImplementation', { file: 'anything.ts' });
    assert.equal(r.status, 'restricted');
    assert.match(r.error ?? '', /Restricted Mode.*run code from the workspace/);
    const contributed = (vscode.extensions.getExtension('diffusion-lens.diffusion-lens')!.packageJSON.contributes.commands as { command: string; enablement?: string }[]).find((c) => c.command === 'diffusionLens.selectImplementation');
    assert.equal(contributed?.enablement, 'isWorkspaceTrusted');
  });
});
