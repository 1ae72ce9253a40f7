/** How every command reports: one JSON object on stdout with --json, readable text otherwise. */

/** Runs a command's body, turning any error into its message (and a JSON error object with --json). */
export type Run = (fn: (json: boolean) => Promise<void> | void, json: boolean) => Promise<void>;
import { DlensError } from '../errors';

export function emit(json: boolean, result: object, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(result) + '\n' : text() + '\n');
}

/** Known errors print what is wrong and the fix; anything else is a bug and prints its stack. */
export function fail(err: unknown, json: boolean): never {
  if (err instanceof DlensError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (json) process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message, fix: err.fix } }) + '\n');
  } else {
    process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    if (json) process.stdout.write(JSON.stringify({ error: { code: 'internal', message: String((err as Error)?.message ?? err) } }) + '\n');
  }
  process.exit(1);
}

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  // Numbers align right, words left.
  const numeric = (c: string) => /^[-+(]?[\d.]/.test(c);
  return cells.map((r) => r.map((c, i) => (numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}
