import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DlensError } from '../../engine/errors';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from '../../engine/data/fashionMnist';
import { openDataset } from '../../engine/data';

// Needs Debian's dataset-fashion-mnist (installed by .ci/run); without it these tests fail with the
// DlensError that says how to install it.
describe('Fashion-MNIST (real data)', () => {
  const test = loadFashionMnist({ split: 'test' });
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('has the published split sizes, 10 classes, and 6000 / 1000 images per class', () => {
    const train = loadFashionMnist({ split: 'train' });
    assert.equal(train.size, 60000);
    assert.equal(test.size, 10000);
    assert.deepEqual(test.classNames, FASHION_MNIST_CLASSES);
    for (const [d, perClass] of [[train, 6000], [test, 1000]] as const) {
      const counts = new Array(10).fill(0);
      for (const l of d.get(all(d.size)).labels) counts[l]++;
      assert.deepEqual(counts, new Array(10).fill(perClass), d.size === 60000 ? 'train' : 'test');
    }
  });

  it('maps bytes 0..255 to [-1, 1] as b / 127.5 - 1 and captions each image with its class name', () => {
    const batch = test.get(all(1000));
    let [min, max] = [Infinity, -Infinity];
    for (const v of batch.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      // every value must be an exact byte level
      const b = Math.round((v + 1) * 127.5);
      assert.ok(Math.abs(b / 127.5 - 1 - v) < 1e-6 && b >= 0 && b <= 255, `value ${v}`);
    }
    // 1000 clothing photos on black: both ends of the byte range occur.
    assert.equal(min, -1);
    assert.equal(max, 1);
    assert.equal(batch.images.length, 1000 * 28 * 28);
    batch.captions.forEach((c, k) => assert.equal(c, FASHION_MNIST_CLASSES[batch.labels[k]]));
    // The first test image of Fashion-MNIST is an ankle boot (label 9).
    assert.equal(batch.labels[0], 9);
  });

  it('pads to 32 px with 2 pixels of -1 on every side and the 28 px image in the middle', () => {
    const padded = loadFashionMnist({ split: 'test', imageSize: 32, limit: 20 });
    assert.equal(padded.imageSize, 32);
    assert.equal(padded.size, 20);
    const idx = all(20);
    const big = padded.get(idx).images;
    const small = test.get(idx).images;
    for (let k = 0; k < 20; k++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const v = big[k * 1024 + y * 32 + x];
          const inner = x >= 2 && x < 30 && y >= 2 && y < 30;
          assert.equal(v, inner ? small[k * 784 + (y - 2) * 28 + (x - 2)] : -1, `image ${k} (${x}, ${y})`);
        }
      }
    }
  });

  it('is what openDataset("fashion-mnist") returns', async () => {
    const d = await openDataset('fashion-mnist', { split: 'test', limit: 5 });
    assert.equal(d.size, 5);
    assert.equal(d.channels, 1);
    assert.deepEqual(d.get([4]), test.get([4]));
  });

  it('rejects an index past limit', () => {
    assert.throws(() => loadFashionMnist({ split: 'test', limit: 3 }).get([3]), DlensError);
  });
});

describe('Fashion-MNIST errors', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-fmnist-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('names a missing folder and says how to install the package', () => {
    const dir = path.join(tmp, 'nowhere');
    assert.throws(
      () => loadFashionMnist({ split: 'train', dir }),
      (e: unknown) => e instanceof DlensError && e.message.includes(dir) && e.fix.includes('sudo apt-get install dataset-fashion-mnist'),
    );
  });

  it('names a missing file', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'half-'));
    assert.throws(
      () => loadFashionMnist({ split: 'test', dir }),
      (e: unknown) => e instanceof DlensError && e.message.includes(path.join(dir, 't10k-images-idx3-ubyte.gz')) && e.fix.includes('sudo apt-get install dataset-fashion-mnist'),
    );
  });

  it('names the file whose header is wrong', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'bad-'));
    // A gzip'd IDX file: big-endian int32 header words, then bytes.
    const write = (name: string, header: number[], body: number[]) => {
      const head = Buffer.alloc(4 * header.length);
      header.forEach((w, k) => head.writeUInt32BE(w, 4 * k));
      fs.writeFileSync(path.join(dir, name), gzipSync(Buffer.concat([head, Buffer.from(body)])));
    };
    const images = path.join(dir, 't10k-images-idx3-ubyte.gz');
    const labels = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    const bad = (file: string, pattern: RegExp) => (e: unknown) => e instanceof DlensError && e.message.includes(file) && pattern.test(e.message);

    // Two valid 28x28 images and labels load: the checks below fail for their stated reason only.
    write('t10k-images-idx3-ubyte.gz', [0x803, 2, 28, 28], new Array(2 * 784).fill(255));
    write('t10k-labels-idx1-ubyte.gz', [0x801, 2], [3, 7]);
    const ok = loadFashionMnist({ split: 'test', dir });
    assert.deepEqual(Array.from(ok.get([0, 1]).labels), [3, 7]);
    assert.ok(ok.get([1]).images.every((v) => v === 1));

    write('t10k-images-idx3-ubyte.gz', [0x801, 2, 28, 28], new Array(2 * 784).fill(0)); // label magic on images
    assert.throws(() => loadFashionMnist({ split: 'test', dir }), bad(images, /magic 0x00000801, expected 0x00000803/));
    write('t10k-images-idx3-ubyte.gz', [0x803, 3, 28, 28], new Array(2 * 784).fill(0)); // count says 3, holds 2
    assert.throws(() => loadFashionMnist({ split: 'test', dir }), bad(images, /implies/));
    write('t10k-images-idx3-ubyte.gz', [0x803, 2, 28, 28], new Array(2 * 784).fill(0));
    write('t10k-labels-idx1-ubyte.gz', [0x801, 3], [1, 2, 3]); // 3 labels for 2 images
    assert.throws(() => loadFashionMnist({ split: 'test', dir }), bad(labels, /3 labels/));
    write('t10k-labels-idx1-ubyte.gz', [0x801, 2], [1, 10]); // class 10 does not exist
    assert.throws(() => loadFashionMnist({ split: 'test', dir }), bad(labels, /label 10/));
    fs.writeFileSync(labels, 'not gzip at all');
    assert.throws(() => loadFashionMnist({ split: 'test', dir }), bad(labels, /gzip/));
  });

  it('rejects sizes other than 28 and 32', () => {
    assert.throws(() => loadFashionMnist({ split: 'test', dir: FASHION_MNIST_DIR, imageSize: 64 as 32 }), DlensError);
  });
});
