import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frechetDistance, frechetFromMoments, meanAndCovariance } from '../../engine/metrics/frechet';
import { Rng } from '../../engine/random';

const diag = (...v: number[]) => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));

/** n draws of x = mu + A z, z ~ N(0, I): covariance A A^T. */
function gaussianRows(rng: Rng, n: number, mu: number[], A: number[][]): number[][] {
  const d = mu.length;
  return Array.from({ length: n }, () => {
    const z = Array.from({ length: A[0].length }, () => rng.gaussian());
    return Array.from({ length: d }, (_, i) => mu[i] + A[i].reduce((s, a, k) => s + a * z[k], 0));
  });
}

function rotation(theta: number): number[][] {
  return [
    [Math.cos(theta), -Math.sin(theta)],
    [Math.sin(theta), Math.cos(theta)],
  ];
}

function mul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

const transpose = (a: number[][]) => a[0].map((_, j) => a.map((row) => row[j]));

describe('Fréchet distance from exact moments', () => {
  it('diagonal covariances: |dmu|^2 + sum (sigma1 - sigma2)^2', () => {
    // Tr(C1 + C2 - 2 sqrt(C1 C2)) for diagonals is sum (s1 - s2)^2: (1-2)^2 + (2-3)^2 = 2; |(1, 2)|^2 = 5.
    assert.ok(Math.abs(frechetFromMoments([0, 0], diag(1, 4), [0, 0], diag(4, 9)) - 2) < 1e-12);
    assert.ok(Math.abs(frechetFromMoments([0, 0], diag(1, 4), [1, 2], diag(4, 9)) - 7) < 1e-12);
    assert.ok(Math.abs(frechetFromMoments([3, -1, 2], diag(1, 1, 1), [3, -1, 2], diag(1, 1, 1))) < 1e-12);
  });

  it('a rotated covariance (C2 = R C1 R^T, equal means) matches the 2x2 closed form', () => {
    // C1 = diag(a, b), S = C1^{1/2}. M = S C2 S has Tr M = (a^2 + b^2) cos^2 + 2ab sin^2 and det M = det(C1)^2 = a^2 b^2.
    // For a 2x2 PSD M, Cayley-Hamilton on sqrt(M) gives (Tr sqrt M)^2 = Tr M + 2 sqrt(det M), so
    //   FD = Tr C1 + Tr C2 - 2 sqrt((a^2 + b^2) cos^2 + 2ab sin^2 + 2ab),  Tr C2 = Tr C1 = a + b.
    // Checks: theta = 0 gives 0; theta = 90 deg gives 2 (sqrt a - sqrt b)^2, the diagonal formula.
    const exact = (a: number, b: number, t: number) => 2 * (a + b) - 2 * Math.sqrt((a * a + b * b) * Math.cos(t) ** 2 + 2 * a * b * Math.sin(t) ** 2 + 2 * a * b);
    // By hand at 45 deg, a = 4, b = 1: C2 = [[2.5, 1.5], [1.5, 2.5]], M = [[10, 3], [3, 2.5]], Tr 12.5, det 16: 10 - 2 sqrt(20.5).
    const c2 = mul(mul(rotation(Math.PI / 4), diag(4, 1)), transpose(rotation(Math.PI / 4)));
    assert.ok(Math.abs(c2[0][0] - 2.5) < 1e-12 && Math.abs(c2[0][1] - 1.5) < 1e-12);
    assert.ok(Math.abs(frechetFromMoments([0, 0], diag(4, 1), [0, 0], c2) - (10 - 2 * Math.sqrt(20.5))) < 1e-10);
    assert.ok(Math.abs(exact(4, 1, Math.PI / 4) - (10 - 2 * Math.sqrt(20.5))) < 1e-12);
    for (const [a, b] of [[4, 1], [9, 0.25], [2, 3]]) {
      for (const t of [0.1, 0.7, 1.3, Math.PI / 2, 2.5]) {
        const rot = mul(mul(rotation(t), diag(a, b)), transpose(rotation(t)));
        const fd = frechetFromMoments([1, 1], diag(a, b), [1, 1], rot);
        assert.ok(Math.abs(fd - exact(a, b, t)) < 1e-9, `a ${a} b ${b} theta ${t}: ${fd} vs ${exact(a, b, t)}`);
      }
    }
  });

  it('is unchanged when both distributions are rotated together', () => {
    // FD is invariant under a common orthogonal map, so diag(1, 4) vs diag(4, 9) stays 2 + |dmu|^2 in any basis.
    const R = rotation(0.6);
    const rot = (c: number[][]) => mul(mul(R, c), transpose(R));
    const mu2 = mul(R, [[1], [2]]).map((r) => r[0]);
    assert.ok(Math.abs(frechetFromMoments([0, 0], rot(diag(1, 4)), mu2, rot(diag(4, 9))) - 7) < 1e-10);
  });

  it('handles singular covariances (round-off negative eigenvalues are clamped, never NaN)', () => {
    // C1 = [[1,1],[1,1]] and C2 = 4 C1 share the eigenvector (1,1)/sqrt2 with eigenvalues 2 and 8, the other 0:
    // FD = (sqrt 2 - sqrt 8)^2 = 2.
    const c1 = [[1, 1], [1, 1]];
    const c2 = [[4, 4], [4, 4]];
    const fd = frechetFromMoments([0, 0], c1, [0, 0], c2);
    assert.ok(Math.abs(fd - 2) < 1e-7, `${fd}`);
    // A rank-1 covariance against itself: 0, not NaN.
    const self = frechetFromMoments([0, 0], [[1e-3, 2e-3], [2e-3, 4e-3]], [0, 0], [[1e-3, 2e-3], [2e-3, 4e-3]]);
    assert.ok(self >= 0 && self < 1e-9, `${self}`);
    // Fewer samples than dimensions: 14 of the 20 eigenvalues are 0 and come out of the solver as +-1e-16.
    const rng = new Rng(11);
    const few = (shift: number) => Array.from({ length: 6 }, () => Array.from({ length: 20 }, () => rng.gaussian() + shift));
    const [x, y] = [few(0), few(1)];
    const xy = frechetDistance(x, y);
    assert.ok(Number.isFinite(xy) && xy > 0, `${xy}`);
    assert.ok(frechetDistance(x, x) < 1e-8, `${frechetDistance(x, x)}`);
  });

  it('refuses mismatched dimensions', () => {
    assert.throws(() => frechetFromMoments([0, 0], diag(1, 1), [0, 0, 0], diag(1, 1, 1)), /different dimensions/);
    assert.throws(() => frechetFromMoments([0, 0], diag(1, 1, 1), [0, 0], diag(1, 1)), /must be a 2x2 matrix/);
  });
});

describe('Fréchet distance from samples', () => {
  it('mean and unbiased covariance of a small set', () => {
    // rows (1,2), (3,6), (5,10): mean (3, 6); deviations (-2,-4), (0,0), (2,4) over n - 1 = 2: var 4, 16, cov 8.
    const expect = { mean: [3, 6], cov: [[4, 8], [8, 16]] };
    for (const input of [[[1, 2], [3, 6], [5, 10]], { values: [1, 2, 3, 6, 5, 10], dim: 2 }]) {
      const m = meanAndCovariance(input);
      assert.deepEqual(Array.from(m.mean), expect.mean);
      assert.deepEqual(m.cov.map((r) => Array.from(r)), expect.cov);
    }
    assert.throws(() => meanAndCovariance([[1, 2]]), /at least 2/);
    assert.throws(() => meanAndCovariance([[1, 2], [3]]), /same, non-zero length/);
    assert.throws(() => meanAndCovariance([[1, NaN], [3, 4]]), /non-finite/);
    assert.throws(() => meanAndCovariance({ values: [1, 2, 3], dim: 2 }), /do not split/);
  });

  it('two diagonal Gaussians: within sampling error of |dmu|^2 + sum (sigma1 - sigma2)^2', () => {
    const rng = new Rng(7);
    const n = 20000;
    const [mu1, s1] = [[0, 0, 0], [1, 2, 0.5]];
    const [mu2, s2] = [[1, -1, 0.5], [1.5, 1, 0.5]];
    const a = gaussianRows(rng, n, mu1, diag(...s1));
    const b = gaussianRows(rng, n, mu2, diag(...s2));
    // exact: (1 + 1 + 0.25) + (0.25 + 1 + 0) = 3.5
    const exact = mu1.reduce((s, m, i) => s + (m - mu2[i]) ** 2 + (s1[i] - s2[i]) ** 2, 0);
    assert.equal(exact, 3.5);
    // Delta method: the mean term varies by 4 sum dmu^2 (s1^2 + s2^2) / n, the trace term (through the
    // sample stds, var s^2 / 2n each) by 4 sum (s1 - s2)^2 (s1^2 + s2^2) / 2n. Their sum gives sd ~ 0.048.
    const varMean = mu1.reduce((s, m, i) => s + 4 * (m - mu2[i]) ** 2 * (s1[i] ** 2 + s2[i] ** 2), 0) / n;
    const varTrace = s1.reduce((s, x, i) => s + (4 * (x - s2[i]) ** 2 * (x ** 2 + s2[i] ** 2)) / 2, 0) / n;
    const sd = Math.sqrt(varMean + varTrace);
    const fd = frechetDistance(a, b);
    assert.ok(Math.abs(fd - exact) < 5 * sd, `FD ${fd}, exact ${exact}, sd ${sd}`);
  });

  it('is 0 between a set and itself, |c|^2 after a shift by c, and symmetric', () => {
    const rng = new Rng(3);
    const d = 16;
    const A = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.gaussian() * 0.5));
    const x = gaussianRows(rng, 400, new Array(d).fill(0), A);
    const traceC = meanAndCovariance(x).cov.reduce((s, r, i) => s + r[i], 0);
    assert.ok(frechetDistance(x, x) < 1e-9 * traceC, `FD(X, X) = ${frechetDistance(x, x)}`);
    // Shifting every sample by c moves the mean by c and leaves the covariance: FD = |c|^2 = 16 * 0.25 = 4.
    const shifted = x.map((row) => row.map((v) => v + 0.5));
    assert.ok(Math.abs(frechetDistance(x, shifted) - 4) < 1e-8, `${frechetDistance(x, shifted)}`);
    // Tr sqrt(C1^1/2 C2 C1^1/2) = Tr sqrt(C2^1/2 C1 C2^1/2): both are sums of sqrt(eig(C1 C2)).
    const B = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.gaussian() * 0.3));
    const y = gaussianRows(rng, 400, new Array(d).fill(0.2), B);
    const [xy, yx] = [frechetDistance(x, y), frechetDistance(y, x)];
    assert.ok(xy > 0.1 && Math.abs(xy - yx) < 1e-9 * xy, `${xy} vs ${yx}`);
  });
});
