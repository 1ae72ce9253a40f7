/**
 * Diffusion: Noise-Prediction Error Heatmaps… — |eps-hat - eps| on real images at chosen timesteps for a
 * run's model, optionally beside a second one (the raw weights, an older checkpoint, another run), with
 * both models' loss-vs-t curves. The same seed gives both models the same images and noise.
 */
import * as path from 'node:path';
import { type HeatmapJob, type ModelRef, parseJob } from '../../engine/protocol';
import { listCheckpoints } from '../../engine/run/checkpoint';
import { stamp } from '../paths';
import { type Choice, askNumbers, pick } from '../prompts';
import { type RunInfo, scanRuns } from '../runRecords';
import type { Services } from '../services';
import { CommandArgError, isArgObject, parseArgs } from './args';
import { jobImplementation } from './implementation';
import type { CommandResult } from './result';
import { hasCheckpoint, requireRunDir, resolveRun } from './runArg';

const NAME = 'Diffusion: Noise-Prediction Error Heatmaps';
const WEIGHTS = ['ema', 'raw'] as const;

const SCHEMA = {
  runDir: { type: 'path' },
  weights: { type: 'string', values: WEIGHTS },
  step: { type: 'int', min: 0 },
  compareRunDir: { type: 'path' },
  compareWeights: { type: 'string', values: WEIGHTS },
  compareStep: { type: 'int', min: 0 },
  timesteps: { type: 'numbers', min: 0, integer: true },
  count: { type: 'int', min: 1, max: 16 },
  seed: { type: 'int', min: 0 },
  hangTimeoutMs: { type: 'int', min: 1000 },
} as const;

/** 5%, 25%, 50%, 75% and 95% of the way through the schedule */
export const defaultTimesteps = (T: number): number[] => [0.05, 0.25, 0.5, 0.75, 0.95].map((f) => Math.round(f * T));

export async function heatmapCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const a = isArgObject(arg) && !('kind' in arg) ? parseArgs(NAME, arg, SCHEMA) : undefined;
  const run = await resolveRun(s, NAME, a ? requireRunDir(NAME, a.runDir) : arg, hasCheckpoint, 'error maps need a run with a checkpoint');
  if (!run?.manifest) return { status: 'dismissed' };
  const T = run.manifest.schedule.T;
  const main: ModelRef = { runDir: run.dir, weights: (a?.weights as ModelRef['weights']) ?? 'ema', step: a?.step };
  let compare: ModelRef | undefined;
  let timesteps: number[];
  if (a) {
    if (a.compareRunDir || a.compareWeights || a.compareStep !== undefined) {
      compare = { runDir: a.compareRunDir ? path.resolve(s.settings().runsFolder, a.compareRunDir) : run.dir, weights: (a.compareWeights as ModelRef['weights']) ?? main.weights, step: a.compareStep };
    }
    timesteps = a.timesteps ?? defaultTimesteps(T);
  } else {
    const picked = await pick(`${NAME} (1/2): compare with`, comparisons(run, scanRuns(s.settings().runsFolder)), undefined, `${run.name} (EMA, newest checkpoint) on the left; what goes on the right?`);
    if (!picked) return { status: 'dismissed' };
    compare = picked.ref;
    const asked = await askNumbers(`${NAME} (2/2): timesteps`, `Timesteps to map, 0..${T - 1}`, s.memory.recall<{ timesteps?: number[] }>('heatmap').timesteps ?? defaultTimesteps(T), (t) => Number.isInteger(t) && t >= 0 && t < T, `whole numbers from 0 to ${T - 1}`);
    if (!asked) return { status: 'dismissed' };
    timesteps = asked;
    s.memory.remember('heatmap', { timesteps });
  }
  const bad = timesteps.find((t) => t >= T);
  if (bad !== undefined) throw new CommandArgError(NAME, `timestep ${bad} is outside 0..${T - 1} (run ${run.name} has T = ${T}).`, `use timesteps below ${T}, e.g. ${defaultTimesteps(T).join(', ')}.`);
  const settings = s.settings();
  const outDir = path.join(run.dir, 'heatmaps', stamp());
  const job = parseJob({ ...jobImplementation(s, settings), kind: 'heatmap', backend: settings.backend, outDir, ...main, compare, timesteps, count: a?.count ?? 4, seed: a?.seed ?? 0 }) as HeatmapJob;
  const panel = s.panels.create(`Error heatmaps ${run.name}`, settings.runsFolder);
  panel.setHeader(`Noise-prediction error: ${run.name}`, [
    `|ε̂ − ε| per pixel (mean over channels) on ${job.count} real images at t = ${timesteps.join(', ')}; one colour scale for every map`,
    compare ? `left: ${describe(main)}; right: ${describe(compare)}; the same images and noise (seed ${job.seed})` : `${describe(main)}, seed ${job.seed}`,
    `record: ${outDir}`,
  ]);
  const r = await s.jobs.run(job, { title: `error heatmaps ${run.name}`, panel, hangTimeoutMs: a?.hangTimeoutMs }).done;
  return { status: r.status, error: r.error, runDir: run.dir, outDir, files: r.files, warnings: r.warnings };
}

function describe(ref: ModelRef): string {
  return `${path.basename(ref.runDir)}, ${ref.weights === 'ema' ? 'EMA' : 'raw'} weights, ${ref.step !== undefined ? `step ${ref.step}` : 'newest checkpoint'}`;
}

/** What the run's EMA model can be compared with: nothing, its raw weights, its older checkpoints, other runs. */
function comparisons(run: RunInfo, runs: RunInfo[]): Choice<{ ref?: ModelRef }>[] {
  const steps = listCheckpoints(run.dir);
  return [
    { label: 'Nothing', description: 'this model alone', value: {} },
    { label: 'Raw weights', description: `the optimiser's weights of the same checkpoint (the left uses their EMA)`, value: { ref: { runDir: run.dir, weights: 'raw' } } },
    ...steps.slice(0, -1).reverse().map((step) => ({ label: `Checkpoint at step ${step}`, description: 'EMA weights of an earlier checkpoint of this run', value: { ref: { runDir: run.dir, weights: 'ema' as const, step } } })),
    ...runs.filter((r) => r.dir !== run.dir && hasCheckpoint(r) && r.manifest?.dataset.spec === run.manifest?.dataset.spec && r.manifest?.dataset.imageSize === run.manifest?.dataset.imageSize).map((r) => ({
      label: r.name, description: `another run on the same data: ${r.manifest!.preset}, conditioning ${r.manifest!.model.cond}, step ${r.checkpointStep}`, value: { ref: { runDir: r.dir, weights: 'ema' as const } },
    })),
  ];
}
