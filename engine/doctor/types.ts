/**
 * What the doctor reports. Check ids are stable (tests, the panel and users' scripts key on them) and
 * grouped by prefix: schedule.*, forward.*, timesteps.*, sampler.*, model.*.
 */
import type { ImplementationExport } from '../user/types';

export type Severity = 'error' | 'warning';

/** A measured-vs-expected series the panel draws (e.g. measured and theoretical std per t). */
export interface EvidencePlot {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  /** names for the x positions when they are categories, not numbers */
  xTicks?: string[];
  series: { label: string; values: (number | null)[] }[];
}

export interface Evidence {
  /** scalars and short lists that back the message */
  values?: Record<string, number | string | boolean | number[]>;
  plot?: EvidencePlot;
}

export interface Finding {
  check: string;
  severity: Severity;
  /** one paragraph: what went wrong, where */
  message: string;
  expected: string;
  measured: string;
  evidence: Evidence;
  fix: string;
  /** the export at fault, so the editor can point at it */
  export?: ImplementationExport;
}

export interface Skipped {
  check: string;
  reason: string;
}

export interface DoctorReport {
  findings: Finding[];
  passed: string[];
  skipped: Skipped[];
  /** how the checks were run (e.g. "the reference schedule stood in for yours") */
  notes: string[];
  /** the parameters the checks used */
  settings: DoctorSettings;
}

export interface DoctorSettings {
  /** training timesteps handed to betas(T) */
  T: number;
  /** sampling steps handed to timesteps() */
  steps: number;
  seed: number;
}

export const CHECK_GROUPS = ['schedule', 'forward', 'timesteps', 'sampler', 'model'] as const;
export type CheckGroup = (typeof CHECK_GROUPS)[number];

/** Every check id the doctor can report, in the order it runs them. */
export const CHECK_IDS = [
  'schedule.length', 'schedule.range', 'schedule.beta-one', 'schedule.monotonic', 'schedule.terminal-snr',
  'forward.output-shape', 'forward.signal-coefficient', 'forward.noise-coefficient', 'forward.moments',
  'timesteps.type', 'timesteps.range', 'timesteps.descending', 'timesteps.duplicates', 'timesteps.count', 'timesteps.coverage', 'timesteps.step-consistency',
  'sampler.output-shape', 'sampler.reference-update', 'sampler.eta', 'sampler.final-step', 'sampler.final-alpha', 'sampler.final-noise', 'sampler.noise-argument', 'sampler.posterior-variance', 'sampler.oracle-recovery',
  'model.output-shape', 'model.output-dtype', 'model.finite', 'model.depends-on-t', 'model.depends-on-cond',
] as const;
export type CheckId = (typeof CHECK_IDS)[number] | `${CheckGroup}.threw`;

export function isErrorFree(report: Pick<DoctorReport, 'findings'>): boolean {
  return !report.findings.some((f) => f.severity === 'error');
}
