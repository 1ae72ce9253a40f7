/** The study's synthetic-image filters: they keep exactly the images that show what they were asked for. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createPhantoms } from '../../engine/data/phantoms';
import { memoryDataset } from '../../engine/data/memory';
import { studyConfig } from '../../engine/study/config';
import { filterSynthetic } from '../../engine/study/filter';
import { backend } from '../helpers';

const S = 32;
const phantoms = createPhantoms({ imageSize: S, size: 240, seed: 11 });
const all = phantoms.get(Array.from({ length: 240 }, (_, i) => i));
const take = (from: number, n: number) => ({ images: all.images.slice(from * S * S, (from + n) * S * S), labels: all.labels.slice(from, from + n), captions: all.captions.slice(from, from + n) });
const cfg = { ...studyConfig('phantoms', false), filter: 'scorer' as const };

describe('synthetic-image filters', () => {
  before(backend);

  it('scorer: keeps a real phantom under its own caption and drops it under a caption it contradicts', async () => {
    const e = take(0, 40);
    // Stand-ins for synthetic images: real phantoms, the odd ones asked for under another phantom's caption.
    const wrong = (i: number) => e.captions.findIndex((c, j) => all.labels[j] !== e.labels[i] && c !== e.captions[i]);
    const captions = e.captions.map((c, i) => (i % 2 === 1 ? e.captions[wrong(i)] : c));
    const { kept, report } = await filterSynthetic({ ...e, captions }, { method: 'scorer', dataset: 'phantoms', realTrain: phantoms, cfg });
    assert.deepEqual(report, { method: 'scorer', generated: 40, kept: 20 });
    assert.deepEqual(kept.captions, e.captions.filter((_, i) => i % 2 === 0));
    assert.deepEqual([...kept.images.subarray(S * S, 2 * S * S)], [...e.images.subarray(2 * S * S, 3 * S * S)], 'the second image kept is image 2, pixels intact');
  });

  it('judge: a classifier trained on real phantoms keeps most images under their true class and few under a wrong one', async () => {
    const real = memoryDataset('real', phantoms, take(0, 120));
    const e = take(120, 120);
    const { report: right } = await filterSynthetic(e, { method: 'judge', dataset: 'phantoms', realTrain: real, cfg });
    // Every label moved to the next class (3 classes): each image is asked for a class it does not show.
    const shifted = { ...e, labels: e.labels.map((l) => (l + 1) % 3) };
    // Keeping none at all is an error (nothing left to train on): that counts as 0 here.
    const wrongKept = await filterSynthetic(shifted, { method: 'judge', dataset: 'phantoms', realTrain: real, cfg }).then(
      (r) => r.report!.kept,
      (err: { code?: string }) => (err.code === 'nothing-kept' ? 0 : Promise.reject(err)),
    );
    assert.ok(right!.kept >= 0.75 * 120, `true labels: kept ${right!.kept} of 120`);
    assert.ok(wrongKept <= 0.25 * 120, `wrong labels: kept ${wrongKept} of 120`);
  });

  it('none keeps everything; a filter that keeps nothing, or the scorer on MRI, is an error with a fix', async () => {
    const e = take(0, 4);
    assert.equal((await filterSynthetic(e, { method: 'none', dataset: 'phantoms', realTrain: phantoms, cfg })).kept, e);
    const lesioned = [...all.labels.keys()].filter((i) => all.labels[i] !== 0).slice(0, 4);
    const allWrong = { images: Float32Array.from(lesioned.flatMap((i) => [...all.images.subarray(i * S * S, (i + 1) * S * S)])), labels: Int32Array.from(lesioned, () => 0), captions: lesioned.map(() => 'axial slice, no lesion') };
    await assert.rejects(filterSynthetic(allWrong, { method: 'scorer', dataset: 'phantoms', realTrain: phantoms, cfg }), /kept none of the 4 synthetic images.*Fix: train the generator longer/s);
    await assert.rejects(filterSynthetic(e, { method: 'scorer', dataset: 'mri', realTrain: phantoms, cfg }), /exists for phantoms only, not mri.*Fix: use --filter judge/s);
  });
});
