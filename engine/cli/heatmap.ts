import { Command, InvalidArgumentError } from 'commander';
import { initBackend } from '../backend';
import { saveHeatmapGrid } from '../eval/heatmapGrid';
import { type RunHeatmaps, runHeatmaps } from '../eval/heatmapRun';
import type { ModelRef } from '../protocol/jobs';
import { cliImplementation } from './implementation';
import { integer, integerList } from './options';
import { type Run, emit, table } from './output';

const weightsChoice = (value: string): 'ema' | 'raw' => {
  if (value !== 'ema' && value !== 'raw') throw new InvalidArgumentError(`expected ema or raw, got '${value}'.`);
  return value;
};

export function heatmapCommand(run: Run): Command {
  return new Command('heatmap')
    .description('Noise-prediction error maps |eps-hat - eps| on real images at chosen timesteps, and the loss-vs-t profile; optionally two models side by side')
    .requiredOption('--run <dir>', 'a run folder written by dlens train')
    .option('--weights <w>', 'ema or raw', weightsChoice, 'ema')
    .option('--step <n>', 'checkpoint step (default: the newest)', integer(0))
    .option('--compare <dir>', 'a second run to show beside it (default with --compare-step/--compare-weights: the same run)')
    .option('--compare-weights <w>', 'ema or raw, for the comparison', weightsChoice)
    .option('--compare-step <n>', 'checkpoint step of the comparison', integer(0))
    .option('--t <list>', 'timesteps', integerList, [50, 250, 500, 750, 950])
    .option('--count <n>', 'real images shown', integer(1, 16), 4)
    .option('--seed <s>', 'picks the images and the noise; the same for both models', integer(0), 0)
    .option('--out <file>', 'PNG grid to write', 'heatmap.png')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--impl <file>', 'the implementation module the run was trained with (.ts/.js)')
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(async () => {
        await initBackend(o.backend);
        const refs: ModelRef[] = [{ runDir: o.run, weights: o.weights, step: o.step }];
        if (o.compare || o.compareStep !== undefined || o.compareWeights) refs.push({ runDir: o.compare ?? o.run, weights: o.compareWeights ?? o.weights, step: o.compareStep });
        const implementation = await cliImplementation(o.impl);
        const models: RunHeatmaps[] = [];
        for (const ref of refs) models.push(await runHeatmaps(ref, { timesteps: o.t, count: o.count, seed: o.seed }, implementation));
        const range = await saveHeatmapGrid(models.map((m) => m.result), o.out);
        const result = {
          out: o.out, timesteps: o.t, errorRange: range,
          models: models.map((m) => ({ label: m.label, step: m.step, mseAt: m.result.mseAt, profile: m.result.profile })),
        };
        emit(o.json, result, () => {
          const profileT = models[0].result.profile.t;
          return [
            `wrote ${o.out}: rows = x_0, then t = ${o.t.join(', ')}; per image x_t then |eps-hat - eps| (viridis, 0 .. ${range.max.toFixed(4)})`,
            'MSE at the chosen timesteps:',
            table(['t', ...models.map((m) => m.label)], o.t.map((t: number, i: number) => [t, ...models.map((m) => m.result.mseAt[i].toFixed(4))])),
            'loss vs t (MSE per t bucket, at its centre):',
            table(['t', ...models.map((m) => m.label)], profileT.map((t, i) => [t, ...models.map((m) => m.result.profile.mse[i].toFixed(4))])),
          ].join('\n');
        });
      }, o.json),
    );
}
