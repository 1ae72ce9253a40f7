/**
 * Bundles the user's implementation file (TypeScript or JavaScript, with whatever it imports from the
 * workspace) into one CommonJS string with an inline source map, so stack traces point at their lines.
 * esbuild is loaded lazily: only jobs that run user code pay for it, and the runner bundle keeps it
 * external (its native binary cannot be bundled; the extension ships node_modules/esbuild for it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Message } from 'esbuild';
import { DlensError } from '../errors';

export const IMPLEMENTATION_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

/** The name the compiled code runs under: next to the source, so the map's relative sources resolve to it. */
export const bundledName = (file: string) => `${file}.dlens.js`;

export async function bundleImplementation(file: string): Promise<string> {
  assertImplementationFile(file);
  const esbuild = await import('esbuild');
  try {
    const result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      // The engine's own TensorFlow.js is handed in at require time (see load.ts): never a second copy.
      external: ['@tensorflow/*'],
      outfile: bundledName(file),
      logLevel: 'silent',
    });
    return result.outputFiles[0].text;
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!errors?.length) throw err;
    throw compileError(file, errors);
  }
}

export function assertImplementationFile(file: string): void {
  if (!fs.existsSync(file)) {
    throw new DlensError('impl-not-found', `Implementation file not found: ${file}.`, 'check the path (a relative path is read from the workspace folder, or from the current folder for `dlens --impl`); the file must be a .ts or .js module.');
  }
  if (!fs.statSync(file).isFile()) {
    throw new DlensError('impl-not-found', `${file} is a folder, not an implementation file.`, 'point at the .ts or .js file that exports betas, addNoise, timesteps, step or createModel.');
  }
  if (!(IMPLEMENTATION_EXTENSIONS as readonly string[]).includes(path.extname(file))) {
    throw new DlensError('impl-file-type', `${file} is not a TypeScript or JavaScript file (its extension is '${path.extname(file)}').`, `use a module ending in ${IMPLEMENTATION_EXTENSIONS.join(', ')}.`);
  }
}

/** The first error with its file:line:column and the offending line, as a compiler prints it. */
function compileError(file: string, errors: Message[]): DlensError {
  const e = errors[0];
  const loc = e.location;
  // esbuild reports paths relative to the working folder; absolute ones are clickable in any terminal.
  const where = loc ? `${path.resolve(loc.file)}:${loc.line}:${loc.column + 1}` : file;
  const excerpt = loc ? `\n    ${loc.lineText}\n    ${' '.repeat(loc.column)}^` : '';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  if (/^Could not resolve/.test(e.text)) {
    return new DlensError('impl-import', `${where}: ${e.text}${more}.${excerpt}\n`, 'install the package in the workspace (npm install NAME), fix the import path, or remove the import.');
  }
  return new DlensError('impl-syntax', `${where}: ${e.text}${more}.${excerpt}\n`, `fix the code at ${where}; the implementation file must be valid TypeScript or JavaScript.`);
}
