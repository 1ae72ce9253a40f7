/**
 * Type errors in the user's TypeScript, before it runs: esbuild only strips types, so `alphasCumprod[t] * x`
 * with x a tensor, or a schedule returning a string, would otherwise load and fail later, far from the cause.
 * The compiler is borrowed, never shipped: the one named by DLENS_TYPESCRIPT (the extension passes VS
 * Code's own), else the workspace's, else the one this package was installed with; with none, the check is
 * skipped and says so. The user's code is checked as written (not strict), and the absence of type
 * packages the user never installed (TensorFlow.js, Node) is not an error: without them those names are `any`.
 */
import Module from 'node:module';
import * as path from 'node:path';
import type * as TS from 'typescript';

export interface TypeProblem {
  /** absolute path, 1-based line and column */
  file: string;
  line: number;
  column: number;
  message: string;
  lineText: string;
}

export type TypeCheckResult = { problems: TypeProblem[]; compiler: string } | { skipped: string };

/** Missing type packages: a module not found (2307, 2792) or a Node global without @types/node (2580, 2591, 2592). */
const MISSING_TYPES = new Set([2307, 2792, 2580, 2591, 2592]);
const TYPED = new Set(['.ts', '.mts', '.cts']);

/** The last program, with the compiler that made it: only that compiler may reuse it. */
let previous: { ts: typeof TS; program: TS.Program } | undefined;

export function typeCheckImplementation(file: string): TypeCheckResult {
  try {
    return check(file);
  } catch (err) {
    // A compiler that cannot run here (too old, damaged) must not keep the user's code from loading.
    return { skipped: `the type check itself failed (${(err as Error).message})` };
  }
}

function check(file: string): TypeCheckResult {
  if (!TYPED.has(path.extname(file))) return { skipped: 'a JavaScript file has no types to check' };
  if (process.env.DLENS_TYPECHECK === 'off') return { skipped: 'DLENS_TYPECHECK=off' };
  const found = loadCompiler(file);
  if (!found) return { skipped: 'no TypeScript compiler was found (set DLENS_TYPESCRIPT to a typescript.js, or npm install typescript in the workspace)' };
  const ts = found.ts;
  const options: TS.CompilerOptions = {
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  };
  // The previous program's parsed library files are reused: a second check costs a fraction of the first.
  const program = ts.createProgram([file], options, undefined, previous?.ts === ts ? previous.program : undefined);
  previous = { ts, program };
  const problems: TypeProblem[] = [];
  for (const d of [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()]) {
    if (d.category !== ts.DiagnosticCategory.Error || !d.file || d.file.isDeclarationFile || MISSING_TYPES.has(d.code)) continue;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    problems.push({
      file: path.resolve(d.file.fileName),
      line: line + 1,
      column: character + 1,
      message: `${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (TS${d.code})`,
      lineText: d.file.text.split(/\r?\n/)[line] ?? '',
    });
  }
  return { problems, compiler: `TypeScript ${ts.version} (${found.from})` };
}

function loadCompiler(file: string): { ts: typeof TS; from: string } | undefined {
  const candidates: [string, () => string][] = [
    ['DLENS_TYPESCRIPT', () => process.env.DLENS_TYPESCRIPT || ''],
    ['the workspace', () => Module.createRequire(file).resolve('typescript')],
    // Beside the running program (dist/cli.js in a checkout): a packaged extension has none there.
    ['Diffusion Lens', () => Module.createRequire(path.resolve(process.argv[1] ?? 'noop.js')).resolve('typescript')],
  ];
  for (const [from, where] of candidates) {
    try {
      const at = where();
      if (at) return { ts: Module.createRequire(at)(at) as typeof TS, from };
    } catch {
      // not there: try the next
    }
  }
  return undefined;
}
