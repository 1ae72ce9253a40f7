import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { createPhantoms } from '../../engine/data/phantoms';
import { NEAR_COPY_QUANTILE, nearestNeighbours, quantile } from '../../engine/study/nearest';
import { studyConfig } from '../../engine/study/config';
import { dlens } from '../helpers';

describe('nearest-neighbour near-copy check', () => {
  const S = 16;
  const per = S * S;
  const training = createPhantoms({ imageSize: S, size: 40, seed: 5 }).get(Array.from({ length: 40 }, (_, i) => i)).images;
  const fresh = createPhantoms({ imageSize: S, size: 10, seed: 6 }).get(Array.from({ length: 10 }, (_, i) => i)).images;

  it('flags a planted exact copy of a training image (distance 0, nearest = that image)', () => {
    const synthetic = new Float32Array(11 * per);
    synthetic.set(fresh);
    synthetic.set(training.subarray(17 * per, 18 * per), 10 * per); // the planted copy of training image 17
    const r = nearestNeighbours({ values: synthetic, dim: per }, { values: training, dim: per });
    assert.equal(r.distances[10], 0);
    assert.equal(r.nearestIndex[10], 17);
    assert.equal(r.min, 0);
    assert.ok(r.nearCopyIndices.includes(10), `threshold ${r.threshold}`);
    // Fresh draws are flagged only as often as real images sit that close to each other (about 5%), never all.
    assert.ok(r.nearCopies < 11);
    assert.equal(r.nearCopies, r.nearCopyIndices.length);
    assert.equal(r.histogram.synthetic.reduce((a, b) => a + b, 0), 11);
    assert.equal(r.histogram.realToReal.reduce((a, b) => a + b, 0), 40);
  });

  it('measures RMS pixel distance and takes the threshold from real-to-real distances (leave-one-out)', () => {
    // Three 1x4 "images": distances by hand. Real-to-real nearest: a-b = sqrt(4/4) = 1, b-a = 1, c-b = sqrt(4*4/4) = 2.
    const a = [0, 0, 0, 0];
    const b = [1, 1, 1, 1];
    const c = [-1, -1, -1, -1];
    const r = nearestNeighbours([[0.5, 0.5, 0.5, 0.5]], [a, b, c]);
    assert.deepEqual(r.realToReal, [1, 1, 1]); // c is 1 from a, too
    assert.equal(r.distances[0], 0.5);
    assert.equal(r.threshold, quantile([1, 1, 1], NEAR_COPY_QUANTILE));
    assert.equal(quantile([0, 10], 0.05), 0.5);
  });
});

describe('dlens study --quick (tiny settings, end to end)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-study-'));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('runs the three arms and prints the report as one JSON object on the last line', () => {
    const r = dlens('study', '--dataset', 'phantoms', '--quick', '--out', out, '--generator-steps', '4', '--synthetic', '6', '--sampler-steps', '2', '--classifier-steps', '3', '--seeds', '2', '--json');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]);
    const cfg = studyConfig('phantoms', true);
    for (const arm of ['real', 'real+synthetic', 'synthetic']) {
      assert.equal(report.arms[arm].accuracy.length, 2, arm);
      for (const a of report.arms[arm].accuracy) assert.ok(a >= 0 && a <= 1);
    }
    assert.equal(report.arms.real.trainSize, cfg.realTrain);
    assert.equal(report.arms['real+synthetic'].trainSize, cfg.realTrain + 6);
    assert.equal(report.arms.synthetic.trainSize, 6);
    assert.ok(Number.isFinite(report.frechet) && report.frechet >= 0);
    assert.ok(Number.isFinite(report.nearestNeighbour.min) && report.nearestNeighbour.min >= 0);
    assert.ok(Number.isInteger(report.nearestNeighbour.nearCopies));
    assert.equal(report.nearestNeighbour.distances.length, 6);
    // Lesions planted by inpainting into the quick preset's lesion-free real test phantoms.
    assert.equal(report.inpainting.n, cfg.inpaint);
    assert.ok(report.inpainting.rate >= 0 && report.inpainting.rate <= 1);
    assert.ok(fs.existsSync(path.join(out, report.files.inpainted)));
    assert.equal(report.label, 'synthetic — not for diagnosis');
    assert.match(report.files.synthetic, /synthetic-not-for-diagnosis/);
    assert.ok(fs.existsSync(path.join(out, report.files.synthetic)));
    assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), /synthetic — not for diagnosis/);
  });

  it('rejects a dataset it cannot study, naming the choices', () => {
    const r = dlens('study', '--dataset', 'shapes', '--json');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /phantoms, mri/);
  });
});
