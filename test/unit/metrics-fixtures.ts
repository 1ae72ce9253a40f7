/** Datasets for the metrics tests (not a test file itself: node --test runs only *.test.ts). */
import type { Dataset } from '../../engine/data/types';
import { Rng } from '../../engine/random';

/**
 * Two classes: 'left' has its left half bright (+0.6) and right half dark (-0.6), 'right' the mirror image,
 * plus N(0, 0.4^2) pixel noise, clipped to [-1, 1]. Example i has label i % 2 and is a pure function of
 * (seed, i), so any index can be fetched in any order.
 */
export function halvesDataset(size: number, n: number, seed: number, channels: 1 | 3 = 1): Dataset {
  const per = size * size * channels;
  const images = new Float32Array(n * per);
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const left = x < size / 2;
        const base = left === (label === 0) ? 0.6 : -0.6;
        for (let c = 0; c < channels; c++) {
          images[i * per + (y * size + x) * channels + c] = Math.max(-1, Math.min(1, base + 0.4 * rng.gaussian()));
        }
      }
    }
  }
  return {
    name: `halves-${seed}`,
    imageSize: size,
    channels,
    size: n,
    classNames: ['left', 'right'],
    get(indices) {
      const out = new Float32Array(indices.length * per);
      indices.forEach((k, j) => out.set(images.subarray(k * per, (k + 1) * per), j * per));
      return { images: out, labels: Int32Array.from(indices, (k) => k % 2), captions: indices.map((k) => (k % 2 ? 'right' : 'left')) };
    },
  };
}

export const range = (n: number, start = 0) => Array.from({ length: n }, (_, i) => start + i);
