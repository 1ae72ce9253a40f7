/**
 * The doctor's report as it crosses the runner -> extension -> panel boundaries (engine/doctor/types.ts
 * defines it). Every string is bounded and every plot's series matches its x axis, so the panel can draw
 * whatever passes without further checks.
 */
import type { DoctorReport, EvidencePlot, Finding, Skipped } from '../doctor/types';
import { IMPLEMENTATION_EXPORTS } from '../user/types';
import { type Fields, ProtocolError, describeValue, int, numberList, oneOf, optional, record, str, stringList } from './check';

const CHECK_ID = /^(schedule|forward|timesteps|sampler|model)\.[a-z0-9-]+$/;
const TEXT = { max: 5000 };
const MAX_FINDINGS = 200;
const MAX_SERIES = 8;

export function parseDoctorReport(value: unknown, where: string): DoctorReport {
  const o = record(value, where);
  const settings = record(o.settings, `${where}, settings`);
  return {
    findings: list(o, 'findings', where, MAX_FINDINGS).map((f, i) => parseFinding(f, `${where}, findings[${i}]`)),
    passed: checkIds(stringList(o, 'passed', where, 200), 'passed', where),
    skipped: list(o, 'skipped', where, 200).map((s, i): Skipped => {
      const at = `${where}, skipped[${i}]`;
      const r = record(s, at);
      return { check: checkIds([str(r, 'check', at)], 'check', at)[0], reason: str(r, 'reason', at, TEXT) };
    }),
    notes: stringList(o, 'notes', where, 50),
    settings: { T: int(settings, 'T', `${where}, settings`, 2), steps: int(settings, 'steps', `${where}, settings`, 1), seed: int(settings, 'seed', `${where}, settings`, 0) },
  };
}

function parseFinding(value: unknown, at: string): Finding {
  const o = record(value, at);
  const evidence = record(o.evidence, `${at}, evidence`);
  return {
    check: checkIds([str(o, 'check', at)], 'check', at)[0],
    severity: oneOf(o, 'severity', ['error', 'warning'] as const, at),
    message: str(o, 'message', at, TEXT), expected: str(o, 'expected', at, TEXT), measured: str(o, 'measured', at, TEXT), fix: str(o, 'fix', at, TEXT),
    export: optional(o, 'export', (f, k) => oneOf(f, k, IMPLEMENTATION_EXPORTS, at)),
    evidence: { values: optional(evidence, 'values', () => parseValues(evidence.values, `${at}, evidence.values`)), plot: optional(evidence, 'plot', () => parsePlot(evidence.plot, `${at}, evidence.plot`)) },
  };
}

/** Numbers may be NaN here (a measured value can be): they are shown as text, never plotted. */
function parseValues(value: unknown, at: string): Record<string, number | string | boolean | number[]> {
  const o = record(value, at);
  const out: Record<string, number | string | boolean | number[]> = {};
  for (const [k, v] of Object.entries(o).slice(0, 50)) {
    const ok = typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 5000) || (Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'number'));
    if (!ok) throw new ProtocolError(at, `field '${k}' is ${describeValue(v)}; expected a number, boolean, string or list of numbers.`);
    out[k] = v as number;
  }
  return out;
}

function parsePlot(value: unknown, at: string): EvidencePlot {
  const o = record(value, at);
  const x = numberList(o, 'x', at, { maxLength: 10_000 });
  const series = list(o, 'series', at, MAX_SERIES).map((s, i) => {
    const where = `${at}, series[${i}]`;
    const r = record(s, where);
    const values = r.values;
    if (!Array.isArray(values) || values.length !== x.length || !values.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v)))) {
      throw new ProtocolError(where, `field 'values' is ${describeValue(values)}; expected ${x.length} finite numbers or nulls (one per x).`);
    }
    return { label: str(r, 'label', where, { max: 200 }), values: values as (number | null)[] };
  });
  const xTicks = optional(o, 'xTicks', (f, k) => stringList(f, k, at, x.length));
  if (xTicks && xTicks.length !== x.length) throw new ProtocolError(at, `field 'xTicks' has ${xTicks.length} names for ${x.length} x values.`);
  return { title: str(o, 'title', at, { max: 200 }), xLabel: str(o, 'xLabel', at, { max: 100 }), yLabel: str(o, 'yLabel', at, { max: 100 }), x, xTicks, series };
}

function list(o: Fields, key: string, at: string, max: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length > max) throw new ProtocolError(at, `field '${key}' is ${describeValue(v)}; expected an array of at most ${max}.`);
  return v;
}

function checkIds(ids: string[], key: string, at: string): string[] {
  const bad = ids.find((id) => !CHECK_ID.test(id));
  if (bad !== undefined) throw new ProtocolError(at, `field '${key}' holds ${JSON.stringify(bad.slice(0, 60))}; expected a check id such as sampler.final-noise.`);
  return ids;
}
