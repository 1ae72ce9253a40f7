import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferenceTimesteps, previousTimestep, roundHalfEven, validateTimesteps } from '../../engine/timesteps';

describe('inference timesteps', () => {
  // Worked by hand from the definitions (Lin et al. 2023, table 2; numpy rounds half to even).
  it('linspace: round(linspace(0, T-1, N)), descending', () => {
    assert.deepEqual(inferenceTimesteps('linspace', 1000, 3), [999, 500, 0]); // 499.5 -> 500 (even)
    assert.deepEqual(inferenceTimesteps('linspace', 10, 4), [9, 6, 3, 0]);
    assert.deepEqual(inferenceTimesteps('linspace', 1000, 1), [0]);
  });

  it('leading: (0..N-1) * floor(T/N) + offset', () => {
    assert.deepEqual(inferenceTimesteps('leading', 1000, 3), [666, 333, 0]);
    assert.deepEqual(inferenceTimesteps('leading', 1000, 10, 1), [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
  });

  it('trailing: round(arange(T, 0, -T/N)) - 1, so it always starts at T-1', () => {
    assert.deepEqual(inferenceTimesteps('trailing', 1000, 3), [999, 666, 332]); // 666.67 -> 667, 333.33 -> 333
    assert.deepEqual(inferenceTimesteps('trailing', 1000, 10), [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    assert.deepEqual(inferenceTimesteps('trailing', 10, 4), [9, 7, 4, 1]); // round(10, 7.5, 5, 2.5) = 10, 8, 5, 2; minus 1
  });

  it('every spacing with N = T is every timestep', () => {
    const all = Array.from({ length: 50 }, (_, i) => 49 - i);
    for (const s of ['leading', 'trailing', 'linspace']) assert.deepEqual(inferenceTimesteps(s, 50, 50), all, s);
  });

  it('rounds half to even like numpy', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, 2, 3]);
  });

  it('reads the previous timestep from the list, -1 after the last', () => {
    const list = [999, 500, 20, 3];
    assert.deepEqual(list.map((_, i) => previousTimestep(list, i)), [500, 20, 3, -1]);
  });

  it('rejects bad lists and step counts', () => {
    assert.throws(() => inferenceTimesteps('trailing', 100, 101), /Cannot take 101 sampling steps with a 100-step schedule/);
    assert.throws(() => inferenceTimesteps('trailing', 100, 0), /Cannot take 0/);
    assert.throws(() => inferenceTimesteps('uniform', 100, 10), /Unknown timestep spacing 'uniform'/);
    assert.throws(() => validateTimesteps([5, 5, 1], 10), /not strictly descending at entry 1/);
    assert.throws(() => validateTimesteps([10, 5], 10), /outside 0..9/);
    assert.throws(() => validateTimesteps([], 10), /empty/);
    assert.throws(() => validateTimesteps([3.5], 10), /outside 0..9/);
  });
});
