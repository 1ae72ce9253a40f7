// Bundles the CLI and the extension with esbuild. Dependencies stay external: tfjs finds its .wasm files
// and optional backends in node_modules at run time.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, packages: 'external', logLevel: 'warning' };

await build({ ...common, entryPoints: ['engine/cli/main.ts'], outfile: 'dist/cli.js' });
chmodSync('dist/cli.js', 0o755);
await build({ ...common, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });

// The wasm backend loads its binaries at run time; a packaged extension carries them in dist/wasm.
mkdirSync('dist/wasm', { recursive: true });
const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) copyFileSync(path.join(wasmDist, f), path.join('dist/wasm', f));
