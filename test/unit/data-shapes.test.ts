import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DlensError } from '../../engine/errors';
import {
  COLOURS,
  POSITIONS,
  SHAPES,
  SHAPES_CLASS_NAMES,
  SIZES,
  type ShapesAttributes,
  createShapes,
  parseShapesCaption,
  renderShape,
  shapesCaption,
  shapesHalfExtent,
} from '../../engine/data/shapes';
import { scoreShapes } from '../../engine/data/shapesScore';
import { openDataset } from '../../engine/data';
import { Rng } from '../../engine/random';

const ALL: ShapesAttributes[] = SIZES.flatMap((size) =>
  COLOURS.flatMap((colour) => SHAPES.flatMap((shape) => POSITIONS.map((position) => ({ size, colour, shape, position })))),
);

/** Foreground pixels (any channel above the -1 background) as [x, y]. */
function foreground(image: Float32Array, S: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < S * S; p++) {
    if (image[p * 3] > -1 || image[p * 3 + 1] > -1 || image[p * 3 + 2] > -1) out.push([p % S, Math.floor(p / S)]);
  }
  return out;
}

function image(batchImages: Float32Array, k: number, S: number): Float32Array {
  return batchImages.subarray(k * S * S * 3, (k + 1) * S * S * 3);
}

describe('shapes dataset', () => {
  it('is a pure function of (seed, index): same pixels in any order, from a fresh dataset', () => {
    const a = createShapes({ imageSize: 16, seed: 3 });
    const b = createShapes({ imageSize: 16, seed: 3 });
    const forward = a.get([0, 1, 2, 500, 9999]);
    const backward = b.get([9999, 500, 2, 1, 0]);
    for (const [k, j] of [[0, 4], [1, 3], [2, 2], [3, 1], [4, 0]]) {
      assert.deepEqual(image(forward.images, k, 16), image(backward.images, j, 16));
      assert.equal(forward.captions[k], backward.captions[j]);
    }
    // Another seed must draw another sequence: 200 indices agreeing on all 96 combinations by chance is impossible.
    const c = createShapes({ imageSize: 16, seed: 4 });
    const idx = Array.from({ length: 200 }, (_, i) => i);
    assert.notDeepEqual(a.get(idx).captions, c.get(idx).captions);
  });

  it('draws each attribute value about equally often', () => {
    const n = 4000;
    const d = createShapes({ size: n, seed: 1 });
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const a = d.attributes(i);
      for (const v of [a.colour, a.shape, a.size, a.position]) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const values of [COLOURS, SHAPES, SIZES, POSITIONS]) {
      const p = 1 / values.length;
      const sd = Math.sqrt(n * p * (1 - p));
      for (const v of values) {
        const c = counts.get(v) ?? 0;
        assert.ok(Math.abs(c - n * p) < 5 * sd, `${v}: ${c} of ${n}, expected ${n * p} ± ${5 * sd}`);
      }
    }
  });

  it('labels each example with its "colour position" class and captions it with all four attributes', () => {
    const d = createShapes({ size: 300, seed: 2 });
    assert.equal(d.classNames.length, 16);
    assert.equal(new Set(d.classNames).size, 16);
    const idx = Array.from({ length: 300 }, (_, i) => i);
    const batch = d.get(idx);
    for (const i of idx) {
      const a = d.attributes(i);
      assert.equal(batch.captions[i], `${a.size} ${a.colour} ${a.shape} ${a.position}`);
      assert.equal(d.classNames[batch.labels[i]], `${a.colour} ${a.position}`);
    }
  });

  it('draws one flat shape of the caption colour on -1, inside its quadrant, with a (2h+1)-pixel box', () => {
    for (const S of [16, 17, 20, 23, 32, 64]) {
      for (const a of ALL) {
        const img = renderShape(a, S);
        const lit = a.colour === 'red' ? [1, -1, -1] : a.colour === 'green' ? [-1, 1, -1] : a.colour === 'blue' ? [-1, -1, 1] : [1, 1, -1];
        const fg = foreground(img, S);
        for (const [x, y] of fg) assert.deepEqual(Array.from(img.subarray((y * S + x) * 3, (y * S + x) * 3 + 3)), lit);
        const h = shapesHalfExtent(S, a.size);
        const xs = fg.map(([x]) => x);
        const ys = fg.map(([, y]) => y);
        const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
        const label = `${S}px ${shapesCaption(a)}`;
        assert.equal(x1 - x0 + 1, 2 * h + 1, label);
        assert.equal(y1 - y0 + 1, 2 * h + 1, label);
        // Inside the quadrant the caption names: left/top half is x, y < S/2.
        assert.ok(a.position.endsWith('left') ? x1 < S / 2 : x0 >= S / 2, label);
        assert.ok(a.position.startsWith('top') ? y1 < S / 2 : y0 >= S / 2, label);
        if (a.shape === 'square') assert.equal(fg.length, (2 * h + 1) ** 2, label);
        // A circle of radius h + 1/2 meets its top row where dx² <= (h + 1/2)² - 1/4 - h² = h.
        if (a.shape === 'circle') assert.equal(fg.filter(([, y]) => y === y0).length, 2 * Math.floor(Math.sqrt(h)) + 1, label);
        // A triangle has one apex pixel in its top row and a full base row.
        if (a.shape === 'triangle') {
          assert.equal(fg.filter(([, y]) => y === y0).length, 1, label);
          assert.equal(fg.filter(([, y]) => y === y1).length, 2 * h + 1, label);
        }
      }
    }
  });

  it('sizes: large is about 0.2 S, small about 0.11 S but at least 2 px', () => {
    assert.deepEqual([shapesHalfExtent(16, 'small'), shapesHalfExtent(16, 'large')], [2, 3]);
    assert.deepEqual([shapesHalfExtent(32, 'small'), shapesHalfExtent(32, 'large')], [4, 6]);
  });

  it('rejects bad options and out-of-range indices', () => {
    assert.throws(() => createShapes({ imageSize: 8 }), DlensError);
    assert.throws(() => createShapes({ seed: 0.5 }), DlensError);
    const d = createShapes({ size: 10 });
    assert.throws(() => d.get([10]), DlensError);
    assert.throws(() => d.attributes(-1), DlensError);
  });

  it('is what openDataset("shapes") returns', async () => {
    const d = await openDataset('shapes', { imageSize: 32, size: 50, seed: 9 });
    assert.deepEqual(d.get([7]), createShapes({ imageSize: 32, size: 50, seed: 9 }).get([7]));
    await assert.rejects(openDataset('cifar'), (e: unknown) => e instanceof DlensError && /shapes, fashion-mnist, folder:PATH/.test(e.message));
  });
});

describe('shapes captions', () => {
  it('parses every caption the dataset writes back to its attributes', () => {
    for (const a of ALL) assert.deepEqual(parseShapesCaption(shapesCaption(a)), a);
  });

  it('names the unknown word', () => {
    assert.throws(() => parseShapesCaption('large purple circle top left'), (e: unknown) => e instanceof DlensError && /"purple"/.test(e.message));
    assert.throws(() => parseShapesCaption('large red circle middle left'), (e: unknown) => e instanceof DlensError && /"middle"/.test(e.message));
    assert.throws(() => parseShapesCaption('red circle'), (e: unknown) => e instanceof DlensError && /2 words/.test(e.message));
  });
});

describe('shapes scorer', () => {
  for (const S of [16, 32]) {
    it(`reads all four attributes of 500 generated ${S}px images (>= 98% each)`, () => {
      const d = createShapes({ imageSize: S, size: 500, seed: 11 });
      const batch = d.get(Array.from({ length: 500 }, (_, i) => i));
      const right = { colour: 0, position: 0, size: 0, shape: 0 };
      for (let k = 0; k < 500; k++) {
        const s = scoreShapes(image(batch.images, k, S), S, batch.captions[k]);
        for (const key of Object.keys(right) as (keyof typeof right)[]) if (s[key]) right[key]++;
      }
      for (const [key, n] of Object.entries(right)) assert.ok(n >= 490, `${S}px ${key}: ${n}/500 right`);
    });
  }

  it('says false for exactly the attribute a changed caption gets wrong', () => {
    const other = <T>(xs: readonly T[], x: T): T => xs[(xs.indexOf(x) + 1) % xs.length];
    for (const S of [16, 32]) {
      for (const a of ALL) {
        const img = renderShape(a, S);
        for (const key of ['colour', 'shape', 'size', 'position'] as const) {
          const values: readonly string[] = { colour: COLOURS, shape: SHAPES, size: SIZES, position: POSITIONS }[key];
          const changed = { ...a, [key]: other(values, a[key]) } as ShapesAttributes;
          const s = scoreShapes(img, S, shapesCaption(changed));
          for (const k of ['colour', 'shape', 'size', 'position'] as const) assert.equal(s[k], k !== key, `${S}px ${shapesCaption(a)} scored as ${shapesCaption(changed)}: ${k}`);
        }
      }
    }
  });

  it('says false for everything on an empty image', () => {
    const s = scoreShapes(new Float32Array(16 * 16 * 3).fill(-1), 16, 'large red circle top left');
    assert.deepEqual([s.colour, s.position, s.size, s.shape, s.detected], [false, false, false, false, null]);
  });

  it('ignores Gaussian noise of sd 0.15 and a stray speckle elsewhere', () => {
    // A pixel counts as foreground when a channel moves more than 1 from its value: with sd 0.15 that is
    // a 6.7-sigma event (p ~ 2e-11 per value), so noise neither adds nor removes foreground pixels.
    const rng = new Rng(5);
    for (const S of [16, 32]) {
      for (const a of ALL) {
        const img = renderShape(a, S);
        for (let i = 0; i < img.length; i++) img[i] += 0.15 * rng.gaussian();
        // One lit pixel in the opposite corner: not connected to the shape, so it must not count.
        const x = a.position.endsWith('left') ? S - 1 : 0;
        const y = a.position.startsWith('top') ? S - 1 : 0;
        img.set([1, 1, 1], (y * S + x) * 3);
        const s = scoreShapes(img, S, shapesCaption(a));
        assert.deepEqual(s.detected, a, `${S}px ${shapesCaption(a)}`);
      }
    }
  });

  it('rejects an image of the wrong length', () => {
    assert.throws(() => scoreShapes(new Float32Array(10), 16, 'large red circle top left'), DlensError);
  });
});

describe('shapes class names', () => {
  it('lists colour x position, colour-major, matching label = colour * 4 + position', () => {
    assert.equal(SHAPES_CLASS_NAMES[0], 'red top left');
    assert.equal(SHAPES_CLASS_NAMES[5], 'green top right');
    assert.equal(SHAPES_CLASS_NAMES[15], 'yellow bottom right');
  });
});
