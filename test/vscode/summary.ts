/** Prints each session's tests and one final `N passed, N failed` line (the line CI reads). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SessionResult } from './harness/session';

export function report(results: SessionResult[], resultsDirs: string[]): number {
  for (const dir of resultsDirs) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as { tests: string[]; notes?: string[] };
      for (const line of r.tests) process.stdout.write(`  ${line}\n`);
      for (const line of r.notes ?? []) process.stdout.write(`  note: ${line}\n`);
    } catch {
      // the session reported why it has no results
    }
  }
  for (const r of results) {
    process.stdout.write(`${r.name}: ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} skipped` : ''} in ${r.seconds.toFixed(1)} s (exit ${r.exitCode})\n`);
    for (const f of r.failures) process.stdout.write(`  FAILED ${f}\n`);
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed + (r.exitCode !== 0 && r.failed === 0 ? 1 : 0), 0);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}
