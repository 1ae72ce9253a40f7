import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { dlens } from '../helpers';

describe('dlens heatmap', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-heatmap-'));
  const run = path.join(dir, 'run');

  before(() => {
    const r = dlens('train', '--dataset', 'shapes', '--model', 'tiny', '--steps', '4', '--batch', '4', '--checkpoint-every', '2', '--preview-every', '0', '--out', run, '--json');
    assert.equal(r.code, 0, r.stderr);
  });

  it('compares two checkpoints of a run on the same images: a grid of x_t and error map pairs, and the MSE per t bucket', async () => {
    const out = path.join(dir, 'heat.png');
    const r = dlens('heatmap', '--run', run, '--compare-step', '2', '--compare-weights', 'raw', '--t', '50,500,950', '--count', '2', '--out', out, '--json');
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.deepEqual(j.models.map((m: { label: string; step: number }) => [m.label, m.step]), [['run (EMA, step 4)', 4], ['run (raw, step 2)', 2]]);
    for (const m of j.models) {
      assert.equal(m.mseAt.length, 3);
      assert.deepEqual(m.profile.t, [50, 150, 250, 350, 450, 550, 650, 750, 850, 950]);
      assert.ok(m.profile.mse.every((v: number) => v > 0 && Number.isFinite(v)));
    }
    // 2 models x 2 images x (x_t, map) = 8 cells across; x_0 then 3 timesteps = 4 rows; 16 px cells, 2 px gaps, 4x upscaled.
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.width, meta.height], [(8 * 16 + 7 * 2) * 4, (4 * 16 + 3 * 2) * 4]);
  });

  it('gives the same numbers for the same model twice: both columns see the same images and noise', () => {
    const r = dlens('heatmap', '--run', run, '--compare', run, '--t', '100', '--count', '1', '--out', path.join(dir, 'same.png'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const [a, b] = r.json().models;
    assert.deepEqual(b.mseAt, a.mseAt);
    assert.deepEqual(b.profile, a.profile);
  });

  it('prints the per-bucket MSE as a table without --json', () => {
    const r = dlens('heatmap', '--run', run, '--t', '100,900', '--count', '1', '--out', path.join(dir, 'one.png'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /MSE at the chosen timesteps:\nt\s+run \(EMA, step 4\)\n100\s+\d\.\d{4}\n900\s+\d\.\d{4}/);
    assert.match(r.stdout, /loss vs t \(MSE per t bucket, at its centre\):/);
  });

  it('names the kept checkpoints when asked for one that is not there, and the valid range for a bad timestep', () => {
    const missing = dlens('heatmap', '--run', run, '--step', '3', '--out', path.join(dir, 'x.png'), '--json');
    assert.equal(missing.code, 1);
    assert.match(missing.json().error.message, /has no checkpoint at step 3/);
    assert.match(missing.json().error.fix, /use one of the kept steps: 2, 4/);
    const late = dlens('heatmap', '--run', run, '--t', '1000', '--out', path.join(dir, 'x.png'));
    assert.equal(late.code, 1);
    assert.match(late.stderr, /Timestep 1000 is not an integer in 0\.\.999/);
    assert.ok(!fs.existsSync(path.join(dir, 'x.png')));
  });
});
