/**
 * Guidance sweep: columns are scales, rows are seeds (each row its own starting noise, shared across
 * its row), so a row shows what guidance alone changes. Cells stream as each column finishes.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { saveGrid } from '../image';
import type { SweepJob } from '../protocol/jobs';
import { defaultWorkers } from '../train/dataParallel';
import { loadRun } from '../train/load';
import { sweepRun } from '../train/sweep';
import { rowLabel, sweepRows } from '../train/sweepRows';
import type { JobContext, JobOutcome } from './context';
import { jobImplementation } from './implementation';
import { payload } from './probeFrame';
import { recorded } from './recorded';

export function sweepJob(job: SweepJob, ctx: JobContext): Promise<JobOutcome> {
  return recorded(job.outDir, job, async () => {
    const run = loadRun(job.runDir, 'ema', await jobImplementation(job.impl, ctx));
    const { imageSize: size, channels } = run.manifest.dataset;
    try {
      const rows = sweepRows(run.manifest, job.seeds, job);
      const result = await sweepRun(run, {
        scales: job.scales, rows, seed: job.seed, steps: job.steps, signal: ctx.signal, workers: defaultWorkers(tf.getBackend()),
        onColumn: async (col, scale, images) => {
          for (let row = 0; row < rows.length; row++) {
            const cellImage = tf.slice(images, [row, 0, 0, 0], [1, size, size, channels]);
            ctx.cell({ type: 'cell', row, col, rows: rows.length, cols: job.scales.length, scale, label: rowLabel(run.manifest, rows[row], job.seed + row), image: await payload(cellImage) });
            cellImage.dispose();
          }
        },
      });
      const file = path.join(job.outDir, 'sweep.png');
      await saveGrid(result.grid, file, { columns: job.scales.length, scale: size < 32 ? 3 : 2 });
      result.grid.dispose();
      ctx.log(`sweep: columns = guidance ${job.scales.join(', ')}; rows = ${result.labels.join(', ')}`);
      return { kind: 'sweep', status: 'completed', files: [file], warnings: result.warnings };
    } catch (err) {
      if (err instanceof DlensError && err.code === 'cancelled') return { kind: 'sweep', status: 'cancelled', files: [], warnings: [] };
      throw err;
    } finally {
      run.dispose();
    }
  });
}
