/** The panel's saved state: what getState returns may come from an older panel, so only valid fields are kept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateStore } from '../../webview/state';

function api(saved: unknown) {
  const calls: unknown[] = [];
  return { calls, api: { postMessage: () => undefined, getState: () => saved, setState: (s: unknown) => calls.push(s) } };
}

describe('panel state', () => {
  it('starts empty without saved state, and from a saved one keeps only the valid names', () => {
    assert.deepEqual(new StateStore(api(undefined).api).get(), { hiddenSchedules: [] });
    assert.deepEqual(new StateStore(api('garbage').api).get(), { hiddenSchedules: [] });
    assert.deepEqual(new StateStore(api({ hiddenSchedules: ['cosine', 3, null, 'sigmoid'], stale: true }).api).get(), { hiddenSchedules: ['cosine', 'sigmoid'] });
  });

  it("keeps the sweep panel's typed fields only when all three are strings", () => {
    const draft = { prompt: 'red circle', negativePrompt: '', scales: '0, 3' };
    assert.deepEqual(new StateStore(api({ hiddenSchedules: [], sweepDraft: draft }).api).get(), { hiddenSchedules: [], sweepDraft: draft });
    assert.deepEqual(new StateStore(api({ sweepDraft: { ...draft, scales: [0, 3] } }).api).get(), { hiddenSchedules: [] });
    assert.deepEqual(new StateStore(api({ sweepDraft: 'red circle' }).api).get(), { hiddenSchedules: [] });
  });

  it('saves every update through setState', () => {
    const a = api(undefined);
    const store = new StateStore(a.api);
    store.update({ hiddenSchedules: ['linear'] });
    assert.deepEqual(a.calls, [{ hiddenSchedules: ['linear'] }]);
    assert.deepEqual(store.get(), { hiddenSchedules: ['linear'] });
  });
});
