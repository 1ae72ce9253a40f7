import { Command } from 'commander';
import { initBackend } from '../backend';
import { saveGrid } from '../image';
import { defaultWorkers } from '../train/dataParallel';
import { loadRun } from '../train/load';
import { sweepRun } from '../train/sweep';
import { sweepRows } from '../train/sweepRows';
import { cliImplementation } from './implementation';
import { integer, numberList } from './options';
import { type Run, emit } from './output';

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
    .option('--workers <n>', 'threads each denoising call is split across (default: one per core, at most 4, on wasm/cpu; 1 on GPU backends)', integer(1))
    .option('--impl <file>', 'your implementation module (.ts/.js): its betas, timesteps, step and createModel replace the reference ones')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(async () => {
        const { backend } = await initBackend(o.backend);
        const implementation = await cliImplementation(o.impl);
        const loaded = loadRun(o.run, 'ema', implementation);
        try {
          const prompts: string[] | undefined = o.prompts ? String(o.prompts).split(';').map((p: string) => p.trim()) : undefined;
          const rows = sweepRows(loaded.manifest, o.seeds, { prompt: o.prompt, prompts, negativePrompt: o.negativePrompt, classIndex: o.class });
          const result = await sweepRun(loaded, { scales: o.guidance, rows, seed: o.seed, steps: o.steps, workers: o.workers ?? defaultWorkers(backend) });
          await saveGrid(result.grid, o.out, { columns: o.guidance.length, scale: loaded.manifest.dataset.imageSize < 32 ? 3 : 2 });
          result.grid.dispose();
          for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
          emit(o.json, { out: o.out, scales: o.guidance, rows: result.labels }, () => `wrote ${o.out}: columns = guidance ${o.guidance.join(', ')}; rows = ${result.labels.join(', ')}`);
        } finally {
          loaded.dispose();
        }
      }, o.json),
    );
}
