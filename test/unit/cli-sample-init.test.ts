import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { dlens } from '../helpers';

/** Greyscale bytes of a PNG. */
async function pixels(file: string): Promise<Buffer> {
  return sharp(file).greyscale().raw().toBuffer();
}

describe('dlens sample --init / --strength / --mask on a phantoms model (labelled synthetic)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-init-'));
  const run = path.join(dir, 'run');
  const real = path.join(dir, 'real.png');
  const S = 32;
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const r = dlens('train', '--dataset', 'phantoms', '--image-size', '32', '--cond', 'text', '--steps', '2', '--batch', '2', '--micro-batch', '2', '--preview-every', '0', '--out', run, '--json');
    assert.equal(r.code, 0, r.stderr);
    // A "real" image: a smooth ramp, every byte level exact.
    const ramp = Buffer.alloc(S * S);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) ramp[y * S + x] = 40 + 4 * x + 2 * y;
    await sharp(ramp, { raw: { width: S, height: S, channels: 1 } }).png().toFile(real);
  });

  it('strength 0 returns the init image unchanged; the file name, metadata and output carry the notice', async () => {
    const out = path.join(dir, 'same.png');
    const r = dlens('sample', '--run', run, '--prompt', 'axial slice, no lesion', '--n', '1', '--steps', '4', '--init', real, '--strength', '0', '--out', out, '--json');
    assert.equal(r.code, 0, r.stderr);
    const written = r.json().out as string;
    assert.equal(written, path.join(dir, 'same-synthetic-not-for-diagnosis.png'));
    assert.equal(r.json().label, 'synthetic — not for diagnosis');
    assert.deepEqual(await pixels(written), await pixels(real));
    const exif = (await sharp(written).metadata()).exif;
    assert.ok(exif && exif.toString('latin1').includes('synthetic - not for diagnosis'));
    const text = dlens('sample', '--run', run, '--n', '1', '--steps', '2', '--out', path.join(dir, 'text.png'));
    assert.match(text.stdout, /SYNTHETIC — NOT FOR DIAGNOSIS/);
  });

  it('inpainting keeps every pixel outside the mask exactly and regenerates the masked square', async () => {
    const mask = Buffer.alloc(S * S);
    for (let y = 4; y < 14; y++) for (let x = 4; x < 14; x++) mask[y * S + x] = 255;
    const maskFile = path.join(dir, 'mask.png');
    await sharp(mask, { raw: { width: S, height: S, channels: 1 } }).png().toFile(maskFile);
    const r = dlens('sample', '--run', run, '--prompt', 'axial slice, large bright lesion, upper left', '--n', '1', '--steps', '6', '--init', real, '--mask', maskFile, '--out', path.join(dir, 'inpaint.png'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const [got, want] = [await pixels(r.json().out), await pixels(real)];
    let changed = 0;
    for (let p = 0; p < S * S; p++) {
      if (mask[p]) changed += got[p] !== want[p] ? 1 : 0;
      else assert.equal(got[p], want[p], `pixel ${p} outside the mask`);
    }
    assert.ok(changed > 50, `${changed} of 100 masked pixels changed`);
  });

  it('refuses a mask without an image to inpaint, naming the fix', () => {
    const r = dlens('sample', '--run', run, '--mask', real, '--out', path.join(dir, 'x.png'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--init/);
  });
});
