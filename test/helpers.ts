/** Shared by the unit tests: backend start-up and small float64 utilities. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';

export async function backend(): Promise<string> {
  return (await initBackend()).backend;
}

export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

export function variance(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / (xs.length - 1);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Every element of a strided column of a row-major [n, D] array. */
export function column(xs: ArrayLike<number>, D: number, d: number): number[] {
  const out: number[] = [];
  for (let i = d; i < xs.length; i += D) out.push(xs[i]);
  return out;
}

/** Runs the built CLI (dist/cli.js) from the repository root on the wasm backend. */
export function dlens(...args: string[]) {
  const root = path.resolve(__dirname, '..');
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, DLENS_BACKEND: 'wasm' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}
