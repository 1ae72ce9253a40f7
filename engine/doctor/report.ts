/** The doctor's report as text for a terminal: findings first (errors, then warnings), then a tally. */
import type { DoctorReport } from './types';

export function formatReport(r: DoctorReport, file?: string): string {
  const lines: string[] = [];
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  lines.push(`Diffusion Lens doctor${file ? `: ${file}` : ''} (T = ${r.settings.T}, ${r.settings.steps} steps, seed ${r.settings.seed})`);
  const ordered = [...r.findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  for (const f of ordered) {
    lines.push('', `${f.severity === 'error' ? '✖ error  ' : '⚠ warning'} ${f.check}${f.export ? ` (${f.export})` : ''}`);
    lines.push(`  ${f.message}`, `  expected: ${f.expected}`, `  measured: ${f.measured}`, `  fix:      ${f.fix}`);
  }
  if (r.notes.length) lines.push('', ...r.notes.map((n) => `note: ${n}`));
  lines.push('', `✔ passed (${r.passed.length}): ${r.passed.join(', ') || 'none'}`);
  if (r.skipped.length) lines.push(`- skipped (${r.skipped.length}): ${r.skipped.map((s) => s.check).join(', ')}`);
  lines.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`);
  return lines.join('\n');
}
