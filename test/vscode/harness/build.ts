/** Compiles a host-test suite folder (index.ts + *.test.ts) to CommonJS next to the repo, for code-server's extension host. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

export async function buildSuite(name: string): Promise<string> {
  const src = path.join('test', 'vscode', 'suite', name);
  const outdir = path.resolve('out', 'vscode-tests', name);
  fs.rmSync(outdir, { recursive: true, force: true });
  const entries = fs.readdirSync(src).filter((f) => f === 'index.ts' || f.endsWith('.test.ts')).map((f) => path.join(src, f));
  await build({ entryPoints: entries, outdir, bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: 'inline', packages: 'external', external: ['vscode'], logLevel: 'warning' });
  return path.join(outdir, 'index.js');
}
