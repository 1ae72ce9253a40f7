/**
 * Condition tensors from the user's CLIP export: [n, L, dim + 1], hidden states with the attention
 * mask as the last feature. The empty prompt is the learned null condition (all zeros), not CLIP(''),
 * so dropout and the unconditional branch mean the same thing as with the built-in encoder.
 */
import * as tf from '@tensorflow/tfjs';
import { type ClipTextEncoder, loadClipTextEncoder } from '../text/clip';

const encoders = new Map<string, Promise<ClipTextEncoder>>();
/** Encoded rows by prompt: training sees the same captions again and again. */
const rows = new Map<string, Map<string, Float32Array>>();

export function clipEncoder(dir: string, maxLength?: number): Promise<ClipTextEncoder> {
  const key = `${dir}\u0000${maxLength ?? ''}`;
  let e = encoders.get(key);
  if (!e) {
    e = loadClipTextEncoder(dir, { maxLength });
    e.catch(() => encoders.delete(key));
    encoders.set(key, e);
  }
  return e;
}

export async function clipCondition(clip: { dir: string; maxLength: number; inputDim: number }, prompts: readonly string[]): Promise<tf.Tensor3D> {
  const { maxLength: L, inputDim: D } = clip;
  const cache = rows.get(clip.dir) ?? new Map<string, Float32Array>();
  rows.set(clip.dir, cache);
  const missing = [...new Set(prompts.filter((p) => p.trim() !== '' && !cache.has(p)))];
  if (missing.length) {
    const enc = await (await clipEncoder(clip.dir, L)).encode(missing);
    missing.forEach((p, i) => {
      const row = new Float32Array(L * (D + 1));
      for (let s = 0; s < L; s++) {
        row.set(enc.tokens.subarray((i * L + s) * D, (i * L + s + 1) * D), s * (D + 1));
        row[s * (D + 1) + D] = enc.mask[i * L + s];
      }
      cache.set(p, row);
    });
  }
  const out = new Float32Array(prompts.length * L * (D + 1));
  prompts.forEach((p, i) => {
    if (p.trim() !== '') out.set(cache.get(p)!, i * L * (D + 1));
  });
  return tf.tensor3d(out, [prompts.length, L, D + 1]);
}
