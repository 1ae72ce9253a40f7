/** σ_data, as the trajectory player's theory needs it: the root mean within-image variance of the data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryDataset } from '../../engine/data/memory';
import { sigmaData, withinVariance } from '../../engine/data/sigmaData';
import { createShapes } from '../../engine/data/shapes';
import { newRunManifest } from '../../engine/train/newRun';

const SIZE = 4;
const PER = SIZE * SIZE;

/** Image i: half its pixels at c_i + a_i, half at c_i − a_i, so its variance about its own mean is a_i² exactly. */
function twoLevel(amplitudes: number[], offsets: number[]) {
  const images = new Float32Array(amplitudes.length * PER);
  amplitudes.forEach((a, i) => {
    for (let k = 0; k < PER; k++) images[i * PER + k] = offsets[i] + (k % 2 === 0 ? a : -a);
  });
  const n = amplitudes.length;
  return memoryDataset('two-level', { imageSize: SIZE, channels: 1 }, { images, labels: new Int32Array(n).fill(-1), captions: Array(n).fill('') });
}

describe('sigmaData', () => {
  it('is sqrt of the mean within-image variance: amplitudes 0.25 and 0.5 give sqrt((0.0625 + 0.25) / 2)', () => {
    // Values chosen exact in float32, so the only error is the arithmetic's.
    const got = sigmaData(twoLevel([0.25, 0.5], [0, 0]));
    assert.ok(Math.abs(got - Math.sqrt((0.0625 + 0.25) / 2)) < 1e-12, `${got}`);
  });

  it("ignores the images' own means: offsets that differ image to image change nothing", () => {
    // Pooling every pixel would add the offsets' spread (here 0.25² about their mean) to the variance.
    assert.ok(Math.abs(sigmaData(twoLevel([0.5, 0.5], [-0.25, 0.25])) - 0.5) < 1e-7);
  });

  it('reads evenly spaced examples when the dataset is larger than the limit', () => {
    // Examples 0, 2, 4, ... have amplitude 0.5, the odd ones 0.125: a limit of half the size reads only the even ones.
    const amps = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 0.5 : 0.125));
    assert.ok(Math.abs(sigmaData(twoLevel(amps, Array(10).fill(0)), 5) - 0.5) < 1e-7);
    assert.ok(Math.abs(sigmaData(twoLevel(amps, Array(10).fill(0))) - Math.sqrt((0.25 + 0.015625) / 2)) < 1e-7);
  });

  it('withinVariance is the population variance: [1, 2, 3, 4] gives 1.25', () => {
    assert.equal(withinVariance([1, 2, 3, 4]), 1.25);
    assert.equal(withinVariance([0, 0, 7, 1, 2, 3, 4], 3, 7), 1.25, 'only the range [3, 7), i.e. [1, 2, 3, 4]');
  });

  it('a new run records it in its manifest', () => {
    const data = createShapes({ imageSize: 16, size: 64, seed: 1 });
    const m = newRunManifest('/tmp/dlens-sigma-run', data, { datasetSpec: 'shapes', preset: 'tiny', cond: 'none', schedule: 'linear', T: 1000, training: { steps: 1, batchSize: 2, microBatch: 2, learningRate: 1e-3, warmupSteps: 0, gradClip: 1, emaDecay: 0.999, condDropout: 0, seed: 0, checkpointEvery: 1, previewEvery: 0 } });
    assert.equal(m.dataset.sigmaData, sigmaData(data));
    assert.ok(m.dataset.sigmaData! > 0.05 && m.dataset.sigmaData! < 1, `${m.dataset.sigmaData}`);
  });
});
