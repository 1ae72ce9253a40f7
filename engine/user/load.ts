/**
 * Loads the user's implementation module: bundle it (bundle.ts), evaluate it as CommonJS with the
 * engine's own TensorFlow.js standing in for every `@tensorflow/tfjs*` import, then check what it
 * exports. Runs in the runner process or the CLI, never in the extension host.
 */
import Module from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { bundleImplementation, bundledName } from './bundle';
import { IMPLEMENTATION_EXPORTS, type Implementation, type ImplementationExport, type LoadedImplementation } from './types';
import { type TypeProblem, typeCheckImplementation } from './typecheck';
import { enableSourceMaps, firstUserLocation, userCodeError } from './userError';

/** What each export must be, for the "wrongly typed export" message. */
const SIGNATURES: Record<ImplementationExport, string> = {
  betas: 'betas(T) => number[]',
  addNoise: 'addNoise({ tf, x0, noise, t, alphasCumprod, betas }) => Tensor4D',
  timesteps: 'timesteps({ numTrainSteps, numSteps }) => number[]',
  step: 'step({ tf, x, eps, t, tPrev, alphasCumprod, betas, eta, noise }) => Tensor4D',
  createModel: 'createModel({ tf, imageSize, channels, numClasses }) => { predict, trainableVariables }',
};

/**
 * The engine's tf for the packages that make up `@tensorflow/tfjs` (it re-exports core, layers and
 * converter), so a user's `import * as tf from '@tensorflow/tfjs'` gets the very instance the engine
 * uses: one backend, one tensor registry. Backends are refused: the engine chooses the backend.
 */
function tensorflowFor(id: string, file: string): unknown {
  const pkg = id.split('/').slice(0, 2).join('/');
  if (['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter'].includes(pkg)) return tf;
  if (pkg === '@tensorflow/tfjs-data') return tf.data;
  throw new DlensError(
    'impl-tfjs-import',
    `${path.basename(file)} imports '${id}'. Diffusion Lens runs your code on its own TensorFlow.js (${tf.version.tfjs}) and its chosen backend, so it cannot load a second copy or another backend.`,
    `import only '@tensorflow/tfjs' (or better, use the \`tf\` passed in every call's arguments); choose the backend with the diffusionLens.backend setting or --backend.`,
  );
}

/** Runs the bundle as a CommonJS module named after the user's file, so its stack frames map back to it. */
function evaluate(code: string, file: string): Record<string, unknown> {
  const m = new Module(file);
  m.filename = file;
  const nodeRequire = Module.createRequire(file);
  // Everything but @tensorflow/* and Node's built-ins is inside the bundle already.
  m.require = ((id: string) => (id.startsWith('@tensorflow/') ? tensorflowFor(id, file) : nodeRequire(id))) as NodeJS.Require;
  try {
    (m as unknown as { _compile(code: string, filename: string): void })._compile(code, bundledName(file));
  } catch (err) {
    if (err instanceof DlensError) {
      const where = firstUserLocation(err, file);
      throw where ? new DlensError(err.code, `${err.problem} (at ${where})`, err.fix) : err;
    }
    throw userCodeError(err, file, `Loading ${path.basename(file)} (its top-level code)`);
  }
  return m.exports as Record<string, unknown>;
}

/** Edit distance, for "did you mean": the contract names are short, so the plain O(n m) table is enough. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

export function suggestExport(name: string): ImplementationExport | undefined {
  const lower = name.toLowerCase();
  let best: { name: ImplementationExport; d: number } | undefined;
  for (const known of IMPLEMENTATION_EXPORTS) {
    const d = known.toLowerCase() === lower ? 0 : distance(lower, known.toLowerCase());
    if (d <= Math.max(1, Math.floor(known.length / 4)) && (!best || d < best.d)) best = { name: known, d };
  }
  return best?.name;
}

/** The first type error with its file:line:column and the line, as the compiler prints it. */
function typeError(problems: TypeProblem[], compiler: string): DlensError {
  const p = problems[0];
  const where = `${p.file}:${p.line}:${p.column}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more type error${problems.length > 2 ? 's' : ''})` : '';
  return new DlensError(
    'impl-type',
    `${where}: ${p.message}${more}, found by ${compiler}.\n    ${p.lineText}\n    ${' '.repeat(p.column - 1)}^\n`,
    `fix the types at ${where}; to load the file anyway, set DLENS_TYPECHECK=off.`,
  );
}

/** The module's own exports, or those of a default-exported object (`export default { betas, step }`). */
function contractExports(exports: Record<string, unknown>): Record<string, unknown> {
  const named = Object.keys(exports).filter((k) => k !== 'default' && k !== '__esModule');
  const def = exports.default;
  if (!named.some((k) => (IMPLEMENTATION_EXPORTS as readonly string[]).includes(k)) && def && typeof def === 'object') return def as Record<string, unknown>;
  return exports;
}

export async function loadImplementation(fileIn: string): Promise<LoadedImplementation> {
  const file = path.resolve(fileIn);
  enableSourceMaps();
  const code = await bundleImplementation(file);
  const checked = typeCheckImplementation(file);
  if ('problems' in checked && checked.problems.length > 0) throw typeError(checked.problems, checked.compiler);
  const exports = contractExports(evaluate(code, file));
  const base = path.basename(file);
  const impl: Implementation = {};
  const provided: ImplementationExport[] = [];
  for (const name of IMPLEMENTATION_EXPORTS) {
    const value = exports[name];
    if (value === undefined) continue;
    if (typeof value !== 'function') {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      throw new DlensError('impl-export-type', `${base} exports \`${name}\` as ${got}; the contract needs a function ${SIGNATURES[name]}.`, `export ${name} as a function (export function ${name}(...) { ... }), or remove the export to use the reference ${name}.`);
    }
    (impl as Record<string, unknown>)[name] = value;
    provided.push(name);
  }
  const warnings: string[] = 'skipped' in checked && /no TypeScript compiler|failed/.test(checked.skipped) ? [`${base} was not type-checked: ${checked.skipped}.`] : [];
  const unknown = Object.keys(exports).filter((k) => !(IMPLEMENTATION_EXPORTS as readonly string[]).includes(k) && k !== 'default' && k !== '__esModule');
  for (const name of unknown) {
    const guess = suggestExport(name);
    if (guess && !provided.includes(guess)) warnings.push(`${base} exports \`${name}\`, which Diffusion Lens does not use: did you mean \`${guess}\`? Until it is renamed, the reference ${guess} is used.`);
  }
  if (provided.length === 0) {
    const hint = warnings.length ? ` ${warnings.join(' ')}` : '';
    throw new DlensError('impl-no-exports', `${base} exports none of ${IMPLEMENTATION_EXPORTS.join(', ')}, so there is nothing of yours to run.${hint}`, 'export at least one of them by that exact name (export function step(...) { ... }); every export is optional.');
  }
  return { file, impl, provided, warnings };
}
