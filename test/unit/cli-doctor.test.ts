import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECK_IDS } from '../../engine/doctor';
import { dlens } from '../helpers';

/** The last stdout line is the report (--json promises that), whatever the command logged before it. */
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('dlens doctor', () => {
  it('a correct implementation: exit 0, no findings, every check passed', () => {
    const r = dlens('doctor', 'examples/ddpm-correct.ts', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = lastJson(r.stdout);
    assert.deepEqual(report.findings, []);
    assert.deepEqual([...report.passed].sort(), [...CHECK_IDS].sort());
    assert.deepEqual(report.provided, ['betas', 'addNoise', 'timesteps', 'step', 'createModel']);
  });

  it('a broken implementation: exit 1 and the finding in the JSON shape of issue 6', () => {
    const r = dlens('doctor', 'examples/bug-fixed-stride.ts', '--json', '--steps', '25', '--seed', '3');
    assert.equal(r.code, 1);
    const report = lastJson(r.stdout);
    const f = report.findings.find((x: { check: string }) => x.check === 'timesteps.step-consistency');
    assert.ok(f, r.stdout);
    assert.equal(f.severity, 'error');
    for (const key of ['message', 'expected', 'measured', 'fix']) assert.equal(typeof f[key], 'string');
    assert.equal(typeof f.evidence, 'object');
    assert.ok(report.passed.includes('schedule.monotonic'));
    assert.deepEqual(report.settings, { T: 1000, steps: 25, seed: 3 });
  });

  it('warnings alone exit 0; the text report names the check, expected, measured and fix', () => {
    const r = dlens('doctor', 'examples/warn-terminal-snr.ts');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /⚠ warning schedule\.terminal-snr \(betas\)/);
    assert.match(r.stdout, /expected: sqrt\(alphaBar_T\) <= 0\.0078/);
    assert.match(r.stdout, /measured: sqrt\(alphaBar_T\) = 0\.068/);
    assert.match(r.stdout, /fix: /);
    assert.match(r.stdout, /0 errors, 1 warning\./);
  });

  it('a missing file is an error with a fix, not a report', () => {
    const r = dlens('doctor', 'examples/no-such-file.ts', '--json');
    assert.equal(r.code, 1);
    assert.equal(lastJson(r.stdout).error.code, 'impl-not-found');
    assert.match(r.stderr, /Fix: /);
  });

  it('rejects a step count of 1 or above T', () => {
    const r = dlens('doctor', 'examples/ddpm-correct.ts', '--steps', '1');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--steps/);
    const big = dlens('doctor', 'examples/ddpm-correct.ts', '--steps', '2000', '--json');
    assert.equal(big.code, 1);
    assert.match(lastJson(big.stdout).error.message, /2000 sampling steps with T = 1000/);
  });
});
