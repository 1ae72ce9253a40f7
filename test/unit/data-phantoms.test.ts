import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDataset } from '../../engine/data';
import {
  PHANTOM_BACKGROUND,
  PHANTOM_CLASS_NAMES,
  PHANTOM_CONTRAST,
  createPhantoms,
  parsePhantomCaption,
  phantomCaption,
  renderPhantom,
} from '../../engine/data/phantoms';
import { scorePhantom } from '../../engine/data/phantomScore';
import { DlensError } from '../../engine/errors';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('lesion phantoms', () => {
  it('are exactly reproducible from (seed, index), in any order, and change with the seed', () => {
    const a = createPhantoms({ seed: 3, size: 50 });
    const b = createPhantoms({ seed: 3, size: 50 });
    const c = createPhantoms({ seed: 4, size: 50 });
    const forward = a.get(range(50));
    const backward = b.get(range(50).reverse());
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(forward.images.subarray(i * 1024, (i + 1) * 1024), backward.images.subarray((49 - i) * 1024, (50 - i) * 1024));
      assert.equal(forward.captions[i], backward.captions[49 - i]);
    }
    assert.notDeepEqual(forward.images, c.get(range(50)).images);
  });

  it('draw each lesion exactly PHANTOM_CONTRAST above or below the tissue under it, on the mask and nowhere else', () => {
    for (const imageSize of [16, 32, 64]) {
      const d = createPhantoms({ seed: 1, size: 60, imageSize });
      let lesionPixels = 0;
      for (let i = 0; i < d.size; i++) {
        const a = d.attributes(i);
        const image = d.get([i]).images;
        const clean = renderPhantom({ ...a, lesions: [] }, imageSize);
        const mask = d.mask(i);
        const sign = a.lesions.length === 0 ? 0 : a.lesions[0].polarity === 'bright' ? 1 : -1;
        for (let p = 0; p < mask.length; p++) {
          const diff = image[p] - clean[p];
          if (mask[p]) {
            assert.ok(Math.abs(diff - sign * PHANTOM_CONTRAST) < 1e-6, `example ${i} pixel ${p}: lesion minus tissue ${diff}`);
            assert.notEqual(clean[p], PHANTOM_BACKGROUND, 'a lesion lies inside the tissue ellipse');
            lesionPixels++;
          } else {
            assert.equal(diff, 0);
          }
        }
        if (a.lesions.length === 0) assert.ok(mask.every((m) => m === 0));
        assert.ok(image.every((v) => v >= -1 && v <= 1), 'values stay in [-1, 1]');
      }
      assert.ok(lesionPixels > 0);
    }
  });

  it('caption every example and label it by lesion type; zero, one and two lesions all occur', () => {
    const d = createPhantoms({ seed: 0, size: 300 });
    const { labels, captions } = d.get(range(300));
    const counts = new Map<number, number>();
    captions.forEach((caption, i) => {
      const lesions = parsePhantomCaption(caption);
      assert.deepEqual(lesions, d.attributes(i).lesions);
      assert.equal(phantomCaption(lesions), caption);
      counts.set(lesions.length, (counts.get(lesions.length) ?? 0) + 1);
      assert.equal(PHANTOM_CLASS_NAMES[labels[i]], lesions.length === 0 ? 'no lesion' : `${lesions[0].polarity} lesion`);
    });
    assert.deepEqual([...counts.keys()].sort(), [0, 1, 2]);
    assert.equal(phantomCaption([{ size: 'large', polarity: 'bright', site: 'upper left' }]), 'axial slice, large bright lesion, upper left');
    assert.throws(() => parsePhantomCaption('axial slice, huge bright lesion, upper left'), (e: unknown) => e instanceof DlensError && /huge/.test(e.message));
  });

  it('are scored from pixels alone: the scorer reads back every ground-truth lesion, and catches a wrong caption', () => {
    for (const imageSize of [16, 32]) {
      const d = createPhantoms({ seed: 7, size: 200, imageSize });
      const per = imageSize * imageSize;
      const batch = d.get(range(200));
      for (let i = 0; i < 200; i++) {
        const image = batch.images.subarray(i * per, (i + 1) * per);
        const s = scorePhantom(image, imageSize, batch.captions[i]);
        assert.equal(s.matches, true, `${imageSize}px example ${i}: "${batch.captions[i]}" read as ${JSON.stringify(s.detected)}`);
        assert.equal(s.label, batch.labels[i]);
      }
    }
    // A tissue-only image against a caption that promises a lesion.
    const d = createPhantoms({ seed: 7, size: 1 });
    const clean = renderPhantom({ ...d.attributes(0), lesions: [] }, 32);
    assert.equal(scorePhantom(clean, 32, 'axial slice, small dark lesion, lower right').matches, false);
    assert.equal(scorePhantom(clean, 32, 'axial slice, no lesion').matches, true);
  });

  it('open by name and reject sizes below 16 px', async () => {
    const d = await openDataset('phantoms', { imageSize: 32, size: 10, seed: 2 });
    assert.equal(d.name, 'phantoms');
    assert.equal(d.channels, 1);
    assert.deepEqual(d.classNames, PHANTOM_CLASS_NAMES);
    assert.throws(() => createPhantoms({ imageSize: 8 }), DlensError);
  });
});
