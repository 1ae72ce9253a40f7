/**
 * Per-step, per-image statistics of a sampling trajectory: what the player's chart plots and what its
 * breakpoints test. Computed once where the frame is recorded (the runner), stored in the record's index,
 * so the panel gets every step's numbers without loading a single tensor. Pure: no Node, DOM or tfjs.
 */

/** The statistics of one step, one value per image of the batch. */
export const STAT_KEYS = ['xStd', 'xMaxAbs', 'epsRms', 'x0Min', 'x0Max', 'x0Clipped', 'nonFinite'] as const;
export type StatKey = (typeof STAT_KEYS)[number];
export type StepStats = Record<StatKey, number[]>;

interface Batch {
  shape: number[];
  data: Float32Array;
}

/** The tensors of a frame that the statistics read (a FrameMessage or a recorded frame). */
export interface StatsInput {
  x: Batch;
  eps: Batch;
  x0: Batch;
  epsCond?: Batch;
  epsUncond?: Batch;
}

/**
 * - xStd: population std of x_t over the image's values (NaN if any is not finite)
 * - xMaxAbs: max |x_t| (an Infinity counts; a NaN is left to nonFinite)
 * - epsRms: |ε̂| as a root-mean-square, sqrt(mean ε̂²): about 1 for a network that predicts unit-variance noise
 * - x0Min, x0Max: the range of predicted x0
 * - x0Clipped: share of predicted x0 values at or beyond ±1, i.e. clipped to the data range (when the sampler
 *   clips, the clipped values sit exactly at ±1; when it does not, they are what the final clamp would cut)
 * - nonFinite: NaN/±Inf count over every tensor of the frame
 */
export function frameStats(f: StatsInput): StepStats {
  const n = f.x.shape[0];
  const size = f.x.data.length / n;
  const out: StepStats = { xStd: [], xMaxAbs: [], epsRms: [], x0Min: [], x0Max: [], x0Clipped: [], nonFinite: [] };
  for (let i = 0; i < n; i++) {
    const lo = i * size;
    const hi = lo + size;
    let bad = 0;
    for (const t of [f.x, f.eps, f.x0, f.epsCond, f.epsUncond]) if (t) bad += countNonFinite(t.data, lo, hi);
    const x = f.x.data;
    let sum = 0;
    let maxAbs = 0;
    for (let k = lo; k < hi; k++) {
      sum += x[k];
      if (Math.abs(x[k]) > maxAbs) maxAbs = Math.abs(x[k]);
    }
    const mean = sum / size;
    // Two passes: sum of squares minus squared mean loses digits when |mean| >> std.
    let ss = 0;
    for (let k = lo; k < hi; k++) ss += (x[k] - mean) ** 2;
    let eps2 = 0;
    for (let k = lo; k < hi; k++) eps2 += f.eps.data[k] ** 2;
    let min = Infinity;
    let max = -Infinity;
    let clipped = 0;
    for (let k = lo; k < hi; k++) {
      const v = f.x0.data[k];
      if (v < min) min = v;
      if (v > max) max = v;
      if (Math.abs(v) >= 1) clipped++;
    }
    out.xStd.push(Math.sqrt(ss / size));
    out.xMaxAbs.push(maxAbs);
    out.epsRms.push(Math.sqrt(eps2 / size));
    out.x0Min.push(min);
    out.x0Max.push(max);
    out.x0Clipped.push(clipped / size);
    out.nonFinite.push(bad);
  }
  return out;
}

function countNonFinite(data: Float32Array, lo: number, hi: number): number {
  let bad = 0;
  for (let k = lo; k < hi; k++) if (!Number.isFinite(data[k])) bad++;
  return bad;
}

/**
 * Std of x_t under the forward marginal q(x_t) = sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·ε, with x0 of std σ_data and
 * ε independent unit noise: Var = ᾱ_t·σ_data² + (1 − ᾱ_t). A sampler whose x_t strays from it at step t is
 * off the distribution the network was trained on.
 */
export function theoreticalStd(alphaBar: number, sigmaData: number): number {
  return Math.sqrt(alphaBar * sigmaData * sigmaData + 1 - alphaBar);
}

/**
 * σ_data assumed when the run records none (runs made before it was recorded, engine/data/sigmaData.ts):
 * a typical within-image std for images in [-1, 1] (Fashion-MNIST measures 0.65, the built-in 16 px shapes
 * 0.43). The panel lets the user set it.
 */
export const DEFAULT_SIGMA_DATA = 0.5;
