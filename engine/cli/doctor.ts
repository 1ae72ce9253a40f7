import { Command } from 'commander';
import { initBackend } from '../backend';
import { formatReport, isErrorFree, runDoctor } from '../doctor';
import { loadImplementation } from '../user/load';
import { integer } from './options';
import { type Run, emit } from './output';

export function doctorCommand(run: Run): Command {
  return new Command('doctor')
    .description('Check your implementation module against exact answers (schedule, forward process, timesteps, sampler, model); exit code 1 when anything is an error')
    .argument('<file>', 'your implementation module (.ts/.js) exporting any of betas, addNoise, timesteps, step, createModel')
    .option('--steps <N>', 'sampling steps handed to your timesteps()', integer(2), 50)
    .option('--timesteps <T>', 'training timesteps T handed to your betas(T)', integer(2, 100_000), 1000)
    .option('--seed <s>', 'seed of every random draw the checks make', integer(0), 0)
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print the report as one JSON object (the last line)', false)
    .action((file: string, o) =>
      run(async () => {
        await initBackend(o.backend);
        const loaded = await loadImplementation(file);
        const report = await runDoctor(loaded.impl, { T: o.timesteps, steps: o.steps, seed: o.seed });
        for (const w of loaded.warnings ?? []) report.notes.push(w);
        emit(o.json, { file: loaded.file, provided: loaded.provided, ...report }, () => formatReport(report, file));
        if (!isErrorFree(report)) process.exitCode = 1;
      }, o.json),
    );
}
