/** A panel whose page never starts is reloaded while someone can see it, a bounded number of times. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadWatchdog } from '../../extension/loadWatchdog';

function watchdog(visible: { now: boolean }) {
  const events: string[] = [];
  const w = new LoadWatchdog({
    timeoutMs: 1000,
    maxReloads: 2,
    isVisible: () => visible.now,
    reload: (attempt) => events.push(`reload ${attempt}`),
    gaveUp: () => events.push('gave up'),
  });
  return { w, events };
}

describe('LoadWatchdog', () => {
  it('does nothing when the page says ready in time', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { w, events } = watchdog({ now: true });
    w.arm();
    t.mock.timers.tick(999);
    w.ready();
    t.mock.timers.tick(10_000);
    assert.deepEqual(events, []);
    assert.equal(w.reloadCount, 0);
  });

  it('reloads a visible page that never starts, twice, then gives up once', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { w, events } = watchdog({ now: true });
    w.arm();
    t.mock.timers.tick(1000);
    assert.deepEqual(events, ['reload 1']);
    t.mock.timers.tick(1000);
    assert.deepEqual(events, ['reload 1', 'reload 2']);
    t.mock.timers.tick(1000);
    t.mock.timers.tick(5000);
    assert.deepEqual(events, ['reload 1', 'reload 2', 'gave up']);
  });

  it('stops after the reloaded page starts', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { w, events } = watchdog({ now: true });
    w.arm();
    t.mock.timers.tick(1000);
    w.ready();
    t.mock.timers.tick(10_000);
    assert.deepEqual(events, ['reload 1']);
  });

  it('never reloads a hidden panel (VS Code builds its page only when shown), and arms again when it is shown', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const visible = { now: false };
    const { w, events } = watchdog(visible);
    w.arm();
    t.mock.timers.tick(10_000);
    assert.deepEqual(events, []);
    visible.now = true;
    w.shown(true);
    t.mock.timers.tick(1000);
    assert.deepEqual(events, ['reload 1']);
  });

  it('a page rebuilt on being shown again must start again, even after an earlier ready', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { w, events } = watchdog({ now: true });
    w.arm();
    w.ready();
    w.shown(true);
    t.mock.timers.tick(1000);
    assert.deepEqual(events, ['reload 1']);
    w.disarm();
    t.mock.timers.tick(10_000);
    assert.deepEqual(events, ['reload 1'], 'disarm (the panel was closed) must stop it');
  });
});
