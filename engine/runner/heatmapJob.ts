/** Error heatmaps of one model, or two side by side, streamed as each finishes and written as a PNG grid. */
import * as path from 'node:path';
import { saveHeatmapGrid } from '../eval/heatmapGrid';
import { type RunHeatmaps, heatmapMessage, runHeatmaps } from '../eval/heatmapRun';
import type { HeatmapJob } from '../protocol/jobs';
import type { JobContext, JobOutcome } from './context';
import { jobImplementation } from './implementation';
import { recorded } from './recorded';

export function heatmapJob(job: HeatmapJob, ctx: JobContext): Promise<JobOutcome> {
  return recorded(job.outDir, job, async () => {
    const refs = job.compare ? [job, job.compare] : [job];
    const implementation = await jobImplementation(job.impl, ctx);
    const done: RunHeatmaps[] = [];
    for (const [column, ref] of refs.entries()) {
      if (ctx.signal.aborted) return { kind: 'heatmap', status: 'cancelled', files: [], warnings: [] };
      const h = await runHeatmaps(ref, { timesteps: job.timesteps, count: job.count, seed: job.seed }, implementation);
      done.push(h);
      ctx.heatmap(heatmapMessage(column, refs.length, h));
      ctx.log(`${h.label}: MSE ${h.result.mseAt.map((v, i) => `${v.toFixed(4)} at t = ${job.timesteps[i]}`).join(', ')}`);
    }
    const file = path.join(job.outDir, 'heatmaps.png');
    const range = await saveHeatmapGrid(done.map((d) => d.result), file);
    ctx.log(`error colour scale: ${range.min} .. ${range.max.toFixed(4)}`);
    return { kind: 'heatmap', status: 'completed', files: [file], warnings: [] };
  });
}
