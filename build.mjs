// Bundles the CLI, the extension, its runner and the panel script with esbuild.
// - cli.js and extension.js keep dependencies external: the CLI runs from a checkout with node_modules,
//   and the extension host side must stay light (no TensorFlow.js at activation).
// - runner.js bundles TensorFlow.js and the other pure-JS dependencies, so the packaged extension ships
//   without the 140 MB of @tensorflow packages; only native packages stay external (sharp, webgpu's
//   Dawn binary, tfjs-node, the optional CLIP loader, esbuild for users' implementation files), and the .wasm files are copied to dist/wasm,
//   where the engine looks first.
// - gradientWorker.js (a data-parallel training thread) is bundled like runner.js.
// - webview/panel.js is a browser IIFE (chart.js bundled in, minified).
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };

await build({ ...node, packages: 'external', entryPoints: ['engine/cli/main.ts'], outfile: 'dist/cli.js' });
chmodSync('dist/cli.js', 0o755);
await build({ ...node, packages: 'external', entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
await build({
  ...node,
  entryPoints: ['engine/runner/main.ts'],
  outfile: 'dist/runner.js',
  // esbuild bundles the user's implementation file at run time; its native binary ships in node_modules.
  external: ['sharp', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@huggingface/transformers', 'onnxruntime-node', 'esbuild'],
});
// Data-parallel training threads (engine/train/dataParallel.ts) load this file next to cli.js / runner.js.
await build({
  ...node,
  entryPoints: ['engine/train/gradientWorker.ts'],
  outfile: 'dist/gradientWorker.js',
  external: ['sharp', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@huggingface/transformers', 'onnxruntime-node'],
});
// Minified: the panel script carries chart.js and ships in the .vsix.
await build({ bundle: true, minify: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning', entryPoints: ['webview/panel.ts'], outfile: 'dist/webview/panel.js' });

// The wasm backend loads its binaries at run time; a packaged extension carries them in dist/wasm.
mkdirSync('dist/wasm', { recursive: true });
const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) copyFileSync(path.join(wasmDist, f), path.join('dist/wasm', f));
