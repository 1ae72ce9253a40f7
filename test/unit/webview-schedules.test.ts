/** The Schedules panel's message as the command builds it, through the protocol the panel validates with. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffusionTables } from '../../engine/diffusion';
import { parseToPanel } from '../../engine/protocol';
import { SCHEDULE_NAMES, makeBetas } from '../../engine/schedules';
import { scheduleCurves } from '../../extension/commands/schedules';

describe('Schedules panel message', () => {
  it("carries every schedule's float64 tables unchanged and passes the panel's validator", () => {
    const msg = parseToPanel(scheduleCurves(1000));
    assert.equal(msg.type, 'schedules');
    if (msg.type !== 'schedules') return;
    assert.deepEqual(msg.schedules.map((s) => s.name), [...SCHEDULE_NAMES]);
    for (const s of msg.schedules) {
      const d = diffusionTables(makeBetas(s.name, 1000));
      // Float64Array equality, element by element: no narrowing to float32 on the way.
      assert.ok(s.betas instanceof Float64Array && s.alphasCumprod instanceof Float64Array && s.logSnr instanceof Float64Array);
      assert.deepEqual([s.betas, s.alphasCumprod, s.logSnr], [d.betas, d.alphasCumprod, d.logSnr]);
    }
  });

  it('rejects curves that are not T finite float64 values, naming the schedule and field', () => {
    const good = scheduleCurves(10);
    const withCurve = (patch: Record<string, unknown>) => ({ ...good, schedules: [{ ...good.schedules[0], ...patch }] });
    assert.throws(() => parseToPanel(withCurve({ betas: new Float32Array(10) })), /schedules\[0\]: field 'betas' is a Float32Array of 10; expected a Float64Array of 10 values/);
    assert.throws(() => parseToPanel(withCurve({ logSnr: new Float64Array(9) })), /field 'logSnr' has 9 values but T = 10/);
    assert.throws(() => parseToPanel(withCurve({ logSnr: Float64Array.from({ length: 10 }, (_, t) => (t === 9 ? -Infinity : 0)) })), /field 'logSnr' holds -Infinity at t = 9/);
    assert.throws(() => parseToPanel(withCurve({ name: '' })), /field 'name' is ""/);
    assert.throws(() => parseToPanel({ ...good, schedules: [] }), /field 'schedules' is an array of 0; expected an array of 1 to 8/);
    assert.throws(() => parseToPanel({ ...good, T: 1 }), /field 'T' is number 1; expected an integer in 2..100000/);
  });
});
