/**
 * Picks the TensorFlow.js backend once per process, best first, and says why each other one was skipped:
 * tensorflow (tfjs-node[-gpu], optional, never imported statically) > webgpu (needs a GPU adapter) > wasm > cpu.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DlensError } from './errors';

export const BACKENDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

export interface BackendAttempt {
  backend: BackendName;
  status: 'chosen' | 'skipped' | 'failed' | 'not tried';
  reason: string;
}

export interface BackendReport {
  backend: BackendName;
  attempts: BackendAttempt[];
}

let current: Promise<BackendReport> | undefined;
let wasmLoadedFrom = '';
let currentChoice: BackendChoice | undefined;

/** Reads the choice from the argument, else DLENS_BACKEND, else 'auto'. Idempotent per process. */
export function initBackend(choice?: BackendChoice | string): Promise<BackendReport> {
  const wanted = (choice ?? process.env.DLENS_BACKEND ?? 'auto') as string;
  if (wanted !== 'auto' && !(BACKENDS as readonly string[]).includes(wanted)) {
    return Promise.reject(new DlensError('unknown-backend', `Unknown backend '${wanted}'.`, `use one of: auto, ${BACKENDS.join(', ')}.`));
  }
  if (current && currentChoice === wanted) return current;
  currentChoice = wanted as BackendChoice;
  current = pick(wanted as BackendChoice);
  current.catch(() => {
    current = undefined;
  });
  return current;
}

async function pick(choice: BackendChoice): Promise<BackendReport> {
  const order: BackendName[] = choice === 'auto' ? [...BACKENDS] : [choice];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    let reason: string;
    try {
      reason = await TRY[name]();
    } catch (err) {
      attempts.push({ backend: name, status: 'failed', reason: (err as Error).message });
      continue;
    }
    if (reason === '') {
      attempts.push({ backend: name, status: 'chosen', reason: chosenReason(name) });
      for (const rest of BACKENDS) if (!attempts.some((a) => a.backend === rest)) attempts.push({ backend: rest, status: 'not tried', reason: `${name} was available first` });
      return { backend: name, attempts };
    }
    attempts.push({ backend: name, status: 'skipped', reason });
  }
  const why = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
  throw new DlensError('no-backend', `Backend '${choice}' is not available (${why}).`, choice === 'auto' ? 'reinstall with `npm ci`.' : "choose 'auto' (the setting diffusionLens.backend, the flag --backend or DLENS_BACKEND).");
}

function chosenReason(name: BackendName): string {
  if (name === 'wasm') return `WebAssembly, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, 1 thread, binaries from ${wasmLoadedFrom}`;
  if (name === 'cpu') return 'plain JavaScript kernels (slow; the fallback)';
  return 'available';
}

/** Each returns '' when the backend is now active, else why it was skipped. */
const TRY: Record<BackendName, () => Promise<string>> = {
  async tensorflow() {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      if (!isInstalled(pkg)) continue;
      require(pkg);
      return (await tf.setBackend('tensorflow')) ? '' : `${pkg} is installed but its backend did not start`;
    }
    return '@tensorflow/tfjs-node(-gpu) is not installed (its install needs a libtensorflow download)';
  },
  async webgpu() {
    if (!isInstalled('webgpu')) return "the 'webgpu' package is not installed";
    // Loading Dawn just to learn there is no GPU costs time and prints Vulkan warnings; look for a device first.
    if (process.platform === 'linux' && !['/dev/dri', '/dev/nvidiactl', '/dev/dxg'].some((p) => fs.existsSync(p))) {
      return 'no GPU device on this machine (/dev/dri, /dev/nvidiactl and /dev/dxg are absent)';
    }
    if (!isInstalled('@tensorflow/tfjs-backend-webgpu')) return "'@tensorflow/tfjs-backend-webgpu' is not installed";
    const dawn = require('webgpu') as { create(flags: string[]): { requestAdapter(): Promise<unknown> }; globals: object };
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no GPU adapter found';
    Object.assign(globalThis, dawn.globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    require('@tensorflow/tfjs-backend-webgpu');
    return (await tf.setBackend('webgpu')) ? '' : 'a GPU adapter exists but the webgpu backend did not start';
  },
  async wasm() {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const dir = wasmDir();
    if (!dir) return 'its .wasm files were not found next to the bundle nor in node_modules';
    wasm.setWasmPaths(dir + path.sep);
    wasmLoadedFrom = dir;
    return (await tf.setBackend('wasm')) ? '' : 'the WebAssembly module did not start';
  },
  async cpu() {
    return (await tf.setBackend('cpu')) ? '' : 'the cpu backend did not start';
  },
};

/** A packaged extension ships the .wasm files in dist/wasm; a checkout finds them in node_modules. */
function wasmDir(): string | undefined {
  const candidates = [path.join(__dirname, 'wasm')];
  try {
    candidates.push(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')));
  } catch {
    // not installed: the bundled copy is the only candidate
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')));
}

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}
