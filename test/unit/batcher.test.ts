/** Progress throttling: every item arrives, in order, in at most one batch per interval. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Batcher } from '../../engine/protocol';

describe('Batcher', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('turns a burst of items into one batch an interval after the first, losing none', () => {
    const batches: number[][] = [];
    const b = new Batcher<number>(250, (items) => batches.push(items));
    for (let i = 0; i < 100; i++) b.add(i);
    assert.deepEqual(batches, []);
    mock.timers.tick(249);
    assert.deepEqual(batches, []);
    mock.timers.tick(1);
    assert.deepEqual(batches, [Array.from({ length: 100 }, (_, i) => i)]);
  });

  it('sends at most one batch per interval however fast items come', () => {
    const batches: number[][] = [];
    const b = new Batcher<number>(250, (items) => batches.push(items));
    // 1000 items, one every 2 ms, over 2 s: 8 intervals
    for (let i = 0; i < 1000; i++) {
      b.add(i);
      mock.timers.tick(2);
    }
    b.flush();
    assert.ok(batches.length <= 2000 / 250 + 1, `${batches.length} batches`);
    assert.deepEqual(batches.flat(), Array.from({ length: 1000 }, (_, i) => i));
  });

  it('flush hands over what waits at once, and nothing when nothing waits', () => {
    const batches: string[][] = [];
    const b = new Batcher<string>(250, (items) => batches.push(items));
    b.flush();
    b.add('last');
    b.flush();
    mock.timers.tick(1000);
    assert.deepEqual(batches, [['last']]);
  });
});
