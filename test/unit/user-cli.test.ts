/** `--impl` on the built CLI (dist/cli.js): train a user model, sample it, and the errors on the way. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { dlens } from '../helpers';

const fixture = (name: string) => path.resolve(__dirname, '../fixtures/user', name);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-user-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('dlens --impl', () => {
  it('trains the user model, refuses to sample it without the file, samples and evaluates it with the file', () => {
    const run = path.join(dir, 'run');
    const trained = dlens('train', '--impl', fixture('tiny-model.ts'), '--out', run, '--steps', '2', '--batch', '2', '--micro-batch', '2', '--timesteps', '100', '--preview-every', '0', '--json');
    assert.equal(trained.code, 0, trained.stderr);
    // shapes are RGB: W is 3x3, b and w_t have 3 entries each
    assert.deepEqual({ status: trained.json().status, parameters: trained.json().parameters }, { status: 'completed', parameters: 3 * 3 + 3 + 3 });
    assert.match(trained.stderr, /your model \(createModel\)/);

    const without = dlens('sample', '--run', run, '--steps', '3', '--n', '2', '--out', path.join(dir, 'a.png'), '--json');
    assert.equal(without.code, 1);
    assert.equal(without.json().error.code, 'impl-required');
    assert.match(without.json().error.fix, /--impl .*tiny-model\.ts/);

    const withFile = dlens('sample', '--run', run, '--impl', fixture('tiny-model.ts'), '--steps', '3', '--n', '2', '--out', path.join(dir, 'b.png'), '--json');
    assert.equal(withFile.code, 0, withFile.stderr);
    assert.equal(withFile.json().n, 2);
    assert.ok(fs.statSync(path.join(dir, 'b.png')).size > 0);

    const evaluated = dlens('eval', '--run', run, '--impl', fixture('tiny-model.ts'), '--json');
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const profile = evaluated.json().lossProfile as { t: number[]; mse: number[] };
    assert.deepEqual(profile.t, [5, 15, 25, 35, 45, 55, 65, 75, 85, 95], 'bucket centres of T = 100');
    assert.ok(profile.mse.every((v) => Number.isFinite(v) && v > 0));
  });

  it('a missing implementation file is a JSON error with the path and the fix', () => {
    const r = dlens('sample', '--run', path.join(dir, 'run'), '--impl', path.join(dir, 'nope.ts'), '--json');
    assert.equal(r.code, 1);
    assert.equal(r.json().error.code, 'impl-not-found');
    assert.match(r.json().error.message, /Implementation file not found: .*nope\.ts/);
  });
});
