import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { DlensError } from '../../engine/errors';
import { loadImageFolder } from '../../engine/data/folder';
import { openDataset } from '../../engine/data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-folder-'));

function folder(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** An RGB image of one colour, as PNG or JPEG by extension. */
async function solid(file: string, width: number, height: number, rgb: [number, number, number]): Promise<void> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  await (file.endsWith('.png') ? img.png() : img.jpeg({ quality: 95 })).toFile(file);
}

const isError = (code: string, ...parts: (string | RegExp)[]) => (e: unknown) =>
  e instanceof DlensError && e.code === code && e.fix.length > 0 && parts.every((p) => (typeof p === 'string' ? e.message.includes(p) : p.test(e.message)));

describe('image folder', () => {
  let plain: string;
  before(async () => {
    plain = folder('plain');
    await solid(path.join(plain, 'b-red.png'), 8, 8, [255, 0, 0]);
    await solid(path.join(plain, 'a-grey.jpg'), 8, 8, [128, 128, 128]);
    // 20x10, blue 5-px bands left and right of a white 10x10 centre: covering 10x10 needs no scaling,
    // so a centred crop keeps exactly the white square and any other crop would take in blue.
    const bands = Buffer.alloc(20 * 10 * 3);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 20; x++) bands.set(x >= 5 && x < 15 ? [255, 255, 255] : [0, 0, 255], (y * 20 + x) * 3);
    await sharp(bands, { raw: { width: 20, height: 10, channels: 3 } }).png().toFile(path.join(plain, 'c-bands.png'));
    fs.writeFileSync(path.join(plain, 'notes.txt'), 'not an image');
    fs.mkdirSync(path.join(plain, 'sub'));
    await solid(path.join(plain, 'sub', 'ignored.png'), 8, 8, [0, 0, 0]);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads the top-level PNG/JPEG files in name order, resized, in [-1, 1], uncaptioned and unlabelled', async () => {
    const d = await loadImageFolder(plain, { imageSize: 10 });
    assert.equal(d.name, `folder:${plain}`);
    assert.deepEqual([d.size, d.imageSize, d.channels, d.classNames], [3, 10, 3, undefined]);
    const batch = d.get([0, 1, 2]);
    assert.deepEqual(batch.captions, ['', '', '']);
    assert.deepEqual(Array.from(batch.labels), [-1, -1, -1]);
    const px = (k: number) => batch.images.subarray(k * 300, (k + 1) * 300);
    // a-grey.jpg: 128 -> 128/127.5 - 1 = 0.0039; JPEG may move a flat colour by a level or two.
    assert.ok(px(0).every((v) => Math.abs(v - (128 / 127.5 - 1)) <= 3 / 127.5));
    // b-red.png: lossless, so exactly (1, -1, -1) everywhere after an 8 -> 10 upscale of a flat image.
    for (let p = 0; p < 100; p++) assert.deepEqual(Array.from(px(1).subarray(p * 3, p * 3 + 3)), [1, -1, -1]);
    assert.ok(px(2).every((v) => v === 1), 'centre crop of the banded image is all white');
  });

  it('converts to one channel on request', async () => {
    const d = await loadImageFolder(plain, { imageSize: 10, channels: 1 });
    assert.equal(d.channels, 1);
    const images = d.get([0, 2]).images;
    assert.equal(images.length, 2 * 100);
    // grey stays grey (JPEG tolerance as above); white stays white.
    assert.ok(images.subarray(0, 100).every((v) => Math.abs(v - (128 / 127.5 - 1)) <= 3 / 127.5));
    assert.ok(images.subarray(100).every((v) => v === 1));
  });

  it('takes captions from captions.jsonl; images it does not name get ""', async () => {
    const dir = folder('jsonl');
    await solid(path.join(dir, 'a.png'), 4, 4, [0, 0, 0]);
    await solid(path.join(dir, 'b.png'), 4, 4, [0, 0, 0]);
    fs.writeFileSync(path.join(dir, 'captions.jsonl'), '{"file": "b.png", "caption": "a \\"b\\", c"}\n\n');
    const d = await loadImageFolder(dir, { imageSize: 4 });
    assert.deepEqual(d.get([0, 1]).captions, ['', 'a "b", c']);
  });

  it('takes captions from captions.csv with quoted commas, quotes and line breaks', async () => {
    const dir = folder('csv');
    for (const f of ['a.png', 'b.png', 'c.png']) await solid(path.join(dir, f), 4, 4, [0, 0, 0]);
    fs.writeFileSync(path.join(dir, 'captions.csv'), 'file,caption\r\na.png,"red, round"\r\nb.png,"say ""hi""\nthen go"\r\nc.png,plain\r\n');
    const d = await loadImageFolder(dir, { imageSize: 4 });
    assert.deepEqual(d.get([0, 1, 2]).captions, ['red, round', 'say "hi"\nthen go', 'plain']);
  });

  it('takes an explicit captions file, and is what openDataset("folder:PATH") returns', async () => {
    const dir = folder('explicit');
    await solid(path.join(dir, 'a.png'), 4, 4, [0, 0, 0]);
    const captions = path.join(tmp, 'elsewhere.csv');
    fs.writeFileSync(captions, 'caption,file\nfrom elsewhere,a.png\n');
    const d = await openDataset(`folder:${dir}`, { imageSize: 4, captions });
    assert.deepEqual(d.get([0]).captions, ['from elsewhere']);
  });

  describe('errors', () => {
    it('names a missing folder', async () => {
      const dir = path.join(tmp, 'absent');
      await assert.rejects(loadImageFolder(dir, { imageSize: 8 }), isError('folder-not-found', dir));
    });

    it('names a folder with no images', async () => {
      const dir = folder('empty');
      fs.writeFileSync(path.join(dir, 'readme.txt'), 'x');
      await assert.rejects(loadImageFolder(dir, { imageSize: 8 }), isError('no-images', dir));
    });

    it('names an unreadable image', async () => {
      const dir = folder('broken');
      await solid(path.join(dir, 'good.png'), 4, 4, [0, 0, 0]);
      fs.writeFileSync(path.join(dir, 'broken.png'), 'these bytes are no PNG');
      await assert.rejects(loadImageFolder(dir, { imageSize: 4 }), isError('unreadable-image', path.join(dir, 'broken.png')));
    });

    it('names a caption line whose file does not exist, and a repeated one', async () => {
      const dir = folder('dangling');
      await solid(path.join(dir, 'a.png'), 4, 4, [0, 0, 0]);
      fs.writeFileSync(path.join(dir, 'captions.jsonl'), '{"file": "a.png", "caption": "x"}\n{"file": "gone.png", "caption": "y"}\n');
      await assert.rejects(loadImageFolder(dir, { imageSize: 4 }), isError('bad-captions', 'line 2', '"gone.png"', 'does not exist'));
      fs.writeFileSync(path.join(dir, 'captions.jsonl'), '{"file": "a.png", "caption": "x"}\n{"file": "a.png", "caption": "y"}\n');
      await assert.rejects(loadImageFolder(dir, { imageSize: 4 }), isError('bad-captions', 'line 2', 'first at line 1'));
    });

    it('names the line number of a malformed JSONL line', async () => {
      const dir = folder('malformed');
      await solid(path.join(dir, 'a.png'), 4, 4, [0, 0, 0]);
      fs.writeFileSync(path.join(dir, 'captions.jsonl'), '{"file": "a.png", "caption": "x"}\n\n{"file": "a.png", caption: }\n');
      await assert.rejects(loadImageFolder(dir, { imageSize: 4 }), isError('bad-captions', 'line 3', 'not valid JSON'));
      fs.writeFileSync(path.join(dir, 'captions.jsonl'), '{"file": "a.png"}\n');
      await assert.rejects(loadImageFolder(dir, { imageSize: 4 }), isError('bad-captions', 'line 1', '"caption"'));
    });

    it('rejects a CSV without the header and both captions files at once', async () => {
      const dir = folder('csv-bad');
      await solid(path.join(dir, 'a.png'), 4, 4, [0, 0, 0]);
      fs.writeFileSync(path.join(dir, 'captions.csv'), 'a.png,hello\n');
      await assert.rejects(loadImageFolder(dir, { imageSize: 4 }), isError('bad-captions', 'file and caption'));
      fs.writeFileSync(path.join(dir, 'captions.csv'), 'file,caption\na.png,hello\n');
      fs.writeFileSync(path.join(dir, 'captions.jsonl'), '');
      await assert.rejects(loadImageFolder(dir, { imageSize: 4 }), isError('ambiguous-captions', dir));
    });
  });
});
