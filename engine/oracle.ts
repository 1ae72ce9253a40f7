/**
 * The exact denoiser for data from an isotropic Gaussian mixture sum_k pi_k N(mu_k, sigma^2 I).
 * Noised to step t, the data is sum_k pi_k N(sqrt(ab) mu_k, v I) with v = ab sigma^2 + 1 - ab, so
 *   responsibilities  r_k(x) ∝ pi_k exp(-|x - sqrt(ab) mu_k|^2 / 2v),  mubar = sum_k r_k mu_k,
 *   eps*(x, t)  = -sqrt(1 - ab) * score = sqrt(1 - ab) (x - sqrt(ab) mubar) / v,
 *   E[x0 | x_t] = mubar + sqrt(ab) sigma^2 (x - sqrt(ab) mubar) / v         (Tweedie).
 * A sampler driven by it must reproduce the mixture: any deviation is the sampler's fault, not a model's.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionTables } from './diffusion';
import { DlensError } from './errors';
import type { PredictionType } from './forward';
import type { Rng } from './random';

export interface GaussianMixture {
  weights: number[];
  means: number[][];
  std: number;
}

export function validateMixture(m: unknown): GaussianMixture {
  const fail = (problem: string): never => {
    throw new DlensError('bad-mixture', `Mixture: ${problem}`, 'write it as { "weights": [0.5, 0.5], "means": [[-1, 0], [1, 0]], "std": 0.2 }: weights > 0 (normalised for you), one mean per weight, all of one dimension, std > 0.');
  };
  if (typeof m !== 'object' || m === null) return fail('expected a JSON object.');
  const { weights, means, std } = m as Record<string, unknown>;
  if (!Array.isArray(weights) || weights.length === 0 || !weights.every((w) => typeof w === 'number' && w > 0 && Number.isFinite(w))) return fail('"weights" must be a non-empty array of positive numbers.');
  if (!Array.isArray(means) || means.length !== weights.length) return fail(`"means" must be an array with one mean per weight (${weights.length}).`);
  const dim = Array.isArray(means[0]) ? means[0].length : 0;
  if (dim === 0 || !means.every((mu) => Array.isArray(mu) && mu.length === dim && mu.every((v) => typeof v === 'number' && Number.isFinite(v)))) return fail('every mean must be an array of numbers of the same, non-zero length.');
  if (typeof std !== 'number' || !(std > 0) || !Number.isFinite(std)) return fail('"std" must be a positive number.');
  const total = (weights as number[]).reduce((a, b) => a + b, 0);
  return { weights: (weights as number[]).map((w) => w / total), means: means as number[][], std };
}

export function mixtureDim(m: GaussianMixture): number {
  return m.means[0].length;
}

/**
 * The oracle as a conditional model. x is [B, D] (or any [B, ...] with D values per example).
 * cond, when given, is [B] class indices; -1 means unconditional (the whole mixture).
 */
export function mixtureOracle(mixture: GaussianMixture, tables: DiffusionTables, prediction: PredictionType = 'epsilon'): (x: tf.Tensor, t: number, cond?: tf.Tensor) => tf.Tensor {
  const m = validateMixture(mixture);
  const K = m.weights.length;
  const D = mixtureDim(m);
  const sigma2 = m.std * m.std;
  const logWeights = m.weights.map(Math.log);
  const meanNormSq = m.means.map((mu) => mu.reduce((s, v) => s + v * v, 0));
  return (x: tf.Tensor, t: number, cond?: tf.Tensor) =>
    tf.tidy(() => {
      const batch = x.shape[0];
      if (x.size !== batch * D) {
        throw new DlensError('oracle-shape', `The mixture has dimension ${D}, but x has shape [${x.shape}].`, `give x as [B, ${D}].`);
      }
      const ab = tables.alphasCumprod[t];
      const sqrtAb = Math.sqrt(ab);
      const v = ab * sigma2 + (1 - ab);
      const flat = tf.reshape(x, [batch, D]);
      const means = tf.tensor2d(m.means, [K, D]);
      // log r_k = log pi_k + sqrt(ab)/v x.mu_k - ab/(2v) |mu_k|^2 + const(x)
      const logits = tf.add(tf.mul(tf.matMul(flat, means, false, true), sqrtAb / v), tf.tensor1d(logWeights.map((lw, k) => lw - (ab * meanNormSq[k]) / (2 * v))));
      let resp = tf.softmax(logits);
      if (cond) {
        const labels = tf.reshape(tf.cast(cond, 'int32'), [batch]);
        const oneHot = tf.oneHot(tf.maximum(labels, tf.zerosLike(labels)), K).toFloat();
        resp = tf.where(tf.reshape(tf.greaterEqual(labels, 0), [batch, 1]), oneHot, resp);
      }
      const muBar = tf.matMul(resp, means);
      const centred = tf.sub(flat, tf.mul(muBar, sqrtAb));
      const eps = tf.mul(centred, Math.sqrt(1 - ab) / v);
      if (prediction === 'epsilon') return tf.reshape(eps, x.shape);
      const x0 = tf.add(muBar, tf.mul(centred, (sqrtAb * sigma2) / v));
      if (prediction === 'x0') return tf.reshape(x0, x.shape);
      return tf.reshape(tf.sub(tf.mul(eps, sqrtAb), tf.mul(x0, Math.sqrt(1 - ab))), x.shape);
    });
}

/** Exact draws from the mixture (to check forward-process moments and the statistics below). */
export function sampleMixture(mixture: GaussianMixture, n: number, rng: Rng): { x: tf.Tensor2D; components: number[] } {
  const m = validateMixture(mixture);
  const D = mixtureDim(m);
  const components: number[] = [];
  const values = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let k = 0;
    while (k < m.weights.length - 1 && u >= m.weights[k]) u -= m.weights[k++];
    components.push(k);
    for (let d = 0; d < D; d++) values[i * D + d] = m.means[k][d] + m.std * rng.gaussian();
  }
  return { x: tf.tensor2d(values, [n, D]), components };
}

export interface MixtureStats {
  /** share of samples nearest to each mean */
  weights: number[];
  /** mean of the samples assigned to each component (NaN where none) */
  means: number[][];
  /** pooled per-coordinate standard deviation around the assigned means */
  std: number;
  /** each sample's nearest mean */
  assignments: number[];
}

/** Assign each sample to its nearest true mean and measure weights, means and spread. */
export function mixtureStats(samples: ArrayLike<number>, mixture: GaussianMixture): MixtureStats {
  const m = validateMixture(mixture);
  const K = m.weights.length;
  const D = mixtureDim(m);
  const n = samples.length / D;
  const counts = new Array(K).fill(0);
  const sums = m.means.map(() => new Array(D).fill(0));
  const assignments: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDist = Infinity;
    for (let k = 0; k < K; k++) {
      let dist = 0;
      for (let d = 0; d < D; d++) dist += (samples[i * D + d] - m.means[k][d]) ** 2;
      if (dist < bestDist) [best, bestDist] = [k, dist];
    }
    assignments.push(best);
    counts[best]++;
    for (let d = 0; d < D; d++) sums[best][d] += samples[i * D + d];
  }
  const means = sums.map((s, k) => s.map((v) => v / counts[k]));
  let sq = 0;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) sq += (samples[i * D + d] - means[assignments[i]][d]) ** 2;
  }
  return { weights: counts.map((c) => c / n), means, std: Math.sqrt(sq / (n * D - K * D)), assignments };
}
