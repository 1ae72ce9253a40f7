import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { dlens } from '../helpers';


describe('dlens train / sample / sweep / eval', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-cli-'));
  const run = path.join(dir, 'run');

  it('trains a tiny text-conditioned model, then resumes and extends it', () => {
    const first = dlens('train', '--dataset', 'shapes', '--model', 'tiny', '--cond', 'text', '--steps', '4', '--batch', '4', '--checkpoint-every', '2', '--preview-every', '4', '--out', run, '--json');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual({ status: first.json().status, step: first.json().step }, { status: 'completed', step: 4 });
    assert.ok(fs.existsSync(path.join(run, 'previews', 'step-0000004.png')));
    const more = dlens('train', '--out', run, '--steps', '6', '--json');
    assert.equal(more.code, 0, more.stderr);
    assert.equal(more.json().resumedFrom, 4);
    assert.match(more.stderr, /resuming from the checkpoint at step 4 of 6/);
  });

  it('samples byte-identical grids for the same seed, different ones for another', () => {
    const out = (name: string, seed: string) => {
      const file = path.join(dir, name);
      const r = dlens('sample', '--run', run, '--prompt', 'large red circle top left', '--negative-prompt', 'small blue square bottom right', '--steps', '4', '--n', '4', '--seed', seed, '--out', file);
      assert.equal(r.code, 0, r.stderr);
      return fs.readFileSync(file);
    };
    assert.ok(out('a.png', '1').equals(out('b.png', '1')));
    assert.ok(!out('c.png', '2').equals(out('a.png', '1')));
    const unknown = dlens('sample', '--run', run, '--prompt', 'purple hexagon', '--steps', '2', '--n', '1', '--out', path.join(dir, 'd.png'));
    assert.match(unknown.stderr, /words this model never saw are ignored: purple, hexagon/);
  });

  it('sweeps guidance scales in columns and seeds in rows', async () => {
    const file = path.join(dir, 'sweep.png');
    const r = dlens('sweep', '--run', run, '--guidance', '0,1,5', '--seeds', '2', '--steps', '3', '--out', file, '--json');
    assert.equal(r.code, 0, r.stderr);
    const meta = await sharp(file).metadata();
    // 16 px cells upscaled 3x, 2 px gaps (scaled too): 3 columns, 2 rows.
    assert.equal(meta.width, (3 * 16 + 2 * 2) * 3);
    assert.equal(meta.height, (2 * 16 + 2) * 3);
    assert.deepEqual(r.json().scales, [0, 1, 5]);
  });

  it('evaluates the loss-vs-t profile and adherence per scale', () => {
    const r = dlens('eval', '--run', run, '--guidance', '0,5', '--n', '4', '--steps', '2', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = r.json();
    assert.equal(report.lossProfile.mse.length, 10);
    assert.deepEqual(report.lossProfile.t, [50, 150, 250, 350, 450, 550, 650, 750, 850, 950]);
    assert.deepEqual(report.adherence.map((a: { scale: number }) => a.scale), [0, 5]);
    assert.equal(report.adherenceBy, 'shapes-scorer');
    assert.deepEqual(Object.keys(report.adherence[0].parts).sort(), ['colour', 'colour+position', 'position', 'shape', 'size']);
  });

  it('stops on SIGTERM after the current step, keeping a checkpoint of where it stopped', async () => {
    const out = path.join(dir, 'stopped');
    const child = spawn(process.execPath, [path.join(__dirname, '../../dist/cli.js'), 'train', '--dataset', 'shapes', '--model', 'tiny', '--steps', '100000', '--batch', '2', '--checkpoint-every', '100000', '--preview-every', '0', '--out', out], { env: { ...process.env, DLENS_BACKEND: 'wasm' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait for the first logged step, then ask it to stop.
    while (!/step 10\//.test(stderr)) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /stopping after this step and saving a checkpoint/);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(m.status, 'cancelled');
    assert.ok(m.checkpoint.step >= 10 && m.checkpoint.step < 100000);
  });

  it('refuses class conditioning on a folder of images (no classes) and explains', async () => {
    const imgs = path.join(dir, 'imgs');
    fs.mkdirSync(imgs);
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toFile(path.join(imgs, 'grey.png'));
    const r = dlens('train', '--dataset', `folder:${imgs}`, '--image-size', '16', '--cond', 'class', '--out', path.join(dir, 'r2'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /has no class labels, so --cond class cannot work\. Fix: use --cond text/);
    assert.ok(!fs.existsSync(path.join(dir, 'r2', 'manifest.json')), 'no run folder is left behind');
  });
});
