/**
 * Small validators for messages that cross a process or webview boundary. Every failure names the
 * message, the field, what arrived and what was expected, so a malformed message is fixed at its sender.
 * No Node or DOM imports: the runner, the extension and the webview all load this file.
 */

export class ProtocolError extends Error {
  readonly code = 'protocol';
  constructor(where: string, problem: string) {
    super(`Malformed ${where}: ${problem} Fix: send messages built with the types in engine/protocol (the runner, extension and panel must come from the same build).`);
    this.name = 'ProtocolError';
  }
}

export type Fields = Record<string, unknown>;

export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function record(value: unknown, where: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new ProtocolError(where, `expected an object, got ${describeValue(value)}.`);
  }
  return value as Fields;
}

/** Reads `type` and checks it against the known kinds. */
export function tag<K extends string>(o: Fields, kinds: readonly K[], where: string): K {
  const t = o.type;
  if (typeof t !== 'string' || !(kinds as readonly string[]).includes(t)) {
    throw new ProtocolError(where, `field 'type' is ${describeValue(t)}; expected one of ${kinds.join(', ')}.`);
  }
  return t as K;
}

export function int(o: Fields, key: string, where: string, min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError(where, `field '${key}' is ${describeValue(v)}; expected an integer in ${min}..${max}.`);
  }
  return v;
}

/** A finite number; NaN and Infinity never cross a boundary as plain fields. */
export function num(o: Fields, key: string, where: string, min = -Infinity, max = Infinity): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ProtocolError(where, `field '${key}' is ${describeValue(v)}; expected a finite number in [${min}, ${max}].`);
  }
  return v;
}

export function str(o: Fields, key: string, where: string, options: { nonEmpty?: boolean; max?: number } = {}): string {
  const v = o[key];
  if (typeof v !== 'string' || (options.nonEmpty && v.length === 0) || v.length > (options.max ?? 100_000)) {
    throw new ProtocolError(where, `field '${key}' is ${describeValue(v)}; expected ${options.nonEmpty ? 'a non-empty' : 'a'} string${options.max ? ` of at most ${options.max} characters` : ''}.`);
  }
  return v;
}

export function bool(o: Fields, key: string, where: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new ProtocolError(where, `field '${key}' is ${describeValue(v)}; expected true or false.`);
  return v;
}

export function oneOf<K extends string>(o: Fields, key: string, values: readonly K[], where: string): K {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new ProtocolError(where, `field '${key}' is ${describeValue(v)}; expected one of ${values.join(', ')}.`);
  }
  return v as K;
}

/** Runs `read` only when the field is present (undefined stays undefined). */
export function optional<T>(o: Fields, key: string, read: (o: Fields, key: string) => T): T | undefined {
  return o[key] === undefined ? undefined : read(o, key);
}

export function numberList(o: Fields, key: string, where: string, options: { min?: number; max?: number; integer?: boolean; minLength?: number; maxLength?: number } = {}): number[] {
  const v = o[key];
  const { min = -Infinity, max = Infinity, minLength = 1, maxLength = 10_000 } = options;
  const ok = Array.isArray(v) && v.length >= minLength && v.length <= maxLength && v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= min && x <= max && (!options.integer || Number.isInteger(x)));
  if (!ok) {
    throw new ProtocolError(where, `field '${key}' is ${describeValue(v)}; expected ${minLength}..${maxLength} ${options.integer ? 'integers' : 'numbers'} in [${min}, ${max}].`);
  }
  return [...(v as number[])];
}

export function stringList(o: Fields, key: string, where: string, maxLength = 1000): string[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length > maxLength || !v.every((x) => typeof x === 'string')) {
    throw new ProtocolError(where, `field '${key}' is ${describeValue(v)}; expected up to ${maxLength} strings.`);
  }
  return [...(v as string[])];
}
