/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { latestGoodCheckpoint, listCheckpoints, readCheckpoint } from '../../../../engine/run/checkpoint';
import type { CommandResult } from '../../../../extension/commands/result';
import { TINY, api, note, readJson, run, runsFolder, waitFor } from '../helpers';

/** Starts a long tiny training run and waits until it has written a checkpoint. */
async function longRun(name: string, extra: Record<string, unknown> = {}): Promise<{ dir: string; done: Promise<CommandResult>; pid: number }> {
  const dir = path.join(runsFolder(), name);
  const done = run('train', { ...TINY, steps: 5000, checkpointEvery: 2, previewEvery: 0, name, ...extra });
  const lens = await api();
  const job = await waitFor(`${name} to train past a checkpoint`, () => lens.jobs().find((j) => j.dir === dir && (j.step ?? 0) >= 3 && listCheckpoints(dir).length > 0), 60_000);
  return { dir, done, pid: job.pid! };
}

describe('Stop, crash and hang', () => {
  it('shows step, loss and speed in the status bar while training', async () => {
    const { dir, done } = await longRun('status-bar');
    const lens = await api();
    assert.match(lens.statusBarText() ?? '', /Diffusion: \d+\/5000 · loss \d+\.\d+ · \d+\.\d+ it\/s/);
    const item = lens.runs().find((i) => i.runDir === dir);
    assert.equal(item?.contextValue, 'run.running.live');
    assert.equal((await run('stopRun', { runDir: dir })).status, 'cancelled');
    await done;
    assert.equal(lens.statusBarText(), undefined, 'the status bar item outlived the training');
  });

  it('Stop Run stops the runner within a second and keeps the run resumable', async () => {
    const { dir, done } = await longRun('to-stop');
    const stop = await run('stopRun', { runDir: dir });
    assert.equal(stop.status, 'cancelled');
    note(`Stop Run: the training runner was gone ${stop.stopMs} ms after Stop`);
    assert.ok((stop.stopMs ?? Infinity) <= 1000, `the runner took ${stop.stopMs} ms to stop`);
    const r = await done;
    assert.equal(r.status, 'cancelled');
    const m = readJson(path.join(dir, 'manifest.json'));
    assert.equal(m.status, 'cancelled');
    assert.ok(latestGoodCheckpoint(dir).data, 'no readable checkpoint after Stop');
    const item = (await api()).runs().find((i) => i.runDir === dir);
    assert.match(item?.description ?? '', /^cancelled at \d+\/5000$/);
  });

  it('a killed runner: clear error with its log, run marked failed, last checkpoint intact, resumable', async () => {
    const { dir, done, pid } = await longRun('to-kill');
    process.kill(pid, 'SIGKILL');
    const r = await done;
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /The runner was killed by SIGKILL before finishing.*The checkpoint at step \d+ is intact/s);
    const m = readJson(path.join(dir, 'manifest.json'));
    assert.equal(m.status, 'failed');
    assert.match(String(m.error), /SIGKILL[\s\S]*Last log lines:/);
    const ckpt = latestGoodCheckpoint(dir);
    assert.deepEqual(ckpt.skipped, []);
    const step = ckpt.data!.meta.step;
    assert.ok(step >= 2);
    assert.ok(readCheckpoint(dir, step).sections.weights!.length > 0);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'temporary files of the killed runner remain');
    const lens = await api();
    assert.ok(lens.errorsShown().some((e) => e.includes('to-kill') && e.includes('SIGKILL')), 'no error was shown');
    assert.match(lens.runs().find((i) => i.runDir === dir)?.description ?? '', /^failed at/);
    const resumed = await run('resumeTraining', { runDir: dir, steps: step + 2 });
    assert.equal(resumed.status, 'completed', resumed.error);
    assert.equal(resumed.resumedFrom, step);
    assert.equal(resumed.step, step + 2);
  });

  it('a hung runner is detected, stopped and reported; the run is marked failed', async () => {
    const { dir, done, pid } = await longRun('to-hang', { hangTimeoutMs: 3000 });
    process.kill(pid, 'SIGSTOP');
    const r = await done;
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /sent nothing for 3\.0 s/);
    assert.equal(readJson(path.join(dir, 'manifest.json')).status, 'failed');
    assert.ok(latestGoodCheckpoint(dir).data);
  });
});
