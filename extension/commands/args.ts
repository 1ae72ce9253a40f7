/**
 * Arguments passed to a command programmatically (tests, keybindings, other extensions). Called with an
 * object, a command asks nothing and fills gaps with defaults; called with nothing, it asks. Unknown
 * keys are errors (a typo would otherwise be silently ignored). No vscode import.
 */
export class CommandArgError extends Error {
  constructor(command: string, problem: string, fix: string) {
    super(`${command}: ${problem} Fix: ${fix}`);
    this.name = 'CommandArgError';
  }
}

type Spec =
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'string'; values?: readonly string[]; nonEmpty?: boolean }
  | { type: 'path' }
  | { type: 'bool' }
  | { type: 'numbers'; min?: number; max?: number; integer?: boolean };

export type ArgSchema = Record<string, Spec>;

type ValueOf<S extends Spec> = S extends { type: 'int' | 'number' } ? number : S extends { type: 'bool' } ? boolean : S extends { type: 'numbers' } ? number[] : string;
export type Parsed<S extends ArgSchema> = { [K in keyof S]?: ValueOf<S[K]> };

/** True when the command was given an arguments object (so it must not prompt). */
export function isArgObject(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

export function parseArgs<S extends ArgSchema>(command: string, raw: Record<string, unknown>, schema: S): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (!(key in schema)) throw new CommandArgError(command, `unknown argument '${key}'.`, `use only ${Object.keys(schema).join(', ')}.`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    const v = raw[key];
    if (v === undefined) continue;
    out[key] = readValue(command, key, v, spec);
  }
  return out as Parsed<S>;
}

function readValue(command: string, key: string, v: unknown, spec: Spec): unknown {
  const bad = (expected: string, example: string) => new CommandArgError(command, `'${key}' is ${JSON.stringify(v)}; expected ${expected}.`, `pass ${key}: ${example}.`);
  const range = (min = -Infinity, max = Infinity) => `${min === -Infinity ? '' : ` ≥ ${min}`}${max === Infinity ? '' : ` ≤ ${max}`}`;
  switch (spec.type) {
    case 'int':
    case 'number': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      const ok = typeof n === 'number' && Number.isFinite(n) && (spec.type === 'number' || Number.isInteger(n)) && n >= (spec.min ?? -Infinity) && n <= (spec.max ?? Infinity);
      if (!ok) throw bad(`${spec.type === 'int' ? 'an integer' : 'a number'}${range(spec.min, spec.max)}`, String(spec.min ?? 1));
      return n;
    }
    case 'string':
      if (typeof v !== 'string' || (spec.nonEmpty && !v.trim()) || (spec.values && !spec.values.includes(v))) {
        throw bad(spec.values ? `one of ${spec.values.join(', ')}` : 'a string', JSON.stringify(spec.values?.[0] ?? 'text'));
      }
      return v;
    case 'path':
      if (typeof v !== 'string' || !v.trim()) throw bad('a file or folder path', '"/absolute/path"');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad('true or false', 'true');
      return v;
    case 'numbers': {
      const list = typeof v === 'string' ? parseNumberList(v) : v;
      const ok = Array.isArray(list) && list.length > 0 && list.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= (spec.min ?? -Infinity) && n <= (spec.max ?? Infinity) && (!spec.integer || Number.isInteger(n)));
      if (!ok) throw bad(`a non-empty list of ${spec.integer ? 'integers' : 'numbers'}${range(spec.min, spec.max)}`, '[0, 1, 3]');
      return list;
    }
  }
}

/** "0, 1, 3.5" -> [0, 1, 3.5]; anything unparsable -> undefined. */
export function parseNumberList(text: string): number[] | undefined {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const nums = parts.map(Number);
  return parts.length && nums.every(Number.isFinite) ? nums : undefined;
}
