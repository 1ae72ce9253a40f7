/** Collects what each check found; a check either passes, finds something, or is skipped with a reason. */
import type { DiffusionTables } from '../diffusion';
import { Rng } from '../random';
import type { Implementation } from '../user/types';
import type { CheckId, DoctorReport, DoctorSettings, Finding } from './types';

export class Results {
  readonly findings: Finding[] = [];
  readonly passed: string[] = [];
  readonly skipped: { check: string; reason: string }[] = [];
  readonly notes: string[] = [];

  pass(check: CheckId): void {
    if (!this.passed.includes(check)) this.passed.push(check);
  }

  /** Records a finding; a check that found something is no longer listed as passed. */
  find(f: Finding & { check: CheckId }): void {
    this.findings.push(f);
    const i = this.passed.indexOf(f.check);
    if (i >= 0) this.passed.splice(i, 1);
  }

  /** pass when `finding` is undefined */
  record(check: CheckId, finding: Omit<Finding, 'check'> | undefined): void {
    if (finding) this.find({ check, ...finding });
    else this.pass(check);
  }

  skip(check: CheckId, reason: string): void {
    this.skipped.push({ check, reason });
  }

  has(check: CheckId): boolean {
    return this.findings.some((f) => f.check === check);
  }

  report(settings: DoctorSettings): DoctorReport {
    const failed = new Set(this.findings.map((f) => f.check));
    return { findings: this.findings, passed: this.passed.filter((c) => !failed.has(c)), skipped: this.skipped, notes: this.notes, settings };
  }
}

export interface DoctorContext {
  impl: Implementation;
  settings: DoctorSettings;
  /** The tables every later check reads: from the user's betas when they passed, else the reference schedule. */
  tables: DiffusionTables;
  /** The user's timesteps(numTrainSteps = T, numSteps) when they passed, else the reference list. */
  timesteps: number[];
  results: Results;
}

/** One generator per check, so a check's draws do not depend on which checks ran before it. */
export function checkRng(ctx: DoctorContext, salt: number): Rng {
  return new Rng(ctx.settings.seed * 1009 + salt);
}

/** Numbers in messages: enough digits to see an off-by-one, no more. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : Number(v.toPrecision(5)).toString();
}
