import { Command } from 'commander';
import { initBackend } from '../backend';
import { evaluateRun } from '../eval/evaluate';
import { loadRun } from '../train/load';
import { cliImplementation } from './implementation';
import { integer, numberList } from './options';
import { type Run, emit, table } from './output';

export function evalCommand(run: Run): Command {
  return new Command('eval')
    .description('Measure a trained run: loss-vs-t, guidance adherence per scale, judge-space Fréchet distance, diversity')
    .requiredOption('--run <dir>', 'a run folder written by dlens train')
    .option('--guidance <list>', 'guidance scales to measure', numberList, [0, 1, 3, 5])
    .option('--n <count>', 'samples per scale', integer(2, 4096), 200)
    .option('--steps <N>', 'DDIM steps', integer(1), 50)
    .option('--judge-steps <N>', 'training steps of the judge classifier (class models; cached in the run)', integer(1), 600)
    .option('--seed <s>', 'random seed', integer(0), 0)
    .option('--impl <file>', 'your implementation module (.ts/.js) the run was trained with: its model, schedule, addNoise, timesteps and step')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(async () => {
        await initBackend(o.backend);
        const implementation = await cliImplementation(o.impl);
        const loaded = loadRun(o.run, 'ema', implementation);
        for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
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
