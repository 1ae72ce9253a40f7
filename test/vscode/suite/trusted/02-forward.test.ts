/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFrameRecord } from '../../../../engine/runner/frameRecord';
import { api, note, run, runAcceptingDefaults, waitFor } from '../helpers';

describe('Visualize Forward Process', () => {
  it('noises the built-in image in a runner and streams every timestep into a panel', async () => {
    const r = await run('visualizeForward', { schedule: 'cosine', timesteps: [0, 500, 999], size: 32 });
    assert.equal(r.status, 'completed', r.error);
    assert.equal(r.frames, 3);
    assert.ok(r.outDir && fs.existsSync(path.join(r.outDir, 'forward.png')));
    const record = readFrameRecord(r.outDir!);
    assert.deepEqual(record.frames.map((f) => f.t), [0, 500, 999]);
    assert.deepEqual(record.frames[2].load().x.shape, [1, 32, 32, 3]);
    const lens = await api();
    const panel = await waitFor('the panel to draw the last timestep', () => lens.panels().find((p) => p.title === 'Forward process' && p.lastStepShown === 2), 60_000);
    note(`Forward process: the panel's page said ready ${panel.firstReadyMs} ms after the panel was made, after ${panel.reloads} reload(s)`);
    assert.ok(panel.framesShown >= 1);
    assert.deepEqual(panel.rejected, []);
  });

  it('without arguments asks for image, schedule and timesteps, offering the last answers first', async () => {
    const r = await runAcceptingDefaults('visualizeForward');
    assert.equal(r.status, 'completed', r.error);
    const job = JSON.parse(fs.readFileSync(path.join(r.outDir!, 'job.json'), 'utf8')).job;
    assert.equal(job.schedule, 'cosine', 'the remembered schedule was not offered first');
    assert.deepEqual(job.timesteps, [0, 500, 999]);
  });
});
