/**
 * What each row of a guidance sweep is conditioned on, its label, and the sample job that redraws one
 * cell with its trajectory. Plain data, no TensorFlow.js: the extension reads it to label a grid before
 * any image exists and to turn a clicked cell into a job.
 */
import type { SampleJob, SweepJob } from '../protocol/jobs';
import type { RunManifest } from '../run/manifest';
import type { ConditionRequest } from './conditioning';

/** The same condition on every row when one was asked for; otherwise a different class or caption per row. */
export function sweepRows(m: RunManifest, count: number, choice: ConditionRequest & { prompts?: string[] }): ConditionRequest[] {
  if (choice.prompts?.length) return choice.prompts.map((prompt) => ({ prompt, negativePrompt: choice.negativePrompt }));
  return Array.from({ length: count }, (_, r) => {
    if (choice.prompt || choice.classIndex !== undefined) return { prompt: choice.prompt, negativePrompt: choice.negativePrompt, classIndex: choice.classIndex };
    if (m.model.cond === 'class') return { classIndex: r % (m.dataset.classNames?.length ?? 1) };
    return { prompt: m.previewPrompts?.[r % Math.max(1, m.previewPrompts.length)] ?? '', negativePrompt: choice.negativePrompt };
  });
}

export function rowLabel(m: RunManifest, r: ConditionRequest, seed: number): string {
  const what = r.prompt ? ` "${r.prompt}"` : r.classIndex !== undefined && r.classIndex >= 0 ? ` ${m.dataset.classNames?.[r.classIndex] ?? r.classIndex}` : '';
  return `seed ${seed}${what}`;
}

/** Row r of a sweep starts from the noise of seed + r (see sweepRun). */
export function sweepRowLabels(m: RunManifest, job: SweepJob): string[] {
  return sweepRows(m, job.seeds, job).map((r, i) => rowLabel(m, r, job.seed + i));
}

/** A sample job's choices, without where it runs and records (the Sample command adds those). */
export type SampleChoices = Omit<SampleJob, 'kind' | 'backend' | 'outDir'>;

/**
 * The sample request that reproduces cell (row, col) of a sweep step by step: sweepRun draws row r from
 * Rng(seed + r).normal([1, ...]) with DDIM (eta 0, trailing spacing, x0 clipped to 1) and the run's EMA
 * weights, which is exactly what sampleFromRun does for one image with seed + r.
 */
export function cellSample(sweep: SweepJob, m: RunManifest, row: number, col: number): SampleChoices {
  const rows = sweepRows(m, sweep.seeds, sweep);
  if (!Number.isInteger(row) || row < 0 || row >= rows.length || !Number.isInteger(col) || col < 0 || col >= sweep.scales.length) {
    throw new RangeError(`cell (${row}, ${col}) is outside the ${rows.length} x ${sweep.scales.length} sweep`);
  }
  const { prompt, negativePrompt, classIndex } = rows[row];
  return {
    runDir: sweep.runDir, sampler: 'ddim', steps: sweep.steps, eta: 0, spacing: 'trailing',
    guidance: sweep.scales[col], n: 1, seed: sweep.seed + row, weights: 'ema', prompt, negativePrompt, classIndex,
  };
}
