/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, run, runsFolder, screenshot } from '../helpers';

describe('Run records on disk', () => {
  before(() => {
    const make = (name: string, manifest?: string) => {
      fs.mkdirSync(path.join(runsFolder(), name), { recursive: true });
      if (manifest !== undefined) fs.writeFileSync(path.join(runsFolder(), name, 'manifest.json'), manifest);
    };
    make('broken-json', '{"format": "dlens-run/1", "status": ');
    make('foreign', JSON.stringify({ format: 'something-else/2' }));
    make('no-steps', JSON.stringify({ format: 'dlens-run/1', status: 'completed', model: {}, training: {}, step: 3, dataset: { spec: 'shapes' } }));
    make('half-written');
  });

  it('lists corrupt and partial records with the reason, next to the good runs', async () => {
    const items = (await api()).runs();
    const by = (label: string) => items.find((i) => i.label === label);
    assert.match(by('broken-json')?.description ?? '', /^corrupt: .*is not valid JSON/);
    assert.match(by('foreign')?.description ?? '', /^corrupt: .*not a Diffusion Lens run manifest/);
    assert.match(by('no-steps')?.description ?? '', /^corrupt: manifest.json has no valid 'training.steps'/);
    assert.equal(by('half-written')?.description, 'partial: no manifest.json');
    assert.equal(by('broken-json')?.contextValue, 'run.corrupt');
    assert.ok(by('tiny-class'), 'a good run vanished from the view');
  });

  it('refuses to open a corrupt run, saying why', async () => {
    const r = await run('openRun', { runDir: path.join(runsFolder(), 'broken-json') });
    assert.equal(r.status, 'error');
    assert.match(r.error ?? '', /not a usable run \(corrupt\): .*not valid JSON.*Fix: restore manifest.json/);
  });

  it('opens the Runs view (screenshot runs-view.png)', async () => {
    await vscode.commands.executeCommand('diffusionLens.runs.focus');
    assert.ok((await api()).runs().length >= 5);
    await screenshot('runs-view');
  });

  it('deletes a run folder, and only inside the runs folder', async () => {
    const dir = path.join(runsFolder(), 'broken-json');
    assert.equal((await run('deleteRun', { runDir: dir, confirm: true })).status, 'completed');
    assert.equal(fs.existsSync(dir), false);
    assert.equal((await api()).runs().some((i) => i.label === 'broken-json'), false);
    const outside = await run('deleteRun', { runDir: path.dirname(runsFolder()), confirm: true });
    assert.equal(outside.status, 'error');
    assert.ok(fs.existsSync(runsFolder()));
  });
});
