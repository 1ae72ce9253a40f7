/** The study's synthetic-image filters: they keep exactly the images that show what they were asked for. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { MemoryExamples } from '../../engine/data/memory';
import { createPhantoms } from '../../engine/data/phantoms';
import { memoryDataset } from '../../engine/data/memory';
import { studyConfig } from '../../engine/study/config';
import { filterSynthetic, syntheticJudge } from '../../engine/study/filter';
import { backend } from '../helpers';

const S = 32;
const PER = S * S;
const phantoms = createPhantoms({ imageSize: S, size: 240, seed: 11 });
const all = phantoms.get(Array.from({ length: 240 }, (_, i) => i));
const take = (from: number, n: number): MemoryExamples => ({ images: all.images.slice(from * PER, (from + n) * PER), labels: all.labels.slice(from, from + n), captions: all.captions.slice(from, from + n) });
const cfg = studyConfig('phantoms', false);
const scorerOptions = { dataset: 'phantoms' as const, realTrain: phantoms, cfg };

/** 40 requests (real phantoms' captions); the odd ones first drawn as a phantom that contradicts the caption. */
function requests() {
  const e = take(0, 40);
  const contradicting = (i: number) => [...all.labels.keys()].find((j) => all.labels[j] !== e.labels[i])!;
  const images = e.images.slice();
  for (let i = 1; i < 40; i += 2) images.set(all.images.subarray(contradicting(i) * PER, (contradicting(i) + 1) * PER), i * PER);
  const image = (i: number) => e.images.subarray(i * PER, (i + 1) * PER);
  return { truth: e, firstDraw: { ...e, images }, image, wrongImage: (i: number) => all.images.subarray(contradicting(i) * PER, (contradicting(i) + 1) * PER) };
}

describe('synthetic-image filters', () => {
  before(backend);

  it('scorer: accepts a real phantom under its own caption and rejects one that contradicts its caption', async () => {
    const { firstDraw } = requests();
    const judge = await syntheticJudge('scorer', scorerOptions);
    assert.deepEqual(await judge.accepts(firstDraw), Array.from({ length: 40 }, (_, i) => i % 2 === 0));
  });

  it('redraws each rejected image for its caption: a good redraw is kept in its place, a bad one again redrawn, up to the rounds allowed', async () => {
    const { truth, firstDraw, image, wrongImage } = requests();
    const judge = await syntheticJudge('scorer', scorerOptions);
    const asked: number[][] = [];
    const good = async (indices: number[]) => (asked.push(indices), Float32Array.from(indices.flatMap((i) => [...image(i)])));
    const fixed = await filterSynthetic(firstDraw, judge, 'scorer', 3, good, PER);
    assert.deepEqual(asked, [Array.from({ length: 20 }, (_, k) => 2 * k + 1)], 'one round, for exactly the rejected ones');
    assert.deepEqual(fixed.report, { method: 'scorer', requested: 40, drawn: 60, kept: 40, rounds: 1 });
    assert.deepEqual([...fixed.kept.images], [...truth.images], 'every redrawn image in its own place');
    assert.deepEqual(fixed.kept.captions, truth.captions);

    const bad = async (indices: number[]) => Float32Array.from(indices.flatMap((i) => [...wrongImage(i)]));
    const stuck = await filterSynthetic(firstDraw, judge, 'scorer', 3, bad, PER);
    assert.deepEqual(stuck.report, { method: 'scorer', requested: 40, drawn: 40 + 3 * 20, kept: 20, rounds: 3 });
    assert.deepEqual(stuck.kept.captions, truth.captions.filter((_, i) => i % 2 === 0));
  });

  it('judge: a classifier trained on real phantoms accepts most images under their true class and few under a wrong one', async () => {
    const judge = await syntheticJudge('judge', { dataset: 'phantoms', realTrain: memoryDataset('real', phantoms, take(0, 120)), cfg });
    try {
      const e = take(120, 120);
      const right = (await judge.accepts(e)).filter(Boolean).length;
      // Every label moved to the next class (3 classes): each image is asked for a class it does not show.
      const wrong = (await judge.accepts({ ...e, labels: e.labels.map((l) => (l + 1) % 3) })).filter(Boolean).length;
      assert.ok(right >= 0.75 * 120, `true labels: accepted ${right} of 120`);
      assert.ok(wrong <= 0.25 * 120, `wrong labels: accepted ${wrong} of 120`);
    } finally {
      judge.dispose();
    }
  });

  it('a filter that keeps nothing, and the scorer on MRI, are errors with a fix', async () => {
    const lesioned = [...all.labels.keys()].filter((i) => all.labels[i] !== 0).slice(0, 4);
    const allWrong = { images: Float32Array.from(lesioned.flatMap((i) => [...all.images.subarray(i * PER, (i + 1) * PER)])), labels: Int32Array.from(lesioned, () => 0), captions: lesioned.map(() => 'axial slice, no lesion') };
    const judge = await syntheticJudge('scorer', scorerOptions);
    await assert.rejects(filterSynthetic(allWrong, judge, 'scorer', 0, async () => new Float32Array(0), PER), /accepted none of the 4 synthetic images drawn.*Fix: train the generator longer/s);
    await assert.rejects(syntheticJudge('scorer', { ...scorerOptions, dataset: 'mri' }), /exists for phantoms only, not mri.*Fix: use --filter judge/s);
  });
});
