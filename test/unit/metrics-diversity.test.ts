import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../../engine/errors';
import { adherence, diversityRatio, meanPairwiseDistance, tensorRows } from '../../engine/metrics';
import type { Judge } from '../../engine/metrics/judge';
import { trainJudge } from '../../engine/metrics/judge';
import { Rng } from '../../engine/random';
import { backend } from '../helpers';
import { halvesDataset, range } from './metrics-fixtures';

const code = (c: string) => (err: unknown) => err instanceof DlensError && err.code === c;

describe('sample diversity', () => {
  it('mean pairwise distance of small sets by hand', () => {
    // {0, 1, 3}: pairs 1, 3, 2 -> 2. Unit square corners: four sides of 1, two diagonals of sqrt 2.
    assert.equal(meanPairwiseDistance([[0], [1], [3]]), 2);
    assert.ok(Math.abs(meanPairwiseDistance([[0, 0], [1, 0], [0, 1], [1, 1]]) - (4 + 2 * Math.SQRT2) / 6) < 1e-15);
    assert.equal(meanPairwiseDistance({ values: [0, 0, 3, 4], dim: 2 }), 5);
    assert.throws(() => meanPairwiseDistance([[1, 2]]), code('too-few-samples'));
  });

  it('identical samples have diversity 0; scaling the samples by k scales the ratio by k', () => {
    const rng = new Rng(1);
    const real = Array.from({ length: 50 }, () => Array.from({ length: 12 }, () => rng.gaussian()));
    const same = Array.from({ length: 50 }, () => real[0].slice());
    assert.equal(diversityRatio(same, real), 0);
    assert.ok(Math.abs(diversityRatio(real, real) - 1) < 1e-15);
    // Distances are homogeneous of degree 1 and blind to a common shift.
    const scaled = real.map((r) => r.map((v) => 2 * v + 5));
    assert.ok(Math.abs(diversityRatio(scaled, real) - 2) < 1e-12);
    assert.throws(() => diversityRatio(real, same), code('degenerate-reference'));
    assert.throws(() => diversityRatio(real, [[1, 2], [3, 4]]), code('dimension-mismatch'));
  });

  it('Gaussian samples: E|x - y| = 2 sigma Gamma((d+1)/2) / Gamma(d/2)', () => {
    // x - y ~ N(0, 2 sigma^2 I), so |x - y| is sqrt 2 sigma times a chi with d degrees of freedom.
    // d = 8: Gamma(4.5) = 3.5 * 2.5 * 1.5 * 0.5 * sqrt(pi), Gamma(4) = 6.
    const d = 8;
    const sigma = 1.5;
    const exact = (2 * sigma * (3.5 * 2.5 * 1.5 * 0.5 * Math.sqrt(Math.PI))) / 6;
    const rng = new Rng(2);
    const n = 1500;
    const x = Array.from({ length: n }, () => Array.from({ length: d }, () => sigma * rng.gaussian()));
    // A U-statistic's variance is at most 4 Var(|x - y|) / n, and Var(|x - y|) = E|x - y|^2 - exact^2 = 2 d sigma^2 - exact^2.
    const se = Math.sqrt((4 * (2 * d * sigma ** 2 - exact ** 2)) / n);
    const got = meanPairwiseDistance(x);
    assert.ok(Math.abs(got - exact) < 5 * se, `${got} vs ${exact} (se ${se})`);
  });

  it('reads image batches as flat rows', async () => {
    await backend();
    const t = tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1], [2, 2, 2, 1]);
    const rows = await tensorRows(t);
    t.dispose();
    // Two 2x2 images differing by 1 in each of 4 pixels: distance 2.
    assert.equal(meanPairwiseDistance(rows), 2);
  });
});

describe('adherence', () => {
  let judge: Judge;
  const data = halvesDataset(16, 200, 8);
  const trueLabels = Array.from(data.get(range(200)).labels);

  before(async () => {
    await backend();
    judge = await trainJudge(data, { steps: 40, batchSize: 32, seed: 3 });
  });

  const imagesOf = (n: number) => tf.tensor4d(data.get(range(n)).images, [n, 16, 16, 1]);

  it('a judge agrees with its own training labels; flipped labels score exactly the complement', async () => {
    const x = imagesOf(200);
    const right = await adherence(judge, x, trueLabels);
    assert.ok(right.accuracy >= 0.95, `accuracy ${right.accuracy}`);
    assert.deepEqual(right.perClass.map((c) => [c.className, c.requested]), [['left', 100], ['right', 100]]);
    for (const c of right.perClass) {
      assert.ok(c.accuracy! >= 0.9, `${c.className}: ${c.accuracy}`);
      assert.equal(c.accuracy, c.correct / c.requested);
    }
    assert.equal(right.perClass[0].correct + right.perClass[1].correct, right.accuracy * 200);

    // With two classes the judge's choice matches either y or 1 - y, never both.
    const flipped = await adherence(judge, x, trueLabels.map((y) => 1 - y));
    assert.ok(Math.abs(flipped.accuracy + right.accuracy - 1) < 1e-12);

    // A random permutation of the labels matches the truth about half the time (hypergeometric, sd ~0.035).
    const rng = new Rng(4);
    const shuffled = trueLabels.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const random = await adherence(judge, x, shuffled);
    assert.ok(Math.abs(random.accuracy - 0.5) < 0.18, `shuffled ${random.accuracy}`);
    x.dispose();
  });

  it('reports a class nobody asked for as null, and refuses bad requests', async () => {
    const x = imagesOf(10);
    const onlyLeft = await adherence(judge, x, new Array(10).fill(0));
    assert.deepEqual(onlyLeft.perClass[1], { className: 'right', requested: 0, correct: 0, accuracy: null });
    assert.equal(onlyLeft.perClass[0].requested, 10);
    // Images 0, 2, ... are 'left': at most those can count, and a good judge gets them.
    assert.ok(onlyLeft.accuracy <= 0.5 + 1e-12 && onlyLeft.accuracy >= 0.4, `${onlyLeft.accuracy}`);
    await assert.rejects(adherence(judge, x, [0, 1]), code('label-count-mismatch'));
    await assert.rejects(adherence(judge, x, new Array(10).fill(2)), /outside 0\.\.1.*left, right/);
    x.dispose();
  });
});
