// Bundles the CLI and the extension with esbuild. Dependencies stay external: tfjs finds its .wasm files
// and optional backends in node_modules at run time.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, packages: 'external', logLevel: 'warning' };

await build({ ...common, entryPoints: ['engine/cli/main.ts'], outfile: 'dist/cli.js' });
chmodSync('dist/cli.js', 0o755);
await build({ ...common, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
