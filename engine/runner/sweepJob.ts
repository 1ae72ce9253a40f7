/**
 * Guidance sweep: columns are scales, rows are seeds (each row its own starting noise, shared across
 * its row), so a row shows what guidance alone changes. Cells stream as each column finishes.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { saveGrid } from '../image';
import type { ConditionChoice, SweepJob } from '../protocol/jobs';
import { Rng } from '../random';
import type { RunManifest } from '../run/manifest';
import { sampleDdim } from '../samplers/ddim';
import { guidedDenoiser } from '../samplers/guidance';
import { inferenceTimesteps } from '../timesteps';
import { conditionTensors } from '../train/conditioning';
import { loadRun } from '../train/load';
import type { JobContext, JobOutcome } from './context';
import { payload } from './probeFrame';
import { recorded } from './recorded';

export function sweepJob(job: SweepJob, ctx: JobContext): Promise<JobOutcome> {
  return recorded(job.outDir, job, async () => {
    const run = loadRun(job.runDir);
    const { manifest: m, model, tables } = run;
    if (m.model.cond === 'none') {
      run.dispose();
      throw new DlensError('unconditional-run', `Run ${path.basename(job.runDir)} is unconditional, so guidance has nothing to steer.`, 'train a run with class or text conditioning, then sweep that one.');
    }
    const rows = job.seeds;
    const { imageSize: size, channels } = m.dataset;
    const requests = Array.from({ length: rows }, (_, r) => rowRequest(m, r, job));
    const conds = await Promise.all(requests.map((req) => conditionTensors(m, req, 1)));
    const cond = tf.concat(conds.map((c) => c.cond!));
    const uncond = tf.concat(conds.map((c) => c.uncond!));
    const xT = tf.concat(Array.from({ length: rows }, (_, r) => new Rng(job.seed + r).normal([1, size, size, channels])));
    const labels = requests.map((req, r) => `seed ${job.seed + r}${req.prompt ? ` "${req.prompt}"` : req.classIndex !== undefined && req.classIndex >= 0 ? ` ${m.dataset.classNames?.[req.classIndex] ?? req.classIndex}` : ''}`);
    const columns: tf.Tensor[] = [];
    try {
      for (const [col, scale] of job.scales.entries()) {
        if (ctx.signal.aborted) return { kind: 'sweep', status: 'cancelled', files: [], warnings: [] };
        const denoiser = guidedDenoiser((x, t, c) => model.predict(x, t, c), { scale, cond, uncond });
        const images = await sampleDdim(denoiser, xT, { tables, timesteps: inferenceTimesteps('trailing', tables.T, job.steps), rng: new Rng(job.seed), clipX0: 1, signal: ctx.signal });
        columns.push(images);
        for (let row = 0; row < rows; row++) {
          const cellImage = tf.slice(images, [row, 0, 0, 0], [1, size, size, channels]);
          ctx.cell({ type: 'cell', row, col, rows, cols: job.scales.length, scale, label: labels[row], image: await payload(cellImage) });
          cellImage.dispose();
        }
      }
      const file = path.join(job.outDir, 'sweep.png');
      const grid = tf.tidy(() => tf.reshape(tf.stack(columns, 1), [rows * columns.length, size, size, channels]));
      await saveGrid(grid, file, { columns: columns.length, scale: size < 32 ? 3 : 2 });
      grid.dispose();
      ctx.log(`sweep: columns = guidance ${job.scales.join(', ')}; rows = ${labels.join(', ')}`);
      return { kind: 'sweep', status: 'completed', files: [file], warnings: [...new Set(conds.flatMap((c) => c.warnings))] };
    } catch (err) {
      if (err instanceof DlensError && err.code === 'cancelled') return { kind: 'sweep', status: 'cancelled', files: [], warnings: [] };
      throw err;
    } finally {
      tf.dispose([xT, cond, uncond, ...columns, ...conds.flatMap((c) => [c.cond!, c.uncond!])]);
      run.dispose();
    }
  });
}

/** The same condition on every row when one was asked for; otherwise a different class or caption per row. */
function rowRequest(m: RunManifest, r: number, job: ConditionChoice): ConditionChoice {
  if (job.prompt || job.classIndex !== undefined) return { prompt: job.prompt, negativePrompt: job.negativePrompt, classIndex: job.classIndex };
  if (m.model.cond === 'class') return { classIndex: r % (m.dataset.classNames?.length ?? 1) };
  return { prompt: m.previewPrompts?.[r % Math.max(1, m.previewPrompts.length)] ?? '', negativePrompt: job.negativePrompt };
}
