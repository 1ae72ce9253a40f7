import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Command, Option } from 'commander';
import { initBackend } from '../backend';
import { diffusionTables } from '../diffusion';
import { DlensError } from '../errors';
import { type GaussianMixture, mixtureDim, mixtureOracle, mixtureStats, validateMixture } from '../oracle';
import { Rng } from '../random';
import { sampleDdim } from '../samplers/ddim';
import { sampleDdpm } from '../samplers/ddpm';
import { makeBetas } from '../schedules';
import { SPACINGS, inferenceTimesteps } from '../timesteps';
import { integer, number } from './options';
import { type Run, emit, table } from './output';
import { scheduleOption } from './schedule';

export function oracleCommand(run: Run): Command {
  return new Command('oracle')
    .description('Sample a Gaussian mixture with the exact denoiser: any error in the result is the sampler\'s')
    .requiredOption('--mixture <file>', 'JSON { "weights": [...], "means": [[...], ...], "std": number }')
    .addOption(new Option('--sampler <name>', 'sampler').choices(['ddpm', 'ddim']).default('ddim'))
    .option('--steps <N>', 'sampling steps', integer(1), 50)
    .option('--eta <e>', 'DDIM eta: 0 deterministic, 1 = DDPM posterior variance', number(0, 1), 0)
    .addOption(new Option('--variance <kind>', 'DDPM variance: posterior (beta tilde) or beta').choices(['posterior', 'beta']).default('posterior'))
    .addOption(scheduleOption())
    .option('--timesteps <T>', 'number of training timesteps T', integer(2), 1000)
    .addOption(new Option('--spacing <name>', 'timestep spacing').choices(SPACINGS).default('trailing'))
    .option('--zero-terminal-snr', 'rescale the schedule to zero terminal SNR (samples with v-prediction)', false)
    .option('--n <count>', 'number of samples', integer(1, 1_000_000), 1000)
    .option('--seed <s>', 'random seed', integer(0), 0)
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(async () => {
        const mixture = readMixture(o.mixture);
        await initBackend(o.backend);
        const tables = diffusionTables(makeBetas(o.schedule, o.timesteps, { zeroTerminalSnr: o.zeroTerminalSnr }));
        const prediction = o.zeroTerminalSnr ? 'v' : 'epsilon';
        const oracle = mixtureOracle(mixture, tables, prediction);
        const timesteps = inferenceTimesteps(o.spacing, o.timesteps, o.steps);
        const rng = new Rng(o.seed);
        const D = mixtureDim(mixture);
        const xT = rng.normal([o.n, D]);
        const common = { tables, timesteps, rng, prediction } as const;
        const started = Date.now();
        const out = o.sampler === 'ddpm' ? await sampleDdpm(oracle, xT, { ...common, variance: o.variance }) : await sampleDdim(oracle, xT, { ...common, eta: o.eta });
        const values = (await out.data()) as Float32Array;
        tf.dispose([xT, out]);
        const samples: number[][] = [];
        for (let i = 0; i < o.n; i++) samples.push(Array.from(values.subarray(i * D, (i + 1) * D)));
        emit(o.json, { samples }, () => report(mixture, values, o, Date.now() - started));
      }, o.json),
    );
}

function readMixture(file: string): GaussianMixture {
  if (!fs.existsSync(file)) {
    throw new DlensError('file-not-found', `Mixture file not found: ${file}`, 'give a JSON file such as examples/mixture-2d.json.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DlensError('bad-json', `${file} is not valid JSON (${(err as Error).message}).`, 'fix the JSON syntax.');
  }
  return validateMixture(parsed);
}

function report(m: GaussianMixture, values: Float32Array, o: Record<string, unknown>, ms: number): string {
  const s = mixtureStats(values, validateMixture(m));
  const rows = m.weights.map((w, k) => [k, w.toFixed(3), s.weights[k].toFixed(3), fmt(m.means[k]), fmt(s.means[k])]);
  const desc = o.sampler === 'ddpm' ? `DDPM (${o.variance} variance)` : `DDIM eta=${o.eta}`;
  return (
    `${desc}, ${o.steps} steps (${o.spacing}), ${o.schedule} schedule, ${o.n} samples, seed ${o.seed}: ${ms} ms\n` +
    table(['k', 'weight', 'recovered', 'mean', 'recovered'], rows) +
    `\nstd: true ${m.std.toFixed(4)}, recovered ${s.std.toFixed(4)} (${(((s.std - m.std) / m.std) * 100).toFixed(1)}%)`
  );
}

function fmt(v: number[]): string {
  return '(' + v.map((x) => x.toFixed(3)).join(', ') + ')';
}
