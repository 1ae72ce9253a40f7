/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { latestGoodCheckpoint } from '../../../../engine/run/checkpoint';
import { TINY, api, readJson, run, runAcceptingDefaults, runsFolder } from '../helpers';

describe('Train Model', () => {
  it('trains the tiny preset in a runner and leaves a complete run record', async () => {
    const r = await run('train', { ...TINY, cond: 'class', steps: 6, checkpointEvery: 3, previewEvery: 3, name: 'tiny-class' });
    assert.equal(r.status, 'completed', r.error);
    assert.equal(r.step, 6);
    const dir = path.join(runsFolder(), 'tiny-class');
    assert.equal(r.runDir, dir);
    const m = readJson(path.join(dir, 'manifest.json'));
    assert.equal(m.status, 'completed');
    assert.equal(m.step, 6);
    assert.equal(latestGoodCheckpoint(dir).data?.meta.step, 6);
    for (const f of ['metrics.jsonl', 'runner.log', 'previews/step-0000003.png', 'previews/step-0000006.png']) assert.ok(fs.existsSync(path.join(dir, f)), `${f} is missing`);
  });

  it('shows the run in the Runs view with its state and progress', async () => {
    const item = (await api()).runs().find((i) => i.label === 'tiny-class');
    assert.ok(item, 'tiny-class is not in the Runs view');
    assert.match(item.description, /^completed · 6\/6 · loss \d/);
    assert.equal(item.contextValue, 'run.completed');
    assert.equal(item.icon, 'pass');
    assert.match(item.tooltip, /tiny U-Net.*conditioning class/);
  });

  it('remembers the choices of the flow in this workspace', async () => {
    const last = (await api()).remembered('train') as Record<string, unknown>;
    assert.deepEqual(last, { dataset: 'shapes', preset: 'tiny', cond: 'class', steps: 6, seed: 1 });
  });

  it('without arguments asks dataset, size, conditioning, steps and seed, with the remembered answers as defaults', async () => {
    const r = await runAcceptingDefaults('train');
    assert.equal(r.status, 'completed', r.error);
    assert.match(path.basename(r.runDir!), /^shapes-tiny-class-\d{4}-/);
    const m = readJson(path.join(r.runDir!, 'manifest.json')) as { step: number; training: { seed: number } };
    assert.equal(m.step, 6);
    assert.equal(m.training.seed, 1);
  });

  it('refuses to train into a run that is already there, naming the fix', async () => {
    const r = await run('train', { ...TINY, steps: 2, name: 'tiny-class' });
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /already holds a run\. Fix: use Diffusion: Resume Training/);
    assert.doesNotMatch(r.error ?? '', /is intact/, 'a refusal is not a crash: no note about surviving checkpoints');
    assert.equal(readJson(path.join(runsFolder(), 'tiny-class', 'manifest.json')).status, 'completed', 'the existing run was touched');
  });
});
