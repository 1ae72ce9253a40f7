/**
 * Errors raised inside the user's code, reported at the user's own lines. The bundle carries an inline
 * source map and Node applies it to stack traces once source maps are enabled, so a frame reads
 * `at betas (/work/my-ddpm.ts:12:9)`; here we keep the frames that lie in the user's files.
 */
import * as path from 'node:path';
import { DlensError } from '../errors';

let sourceMapsOn = false;

/** Process-wide, so call it only where user code runs (runner, CLI, tests), before the code is compiled. */
export function enableSourceMaps(): void {
  if (sourceMapsOn) return;
  process.setSourceMapsEnabled(true);
  sourceMapsOn = true;
}

/** Stack frames in the user's folder (their file and what it imports), not in node_modules or Node itself. */
export function userFrames(err: unknown, file: string, max = 8): string[] {
  const stack = (err as Error)?.stack;
  if (typeof stack !== 'string') return [];
  const dir = path.dirname(file) + path.sep;
  // Our own bundle (dist/runner.js, dist/cli.js) may sit inside the user's folder when they work in a checkout.
  const ours = [__filename, process.argv[1]].filter((f): f is string => Boolean(f));
  return stack
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at ') && l.includes(dir) && !l.includes(`${path.sep}node_modules${path.sep}`) && !l.includes('.dlens.js') && !ours.some((f) => l.includes(`${f}:`)))
    .slice(0, max);
}

/** "file.ts:12:9" of the first user frame, or undefined when the stack never enters the user's code. */
export function firstUserLocation(err: unknown, file: string): string | undefined {
  const frame = userFrames(err, file, 1)[0];
  const m = frame && /\(?((?:[A-Za-z]:)?[^():]+:\d+:\d+)\)?$/.exec(frame);
  return m ? m[1] : undefined;
}

/**
 * What the user's function threw, as a DlensError naming the function, the user's line and the mapped
 * stack. A DlensError from our own checks passes through unchanged.
 */
export function userCodeError(err: unknown, file: string, what: string): DlensError {
  if (err instanceof DlensError) return err;
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const where = firstUserLocation(err, file);
  const frames = userFrames(err, file);
  const stack = frames.length ? `\n    ${frames.join('\n    ')}` : '';
  const e = new DlensError(
    'impl-threw',
    `${what} threw ${where ? `at ${where}` : `(no frame in ${path.basename(file)}: the error came from a library it called)`}: ${message}${stack}\n`,
    `fix ${what} in ${path.basename(file)}${where ? ` near ${path.basename(where)}` : ''}; the lines above are your source lines.`,
  );
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}
