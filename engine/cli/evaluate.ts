import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { initBackend } from '../backend';
import { evaluateRun } from '../eval/evaluate';
import { saveGrid } from '../image';
import { Rng } from '../random';
import { sampleDdim } from '../samplers/ddim';
import { guidedDenoiser } from '../samplers/guidance';
import { inferenceTimesteps } from '../timesteps';
import { conditionTensors } from '../train/conditioning';
import { loadRun } from '../train/load';
import { integer, numberList } from './options';
import { emit, table } from './output';

type Run = (fn: (json: boolean) => Promise<void> | void, json: boolean) => Promise<void>;

export function evalCommand(run: Run): Command {
  return new Command('eval')
    .description('Measure a trained run: loss-vs-t, guidance adherence per scale, judge-space Fréchet distance, diversity')
    .requiredOption('--run <dir>', 'a run folder written by dlens train')
    .option('--guidance <list>', 'guidance scales to measure', numberList, [0, 1, 3, 5])
    .option('--n <count>', 'samples per scale', integer(2, 4096), 200)
    .option('--steps <N>', 'DDIM steps', integer(1), 50)
    .option('--judge-steps <N>', 'training steps of the judge classifier (class models; cached in the run)', integer(1), 600)
    .option('--seed <s>', 'random seed', integer(0), 0)
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(async () => {
        await initBackend(o.backend);
        const loaded = loadRun(o.run);
        const report = await evaluateRun(o.run, loaded, { scales: o.guidance, n: o.n, steps: o.steps, seed: o.seed, judgeSteps: o.judgeSteps, log: (msg) => process.stderr.write(msg + '\n') });
        loaded.dispose();
        emit(o.json, report, () => {
          const lines = [`run ${o.run} at step ${report.step}; sampler ${report.sampler}`];
          lines.push('loss vs t (MSE of eps on real images):', table(['t', 'mse'], report.lossProfile.t.map((t, i) => [t, report.lossProfile.mse[i].toFixed(4)])));
          if (report.judge) lines.push(`judge: ${(report.judge.testAccuracy * 100).toFixed(1)}% on held-out real images`);
          if (report.adherence.length) {
            const keys = Object.keys(report.adherence[0].parts);
            lines.push(`adherence (${report.adherenceBy}; chance ${(report.chance * 100).toFixed(1)}%):`);
            lines.push(table(['scale', 'all', ...keys, ...(report.frechet ? ['frechet', 'diversity'] : [])], report.adherence.map((r) => [r.scale, pct(r.all), ...keys.map((k) => pct(r.parts[k])), ...(report.frechet ? [report.frechet.byScale[String(r.scale)].toFixed(2), report.diversity![String(r.scale)].toFixed(2)] : [])])));
          }
          if (report.frechet) lines.push(`real vs real Fréchet: ${report.frechet.realVsReal.toFixed(2)} (${report.frechet.note})`);
          return lines.join('\n');
        });
      }, o.json),
    );
}

const pct = (v: number) => (Number.isNaN(v) ? '-' : `${(v * 100).toFixed(1)}%`);

export function sweepCommand(run: Run): Command {
  return new Command('sweep')
    .description('A grid of guidance scales (columns) x seeds (rows): the same starting noise in every row')
    .requiredOption('--run <dir>', 'a run folder written by dlens train')
    .option('--guidance <list>', 'guidance scales', numberList, [0, 1, 3, 5, 7.5, 10, 15])
    .option('--seeds <n>', 'rows (one seed each)', integer(1, 64), 4)
    .option('--prompt <text>', 'text prompt (text models) or class name (class models); default: a different one per row')
    .option('--prompts <list>', "one prompt per row, separated by ';' (overrides --seeds' row count)")
    .option('--negative-prompt <text>', 'replaces the empty prompt in the unconditional branch')
    .option('--class <k>', 'class index (class models)', integer(-1))
    .option('--steps <N>', 'DDIM steps', integer(1), 50)
    .option('--seed <s>', 'first seed', integer(0), 0)
    .option('--out <file>', 'PNG grid to write', 'sweep.png')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(async () => {
        await initBackend(o.backend);
        const loaded = loadRun(o.run);
        const { manifest: m, model, tables } = loaded;
        const perRow: string[] | undefined = o.prompts ? String(o.prompts).split(';').map((p: string) => p.trim()) : undefined;
        const rows = perRow ? perRow.length : (o.seeds as number);
        const size = m.dataset.imageSize;
        const xT = tf.concat(Array.from({ length: rows }, (_, r) => new Rng(o.seed + r).normal([1, size, size, m.dataset.channels])));
        const rowRequests = Array.from({ length: rows }, (_, r) => (perRow ? { prompt: perRow[r], negativePrompt: o.negativePrompt } : rowRequest(m, r, o)));
        const conds = await Promise.all(rowRequests.map((req) => conditionTensors(m, req, 1)));
        const cond = conds[0].cond ? tf.concat(conds.map((c) => c.cond!)) : undefined;
        const uncond = conds[0].uncond ? tf.concat(conds.map((c) => c.uncond!)) : undefined;
        const columns: tf.Tensor[] = [];
        for (const scale of o.guidance as number[]) {
          const denoiser = cond && uncond ? guidedDenoiser((x, t, c) => model.predict(x, t, c), { scale, cond, uncond }) : (x: tf.Tensor, t: number) => model.predict(x, t);
          columns.push(await sampleDdim(denoiser, xT, { tables, timesteps: inferenceTimesteps('trailing', tables.T, o.steps), rng: new Rng(o.seed), clipX0: 1 }));
        }
        // Row-major grid: row r holds seed r at every scale.
        const grid = tf.tidy(() => tf.reshape(tf.stack(columns, 1), [rows * columns.length, size, size, m.dataset.channels]));
        await saveGrid(grid, o.out, { columns: columns.length, scale: size < 32 ? 3 : 2 });
        tf.dispose([xT, grid, ...columns, ...conds.flatMap((c) => [c.cond, c.uncond].filter((t): t is tf.Tensor => !!t)), ...(cond ? [cond] : []), ...(uncond ? [uncond] : [])]);
        loaded.dispose();
        const labels = rowRequests.map((r) => r.prompt ?? (r.classIndex !== undefined ? m.dataset.classNames?.[r.classIndex] : '') ?? '');
        emit(o.json, { out: o.out, scales: o.guidance, rows: labels }, () => `wrote ${o.out}: columns = guidance ${o.guidance.join(', ')}; rows = ${labels.map((l, i) => `seed ${o.seed + i}${l ? ` "${l}"` : ''}`).join(', ')}`);
      }, o.json),
    );
}

function rowRequest(m: ReturnType<typeof loadRun>['manifest'], r: number, o: { prompt?: string; negativePrompt?: string; class?: number }) {
  if (o.prompt || o.class !== undefined) return { prompt: o.prompt, negativePrompt: o.negativePrompt, classIndex: o.class };
  if (m.model.cond === 'class') return { classIndex: r % m.dataset.classNames!.length };
  if (m.model.cond === 'text' || m.model.cond === 'clip') return { prompt: m.previewPrompts?.[r % m.previewPrompts.length], negativePrompt: o.negativePrompt };
  return {};
}


