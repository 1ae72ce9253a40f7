import { Command, Option } from 'commander';
import { initBackend } from '../backend';
import { diffusionTables } from '../diffusion';
import { SCHEDULE_NAMES, makeBetas } from '../schedules';
import { SPACINGS, inferenceTimesteps } from '../timesteps';
import { integer, number } from './options';
import { type Run, emit, table } from './output';

export function scheduleOption(): Option {
  return new Option('--schedule <name>', 'noise schedule').choices(SCHEDULE_NAMES).default('linear');
}

export function scheduleCommand(run: Run): Command {
  return new Command('schedule')
    .description('Print a noise schedule: betas and alphasCumprod for t = 0..T-1')
    .addOption(scheduleOption())
    .option('--timesteps <T>', 'number of diffusion steps T', integer(2), 1000)
    .option('--zero-terminal-snr', 'rescale so alphasCumprod[T-1] = 0 (Lin et al. 2023)', false)
    .option('--beta-start <b>', 'first beta (linear, scaled-linear, sigmoid)', number(0, 1))
    .option('--beta-end <b>', 'last beta (linear, scaled-linear, sigmoid)', number(0, 1))
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(() => {
        const betas = makeBetas(o.schedule, o.timesteps, { zeroTerminalSnr: o.zeroTerminalSnr, betaStart: o.betaStart, betaEnd: o.betaEnd });
        const d = diffusionTables(betas);
        emit(o.json, { schedule: o.schedule, T: d.T, zeroTerminalSnr: o.zeroTerminalSnr, betas: [...d.betas], alphasCumprod: [...d.alphasCumprod] }, () => {
          const picks = [...new Set([0, 1, Math.floor(d.T / 4), Math.floor(d.T / 2), Math.floor((3 * d.T) / 4), d.T - 2, d.T - 1])];
          const rows = picks.map((t) => [t, d.betas[t].toExponential(4), d.alphasCumprod[t].toExponential(4), d.logSnr[t].toFixed(3)]);
          return `${o.schedule} schedule, T = ${d.T}${o.zeroTerminalSnr ? ', zero terminal SNR' : ''}\n` + table(['t', 'beta', 'alphasCumprod', 'logSNR'], rows);
        });
      }, o.json),
    );
}

export function timestepsCommand(run: Run): Command {
  return new Command('timesteps')
    .description('Print the descending inference timesteps for a spacing (as diffusers defines them)')
    .addOption(new Option('--spacing <name>', 'timestep spacing').choices(SPACINGS).default('trailing'))
    .option('--timesteps <T>', 'number of training timesteps T', integer(2), 1000)
    .requiredOption('--steps <N>', 'number of sampling steps', integer(1))
    .option('--steps-offset <k>', "added to every 'leading' timestep (Stable Diffusion uses 1)", integer(0), 0)
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(() => {
        const timesteps = inferenceTimesteps(o.spacing, o.timesteps, o.steps, o.stepsOffset);
        emit(o.json, { spacing: o.spacing, T: o.timesteps, steps: o.steps, timesteps }, () => timesteps.join(' '));
      }, o.json),
    );
}

export function backendCommand(run: Run): Command {
  return new Command('backend')
    .description('Start the tensor backend and say which one was chosen and why the others were not')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(async () => {
        const report = await initBackend(o.backend);
        emit(o.json, report, () => table(['backend', 'status', 'reason'], report.attempts.map((a) => [a.backend, a.status, a.reason])));
      }, o.json),
    );
}
