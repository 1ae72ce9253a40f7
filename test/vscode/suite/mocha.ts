/**
 * Runs a compiled suite's *.test.js files (in name order) inside the extension host and writes
 * results.json next to them: the driver reads the counts from there, because mocha's own summary goes to
 * the extension host's console, which CI does not see.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function runMocha(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(dir, f));
  const notes: string[] = [];
  (globalThis as { __dlensNotes?: string[] }).__dlensNotes = notes;
  const counts = { passed: 0, failed: 0, pending: 0, failures: [] as string[], tests: [] as string[], notes };
  const write = () => fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(counts, null, 2));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      write();
      if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => {
      counts.passed++;
      counts.tests.push(`ok   ${t.fullTitle()} (${t.duration} ms)`);
    });
    runner.on('fail', (t, err) => {
      counts.failed++;
      counts.failures.push(`${t.fullTitle()}: ${err.message}`);
      counts.tests.push(`FAIL ${t.fullTitle()}: ${err.message}`);
    });
    runner.on('pending', (t) => {
      counts.pending++;
      counts.tests.push(`skip ${t.fullTitle()}`);
    });
  });
}
