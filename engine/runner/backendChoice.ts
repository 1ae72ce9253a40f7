/**
 * The runner carries its own bundled copy of TensorFlow.js (so the packaged extension needs no 140 MB
 * node_modules). tfjs-node, if installed, would load a second, separate tfjs whose backend the bundled
 * copy cannot see, so 'auto' starts at webgpu here and 'tensorflow' is refused with a fix.
 */
import { initBackend } from '../backend';
import { DlensError } from '../errors';
import type { BackendChoiceName } from '../protocol/jobs';

const AUTO_ORDER = ['webgpu', 'wasm', 'cpu'] as const;

export async function chooseRunnerBackend(choice: BackendChoiceName): Promise<{ backend: string; attempts: string[] }> {
  if (choice === 'tensorflow') {
    throw new DlensError(
      'backend-unavailable',
      "The 'tensorflow' backend (tfjs-node) cannot run in the extension's runner: the runner bundles its own TensorFlow.js and tfjs-node would load a second copy.",
      "set diffusionLens.backend to 'auto' or 'wasm' (the dlens CLI from a checkout can still use tfjs-node).",
    );
  }
  if (choice !== 'auto') {
    const report = await initBackend(choice);
    return { backend: report.backend, attempts: report.attempts.filter((a) => a.status === 'chosen').map((a) => `${a.backend}: ${a.reason}`) };
  }
  const attempts = ['tensorflow: not used by the extension runner (it bundles TensorFlow.js; see diffusionLens.backend)'];
  for (const name of AUTO_ORDER) {
    try {
      const report = await initBackend(name);
      attempts.push(...report.attempts.filter((a) => a.backend === name).map((a) => `${a.backend}: ${a.status}, ${a.reason}`));
      return { backend: report.backend, attempts };
    } catch (err) {
      // initBackend says "Backend 'x' is not available (x: reason). Fix: ..."; keep the reason.
      attempts.push((err as Error).message.replace(/^Backend '\w+' is not available \((.*?)\)\. Fix: .*$/s, '$1'));
    }
  }
  throw new DlensError('no-backend', `No TensorFlow.js backend started (${attempts.join('; ')}).`, 'reinstall the extension; the wasm backend ships with it in dist/wasm.');
}
