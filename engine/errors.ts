/**
 * Every error a user can cause carries two parts: what is wrong, and how to fix it.
 * The CLI and the extension print both; nothing else needs to parse messages.
 */
export class DlensError extends Error {
  readonly fix: string;
  readonly code: string;
  /** the message without its fix, for wrapping it in more context */
  readonly problem: string;

  constructor(code: string, problem: string, fix: string) {
    super(`${problem} Fix: ${fix}`);
    this.name = 'DlensError';
    this.code = code;
    this.fix = fix;
    this.problem = problem;
  }
}

export function assertInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new DlensError('bad-argument', `${name} must be an integer ${range}, got ${value}.`, `pass an integer ${range} for ${name}.`);
  }
}

export function assertInRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new DlensError('bad-argument', `${name} must be a number in [${min}, ${max}], got ${value}.`, `pass ${name} between ${min} and ${max}.`);
  }
}
