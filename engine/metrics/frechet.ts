/**
 * Fréchet distance between two sets of feature vectors, each summarised by a Gaussian (mean, covariance):
 *   FD = |mu1 - mu2|^2 + Tr(C1 + C2 - 2 (C1^{1/2} C2 C1^{1/2})^{1/2})
 * All in float64 in JavaScript: the trace term is a small difference of large numbers, and float32 loses it.
 * The usual scipy.linalg.sqrtm(C1 C2) route takes the square root of a non-symmetric matrix and can return
 * complex noise; C1^{1/2} C2 C1^{1/2} is symmetric PSD with the same eigenvalues as C1 C2, so a symmetric
 * eigen-decomposition is enough and its trace square root is just sum(sqrt(eigenvalues)).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { DlensError } from '../errors';
import { type FeatureRows, rowView } from './rows';


export interface Moments {
  mean: Float64Array;
  /** unbiased (n - 1) covariance, as rows */
  cov: Float64Array[];
}

export function meanAndCovariance(features: FeatureRows): Moments {
  const { n, dim, at } = rowView(features, 'features');
  if (n < 2) {
    throw new DlensError('too-few-samples', `A covariance needs at least 2 feature vectors, got ${n}.`, 'pass two or more samples (hundreds or more for a stable Fréchet distance).');
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += at(i, d);
  for (let d = 0; d < dim; d++) mean[d] /= n;
  // Two passes (centre, then multiply): the one-pass E[xx^T] - mu mu^T cancels badly when |mu| >> spread.
  const centred = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const v = at(i, d);
      if (!Number.isFinite(v)) {
        throw new DlensError('non-finite-features', `Feature vector ${i} has a non-finite value (${v}) at dimension ${d}.`, 'check the model that produced the features (NaN usually means a diverged run).');
      }
      centred[i * dim + d] = v - mean[d];
    }
  }
  const cov: Float64Array[] = [];
  for (let a = 0; a < dim; a++) cov.push(new Float64Array(dim));
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let a = 0; a < dim; a++) {
      const xa = centred[row + a];
      if (xa === 0) continue;
      const ca = cov[a];
      for (let b = a; b < dim; b++) ca[b] += xa * centred[row + b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a][b] / (n - 1);
      cov[a][b] = v;
      cov[b][a] = v;
    }
  }
  return { mean, cov };
}

export function frechetDistance(featuresA: FeatureRows, featuresB: FeatureRows): number {
  const a = meanAndCovariance(featuresA);
  const b = meanAndCovariance(featuresB);
  return frechetFromMoments(a.mean, a.cov, b.mean, b.cov);
}

export function frechetFromMoments(
  mu1: ArrayLike<number>,
  cov1: readonly ArrayLike<number>[],
  mu2: ArrayLike<number>,
  cov2: readonly ArrayLike<number>[],
): number {
  const dim = mu1.length;
  if (mu2.length !== dim) {
    throw new DlensError('dimension-mismatch', `The two feature sets have different dimensions (${dim} and ${mu2.length}).`, 'compute both sets of features with the same judge.');
  }
  checkSquare('cov1', cov1, dim);
  checkSquare('cov2', cov2, dim);
  let meanTerm = 0;
  for (let d = 0; d < dim; d++) meanTerm += (mu1[d] - mu2[d]) ** 2;

  const c1 = symmetric(cov1);
  const c2 = symmetric(cov2);
  const s1 = sqrtPsd(c1);
  const m = symmetric(s1.mmul(c2).mmul(s1).to2DArray());
  let traceSqrt = 0;
  for (const lambda of eigenvalues(m)) traceSqrt += Math.sqrt(lambda);
  const fd = meanTerm + c1.trace() + c2.trace() - 2 * traceSqrt;
  // Rounding can leave -1e-12 where the true value is 0; a distance is never negative.
  return Math.max(fd, 0);
}

/** Eigenvalues of a symmetric matrix, with round-off negatives (a PSD matrix has none) set to 0. */
function eigenvalues(m: Matrix): number[] {
  return new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues.map((v) => Math.max(v, 0));
}

function sqrtPsd(m: Matrix): Matrix {
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const v = evd.eigenvectorMatrix;
  const roots = evd.realEigenvalues.map((x) => Math.sqrt(Math.max(x, 0)));
  return v.mmul(Matrix.diag(roots)).mmul(v.transpose());
}

/** (M + M^T) / 2: products like S C S are symmetric only up to rounding, and the symmetric solver assumes exactly. */
function symmetric(rows: readonly ArrayLike<number>[]): Matrix {
  const n = rows.length;
  const out = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.set(i, j, 0.5 * (rows[i][j] + rows[j][i]));
  return out;
}

function checkSquare(name: string, rows: readonly ArrayLike<number>[], dim: number): void {
  if (rows.length !== dim || rows.some((r) => r.length !== dim)) {
    throw new DlensError('bad-covariance', `${name} must be a ${dim}x${dim} matrix to match the mean's length ${dim}.`, 'pass covariances from meanAndCovariance, or square matrices of the features\' dimension.');
  }
}
