/** The dashboard's loss smoothing, by hand: TensorBoard's debiased EMA. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smoothed } from '../../webview/dashboard';

const pts = (losses: number[]) => losses.map((loss, i) => ({ step: i + 1, loss, lr: 0, gradNorm: 0, stepsPerSecond: 0, lossByBucket: [] }));

describe('dashboard loss smoothing', () => {
  it('is a debiased EMA: s_k = beta s_{k-1} + (1 - beta) x_k, shown as s_k / (1 - beta^k)', () => {
    // beta 0.5, s_0 = 0: s = 2, 2, 5; divided by 1 - 0.5^k = 0.5, 0.75, 0.875
    assert.deepEqual(smoothed(pts([4, 2, 8]), 0.5).map((p) => p.y), [4, 2 / 0.75, 5 / 0.875]);
  });

  it('skips non-finite losses instead of spreading NaN into every later value', () => {
    assert.deepEqual(smoothed(pts([4, NaN, 8]), 0.5).map((p) => [p.x, p.y]), [[1, 4], [3, (0.5 * 2 + 0.5 * 8) / 0.75]]);
  });

  it('with beta 0 is the raw loss', () => {
    assert.deepEqual(smoothed(pts([3, 1, 2]), 0).map((p) => p.y), [3, 1, 2]);
  });
});
