import { Command, Option } from 'commander';
import { initBackend } from '../backend';
import { saveGrid } from '../image';
import { loadRun } from '../train/load';
import { defaultWorkers } from '../train/dataParallel';
import { sampleFromRun } from '../train/sample';
import { SPACINGS } from '../timesteps';
import { loadImplementation } from '../user/load';
import { integer, number } from './options';
import { type Run, emit } from './output';

export function samplingOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--run <dir>', 'a run folder written by dlens train')
    .addOption(new Option('--sampler <name>', 'sampler').choices(['ddpm', 'ddim']).default('ddim'))
    .option('--steps <N>', 'sampling steps', integer(1), 50)
    .option('--eta <e>', 'DDIM eta', number(0, 1), 0)
    .addOption(new Option('--spacing <name>', 'timestep spacing').choices(SPACINGS).default('trailing'))
    .option('--prompt <text>', 'text prompt (text models) or class name (class models)')
    .option('--negative-prompt <text>', 'replaces the empty prompt in the unconditional branch')
    .option('--class <k>', 'class index (class models)', integer(-1))
    .addOption(new Option('--weights <which>', 'EMA or raw weights').choices(['ema', 'raw']).default('ema'))
    .option('--seed <s>', 'random seed', integer(0), 0)
    .option('--impl <file>', 'your implementation module (.ts/.js): its betas, timesteps, step and createModel replace the reference ones')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--workers <n>', 'threads the batch is split across (default: one per core, at most 4, on wasm/cpu; 1 on GPU backends)', integer(1))
    .option('--json', 'print one JSON object', false);
}

export function sampleCommand(run: Run): Command {
  return samplingOptions(new Command('sample').description('Sample a grid of images from a trained run'))
    .option('--guidance <s>', 'classifier-free guidance scale', number(), 3)
    .option('--n <count>', 'number of images', integer(1, 1024), 16)
    .option('--per-class <n>', 'class models: n images of every class, one row per class', integer(1, 64))
    .option('--out <file>', 'PNG grid to write', 'samples.png')
    .action((o) =>
      run(async () => {
        const { backend } = await initBackend(o.backend);
        const implementation = o.impl ? await loadImplementation(o.impl) : undefined;
        for (const w of implementation?.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
        const loaded = loadRun(o.run, o.weights, implementation);
        const { images, warnings } = await sampleFromRun(loaded, { sampler: o.sampler, steps: o.steps, eta: o.eta, spacing: o.spacing, guidance: o.guidance, prompt: o.prompt, negativePrompt: o.negativePrompt, classIndex: o.class, perClass: o.perClass, n: o.n, seed: o.seed, workers: o.workers ?? defaultWorkers(backend) });
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        await saveGrid(images, o.out, { scale: loaded.manifest.dataset.imageSize < 32 ? 2 : 1, columns: o.perClass });
        images.dispose();
        loaded.dispose();
        const n = images.shape[0];
        emit(o.json, { out: o.out, n, step: loaded.step, warnings }, () => `wrote ${o.out}: ${n} samples from step ${loaded.step} (${o.sampler.toUpperCase()}, ${o.steps} steps, guidance ${o.guidance})`);
      }, o.json),
    );
}
