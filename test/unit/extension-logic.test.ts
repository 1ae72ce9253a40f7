/** The extension's vscode-free parts: argument checking, trust gating, paths, run records, outcomes. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { MANIFEST_FORMAT } from '../../engine/run/manifest';
import { parseArgs, parseNumberList } from '../../extension/commands/args';
import { newRunName, resolveRunsFolder } from '../../extension/paths';
import { readRunInfo, scanRuns } from '../../extension/runRecords';
import { recordOutcome } from '../../extension/runner/outcome';
import { USER_CODE_COMMANDS, clipRestriction, restrictionReason } from '../../extension/trust';

/** Temporary folders of this file, removed when it is done. */
const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-ext-'));
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function manifest(extra: Record<string, unknown> = {}) {
  return {
    format: MANIFEST_FORMAT, id: 'r', createdAt: '2026-11-26T00:00:00Z', updatedAt: '2026-11-26T00:00:00Z', status: 'running',
    dataset: { spec: 'shapes', imageSize: 16, channels: 3, size: 10 }, preset: 'tiny', model: { cond: 'none' }, schedule: { name: 'linear', T: 1000 },
    prediction: 'epsilon', training: { steps: 10 }, step: 4, parameters: 1, macsPerSample: 1, checkpoint: { step: 4, file: 'checkpoints/step-0000004.json' }, ...extra,
  };
}

describe('command arguments', () => {
  const schema = { steps: { type: 'int', min: 1 }, preset: { type: 'string', values: ['tiny', 'small'] }, scales: { type: 'numbers' } } as const;

  it('parses, converts numeric strings, and leaves absent keys to the defaults', () => {
    assert.deepEqual(parseArgs('X', { steps: '20', scales: '0, 1.5 3' }, schema), { steps: 20, scales: [0, 1.5, 3] });
    assert.deepEqual(parseNumberList('1;2 , 3'), [1, 2, 3]);
    assert.equal(parseNumberList('1, two'), undefined);
  });

  it('rejects bad values and unknown keys with the problem and the fix', () => {
    assert.throws(() => parseArgs('Diffusion: Train Model', { steps: 0 }, schema), /^CommandArgError: Diffusion: Train Model: 'steps' is 0; expected an integer ≥ 1\. Fix: pass steps: 1\.$/);
    assert.throws(() => parseArgs('X', { preset: 'huge' }, schema), /'preset' is "huge"; expected one of tiny, small\. Fix: pass preset: "tiny"/);
    assert.throws(() => parseArgs('X', { step: 3 }, schema), /unknown argument 'step'\. Fix: use only steps, preset, scales/);
  });
});

describe('restricted mode', () => {
  it('blocks exactly the commands that run workspace code, and only when untrusted', () => {
    assert.ok(USER_CODE_COMMANDS.has('diffusionLens.checkImplementation'));
    assert.match(restrictionReason('diffusionLens.checkImplementation', false) ?? '', /Restricted Mode/);
    assert.equal(restrictionReason('diffusionLens.checkImplementation', true), undefined);
    assert.match(clipRestriction(false) ?? '', /Restricted Mode.*CLIP/);
    assert.equal(clipRestriction(true), undefined);
    for (const builtIn of ['diffusionLens.train', 'diffusionLens.sample', 'diffusionLens.sweep', 'diffusionLens.visualizeForward', 'diffusionLens.showSchedules']) {
      assert.equal(restrictionReason(builtIn, false), undefined, `${builtIn} must work in Restricted Mode`);
    }
  });

  it('package.json gates the same commands and declares limited support with the restricted settings', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    const gated = pkg.contributes.commands.filter((c: { enablement?: string }) => c.enablement === 'isWorkspaceTrusted').map((c: { command: string }) => c.command);
    assert.deepEqual(gated, [...USER_CODE_COMMANDS]);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('diffusionLens.runsFolder'));
  });
});

describe('paths', () => {
  it('puts runs in <workspace>/.diffusion-lens/runs unless told otherwise', () => {
    assert.equal(resolveRunsFolder('', '/ws', '/global'), '/ws/.diffusion-lens/runs');
    assert.equal(resolveRunsFolder('records', '/ws', '/global'), '/ws/records');
    assert.equal(resolveRunsFolder('/abs/runs', '/ws', '/global'), '/abs/runs');
    assert.equal(resolveRunsFolder('', undefined, '/global'), '/global');
  });

  it('names new runs readably and never reuses a name', () => {
    const date = new Date('2026-11-26T07:05:09Z');
    assert.equal(newRunName(['shapes', 'tiny', 'class'], () => false, date), 'shapes-tiny-class-2026-11-26T07-05-09');
    const taken = new Set(['a-2026-11-26T07-05-09', 'a-2026-11-26T07-05-09-2']);
    assert.equal(newRunName(['a'], (n) => taken.has(n), date), 'a-2026-11-26T07-05-09-3');
    assert.equal(newRunName(['folder-my images/'], () => false, date), 'folder-my-images-2026-11-26T07-05-09');
  });
});

describe('run records', () => {
  it('reads good, corrupt and partial records without throwing, each with its reason', () => {
    const root = tmp();
    const put = (name: string, text?: string) => {
      fs.mkdirSync(path.join(root, name, 'checkpoints'), { recursive: true });
      if (text !== undefined) fs.writeFileSync(path.join(root, name, 'manifest.json'), text);
    };
    put('good', JSON.stringify(manifest({ status: 'completed' })));
    fs.writeFileSync(path.join(root, 'good', 'checkpoints', 'step-0000004.json'), '{}');
    fs.writeFileSync(path.join(root, 'good', 'metrics.jsonl'), '{"loss":0.5}\n{"loss":0.25}\n');
    put('truncated', '{"format": "dlens-run/1", "sta');
    put('bad-status', JSON.stringify(manifest({ status: 'exploded' })));
    put('lost-checkpoints', JSON.stringify(manifest({ status: 'cancelled' })));
    put('empty');
    fs.mkdirSync(path.join(root, '.forward'));
    const runs = Object.fromEntries(scanRuns(root).map((r) => [r.name, r]));
    assert.deepEqual(Object.keys(runs).sort(), ['bad-status', 'empty', 'good', 'lost-checkpoints', 'truncated']);
    assert.equal(runs.good.state, 'completed');
    assert.equal(runs.good.lastLoss, 0.25);
    assert.equal(runs.good.checkpointStep, 4);
    assert.equal(runs.truncated.state, 'corrupt');
    assert.match(runs.truncated.problem!, /is not valid JSON/);
    assert.match(runs['bad-status'].problem!, /unknown status "exploded"/);
    assert.equal(runs['lost-checkpoints'].state, 'cancelled');
    assert.match(runs['lost-checkpoints'].problem!, /checkpoints\/ holds no checkpoint/);
    assert.equal(runs.empty.state, 'partial');
    assert.deepEqual(scanRuns(path.join(root, 'missing')), []);
  });

  it('after a runner dies, marks a run still "running" as failed, with the reason and log tail, and removes its temp files', () => {
    const dir = path.join(tmp(), 'run');
    fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest()));
    fs.writeFileSync(path.join(dir, 'checkpoints', 'step-0000006.bin.4242.tmp'), 'partial');
    const job = { kind: 'train', runDir: dir } as never;
    recordOutcome(job, { status: 'failed', cause: 'crash', message: 'The runner was killed by SIGKILL before finishing.', logTail: ['step 5', 'step 6'], exitCode: null, signal: 'SIGKILL' }, 4242);
    const info = readRunInfo(dir);
    assert.equal(info.state, 'failed');
    assert.match(info.manifest!.error!, /SIGKILL before finishing\. The checkpoint at step 4 is intact[\s\S]*Last log lines:\nstep 5\nstep 6/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')), []);
    // A record the runner already closed is left alone.
    recordOutcome(job, { status: 'cancelled', logTail: [], exitCode: null, signal: 'SIGTERM' }, 4242);
    assert.equal(readRunInfo(dir).state, 'failed');
  });
});
