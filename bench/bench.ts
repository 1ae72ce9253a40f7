/**
 * `npm run bench [-- --json] [--reps N] [--sampling-reps N] [--probe-pairs N] [--workers N] [--sampling-steps N] [--backend NAME]`
 *
 * The reference U-Net (`small` preset, 32x32x1, 10 classes) against the same architecture in PyTorch
 * (bench/torch_unet.py, a child process answering one JSON line per request). Both sides run in this
 * one invocation, interleaved request by request, and every figure is a median over the repetitions,
 * so a machine that is busy with something else slows both sides alike. Ratios are ours / PyTorch's.
 * With --json the last line of stdout is one JSON object; everything else goes to stderr.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { diffusionTables } from '../engine/diffusion';
import { presetConfig } from '../engine/nn/presets';
import { UNet } from '../engine/nn/unet';
import { Rng } from '../engine/random';
import { frameFromProbe } from '../engine/runner/probeFrame';
import { FrameRecorder } from '../engine/runner/frameRecord';
import { sampleDdim } from '../engine/samplers/ddim';
import { guidedDenoiser } from '../engine/samplers/guidance';
import type { Probe } from '../engine/samplers/types';
import { makeBetas } from '../engine/schedules';
import { inferenceTimesteps } from '../engine/timesteps';
import { AdamW, clipByGlobalNorm } from '../engine/train/adamw';
import { DataParallel, defaultWorkers } from '../engine/train/dataParallel';
import { type Shard, splitFlat } from '../engine/train/gradients';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const JSON_OUT = flag('--json');
const REPS = option('--reps', 3);
const SAMPLING_STEPS = option('--sampling-steps', 50);
const SAMPLING_REPS = option('--sampling-reps', REPS);
/** probe on/off pairs, each a short DDIM run: many short adjacent pairs resist load drift better than a few long runs */
const PROBE_PAIRS = option('--probe-pairs', 6);
const PROBE_STEPS = 10;
const TRAIN_BATCH = 64;
const FORWARD_BATCH = 16;
const SAMPLE_IMAGES = 16;
const GUIDANCE = 3;
const GROWTH_STEPS = 100;
const log = (s: string) => process.stderr.write(s + '\n');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const modelConfig = presetConfig('small', { imageSize: 32, channels: 1, cond: 'class', numClasses: 10 });

/** The PyTorch side, or why there is none. */
class Torch {
  private constructor(private readonly child: ReturnType<typeof spawn>, private readonly lines: AsyncIterator<string>) {}

  static async start(): Promise<{ torch?: Torch; why?: string }> {
    const python = process.env.DLENS_BENCH_PYTHON ?? '/usr/bin/python3';
    if (!fs.existsSync(python)) return { why: `${python} not found` };
    const child = spawn(python, [path.join(__dirname, 'torch_unet.py')], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '2' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const torch = new Torch(child, lines);
    try {
      child.stdin!.write(JSON.stringify({ model: { ...modelConfig, attentionResolutions: modelConfig.attentionResolutions }, threads: 2 }) + '\n');
      await torch.ask({ op: 'info' });
      return { torch };
    } catch {
      child.kill();
      const last = stderr.trim().split('\n').pop() ?? 'no output';
      return { why: `PyTorch did not start (${last})` };
    }
  }

  async ask(request: object): Promise<Record<string, number | string>> {
    this.child.stdin!.write(JSON.stringify(request) + '\n');
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the PyTorch process ended');
    return JSON.parse(value);
  }

  async ms(request: object): Promise<number> {
    return (await this.ask(request)).ms as number;
  }

  close(): void {
    this.child.stdin!.end();
  }
}

async function main() {
  const backend = (await initBackend(args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'wasm')).backend;
  const workers = option('--workers', defaultWorkers(backend));
  const loadBefore = os.loadavg();
  const model = new UNet(modelConfig, new Rng(0));
  const tables = diffusionTables(makeBetas('linear', 1000));
  const macs = model.macsPerSample();
  const { torch, why } = await Torch.start();
  const torchInfo = torch ? await torch.ask({ op: 'info' }) : undefined;
  log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; backend ${backend}, ${workers} gradient thread(s)`);
  log(`ours: ${model.params.count.toLocaleString('en')} parameters, ${(macs / 1e6).toFixed(1)}M MACs per image`);
  log(torchInfo ? `PyTorch ${torchInfo.torch} (${torchInfo.threads} threads): ${Number(torchInfo.parameters).toLocaleString('en')} parameters, ${(Number(torchInfo.macsPerSample) / 1e6).toFixed(1)}M MACs per image` : `PyTorch: not available (${why}); only our own figures follow`);
  const sameModel = torchInfo ? torchInfo.parameters === model.params.count && torchInfo.macsPerSample === macs : undefined;
  if (sameModel === false) log('WARNING: the two models differ; the ratios below do not compare like with like');

  const parallel = new DataParallel(model, tables, workers, backend);
  const vars = model.params.list();
  const optimizer = new AdamW(vars);
  const rng = new Rng(1);
  const pixels = 32 * 32;
  const batchOf = (n: number): Shard => ({
    images: Float32Array.from({ length: n * pixels }, () => rng.uniform() * 2 - 1),
    noise: Float32Array.from({ length: n * pixels }, () => rng.gaussian()),
    ts: Array.from({ length: n }, () => rng.int(1000)),
    cond: { values: Int32Array.from({ length: n }, () => rng.int(10)), shape: [n], dtype: 'int32' },
    total: n,
    microBatch: 16,
  });
  const trainBatch = batchOf(TRAIN_BATCH);
  const trainStep = async (shard: Shard) => {
    const { grads } = await parallel.gradients(shard);
    const g = splitFlat(vars, grads);
    const { clipped } = clipByGlobalNorm(g, 1);
    optimizer.apply(clipped, 1e-4);
    tf.dispose([...new Set([...g, ...clipped])]);
  };
  const timed = async (f: () => unknown) => {
    const start = performance.now();
    await f();
    return performance.now() - start;
  };
  const x16 = rng.normal([FORWARD_BATCH, 32, 32, 1]);
  const t16 = tf.tensor1d(Array.from({ length: FORWARD_BATCH }, (_, i) => (i * 61) % 1000), 'int32');
  const c16 = tf.tensor1d(Array.from({ length: FORWARD_BATCH }, (_, i) => i % 10), 'int32');
  // Inference splits the batch across the same threads (DataParallel.predict), as `dlens sample` does.
  const forward = async () => {
    const out = await parallel.predict(x16, t16, c16);
    out.dataSync();
    out.dispose();
  };

  const recordDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-bench-'));
  const sample = async (streamed: boolean, steps: number) => {
    const xT = new Rng(2).normal([SAMPLE_IMAGES, 32, 32, 1]);
    const cond = tf.tensor1d(Array.from({ length: SAMPLE_IMAGES }, (_, i) => i % 10), 'int32');
    const uncond = tf.fill([SAMPLE_IMAGES], -1, 'int32');
    const recorder = streamed ? new FrameRecorder(fs.mkdtempSync(path.join(recordDir, 'run-'))) : undefined;
    // The runner's consumer: every step's x, eps, x0 and both guidance branches read out and appended to the run record.
    const probe: Probe | undefined = recorder && (async (e) => recorder.append(await frameFromProbe(e, steps)));
    const denoiser = guidedDenoiser((x, t, c) => parallel.predict(x, t, c), { scale: GUIDANCE, cond, uncond });
    const out = await sampleDdim(denoiser, xT, { tables, timesteps: inferenceTimesteps('leading', 1000, steps), rng: new Rng(3), clipX0: 1, probe });
    await out.data();
    recorder?.close();
    tf.dispose([out, xT, cond, uncond]);
  };

  // Warm-up: first calls compile kernels and grow the wasm heap on every thread.
  await trainStep(trainBatch);
  await parallel.syncWeights();
  await forward();
  await torch?.ms({ op: 'train', batch: TRAIN_BATCH });
  await torch?.ms({ op: 'forward', batch: FORWARD_BATCH });

  const ours = { train: [] as number[], forward: [] as number[], sampleOff: [] as number[], sampleOn: [] as number[] };
  const theirs = { train: [] as number[], forward: [] as number[], sample: [] as number[] };
  // CPU time per wall time of our training steps: about the thread count when each thread got a whole
  // core, less when other processes took the cores (then no ratio here is what an idle machine gives).
  let cpuMs = 0;
  for (let r = 0; r < REPS; r++) {
    const cpu = process.cpuUsage();
    ours.train.push(await timed(() => trainStep(trainBatch)));
    const used = process.cpuUsage(cpu);
    cpuMs += (used.user + used.system) / 1000;
    if (torch) theirs.train.push(await torch.ms({ op: 'train', batch: TRAIN_BATCH }));
    await parallel.syncWeights();
    ours.forward.push(await timed(forward));
    if (torch) theirs.forward.push(await torch.ms({ op: 'forward', batch: FORWARD_BATCH }));
    log(`rep ${r + 1}/${REPS}: train ${ours.train[r].toFixed(0)} ms${torch ? ` vs ${theirs.train[r].toFixed(0)}` : ''}, forward ${ours.forward[r].toFixed(0)} ms${torch ? ` vs ${theirs.forward[r].toFixed(1)}` : ''}`);
  }
  await parallel.syncWeights();
  for (let r = 0; r < SAMPLING_REPS; r++) {
    ours.sampleOff.push(await timed(() => sample(false, SAMPLING_STEPS)));
    if (torch) theirs.sample.push(await torch.ms({ op: 'sample', batch: SAMPLE_IMAGES, steps: SAMPLING_STEPS, guidance: GUIDANCE }));
    log(`rep ${r + 1}/${SAMPLING_REPS}: DDIM-${SAMPLING_STEPS} x${SAMPLE_IMAGES} ${ours.sampleOff[r].toFixed(0)} ms${torch ? `, PyTorch ${theirs.sample[r].toFixed(0)} ms` : ''}`);
  }
  const probeRatios: number[] = [];
  for (let r = 0; r < PROBE_PAIRS; r++) {
    // Alternate which of probe off / on goes first, so a drift in machine load does not favour either.
    const [first, second] = r % 2 === 0 ? [false, true] : [true, false];
    const a = await timed(() => sample(first, PROBE_STEPS));
    const b = await timed(() => sample(second, PROBE_STEPS));
    ours.sampleOn.push(first ? a : b);
    probeRatios.push(first ? a / b : b / a);
  }
  log(`probe on / off, DDIM-${PROBE_STEPS} pairs: ${probeRatios.map((q) => q.toFixed(3)).join(' ')}`);

  // Tensor growth over 100 training steps (batch 4: a leak shows at any batch size, and 100 steps at 64 would take minutes).
  const small = batchOf(4);
  await trainStep(small);
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < GROWTH_STEPS; i++) await trainStep(small);
  const tensorGrowth = tf.memory().numTensors - tensorsBefore;

  const peak = torch ? Number((await torch.ask({ op: 'peak' })).gflops) : undefined;
  const wasmPeak = matmulPeakGflops();
  torch?.close();
  await parallel.dispose();
  fs.rmSync(recordDir, { recursive: true, force: true });

  const trainMs = median(ours.train);
  const forwardMs = median(ours.forward);
  // A training step is ~3 forward passes of work (forward, input gradient, weight gradient).
  const gflops = (3 * 2 * macs * TRAIN_BATCH) / (trainMs * 1e6);
  // The median of the per-repetition ratios (each ours/PyTorch pair ran back to back), which follows load drift better than a ratio of medians.
  const ratio = (a: number[], b: number[]) => (b.length ? median(a.map((v, i) => v / b[i])) : null);
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'unknown'} x${os.availableParallelism()}`,
    loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg(),
    backend, workers, reps: REPS, samplingReps: SAMPLING_REPS, samplingSteps: SAMPLING_STEPS,
    parameters: model.params.count, macsPerSample: macs,
    torchParameters: torchInfo?.parameters ?? null, torchMacsPerSample: torchInfo?.macsPerSample ?? null, sameModel: sameModel ?? null,
    torchUnavailable: torch ? null : why,
    trainStepMs: trainMs, forwardMs, samplingMs: median(ours.sampleOff), probeRunMs: median(ours.sampleOn), probeSteps: PROBE_STEPS, probePairs: PROBE_PAIRS,
    torchTrainStepMs: theirs.train.length ? median(theirs.train) : null, torchForwardMs: theirs.forward.length ? median(theirs.forward) : null, torchSamplingMs: theirs.sample.length ? median(theirs.sample) : null,
    trainStepRatio: ratio(ours.train, theirs.train), forwardRatio: ratio(ours.forward, theirs.forward), samplingRatio: ratio(ours.sampleOff, theirs.sample),
    probeOverhead: median(probeRatios) - 1,
    trainCoresUsed: cpuMs / ours.train.reduce((a, b) => a + b, 0),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    tensorGrowth,
    gflops, forwardGflops: (2 * macs * FORWARD_BATCH) / (forwardMs * 1e6),
    // The best fp32 matmul this run saw. Debian's PyTorch links the generic reference BLAS, so its matmul can be
    // far below the machine's peak; one wasm thread (XNNPACK) is then the better measure.
    peakGflops: Math.max(peak ?? 0, wasmPeak), peakGflopsSource: (peak ?? 0) > wasmPeak ? 'PyTorch fp32 matmul, 2 threads' : 'tfjs wasm fp32 matmul, 1 thread', torchMatmulGflops: peak ?? null, wasmPeakGflops: wasmPeak,
  };
  const f = (v: number | null, d = 2) => (v === null ? 'n/a' : v.toFixed(d));
  const rows: [string, string, string, string][] = [
    [`train step, batch ${TRAIN_BATCH}`, f(trainMs, 0), f(result.torchTrainStepMs, 0), f(result.trainStepRatio)],
    [`forward, batch ${FORWARD_BATCH}`, f(forwardMs, 1), f(result.torchForwardMs, 1), f(result.forwardRatio)],
    [`DDIM-${SAMPLING_STEPS}, ${SAMPLE_IMAGES} images, guidance ${GUIDANCE}`, f(result.samplingMs, 0), f(result.torchSamplingMs, 0), f(result.samplingRatio)],
  ];
  const table = [
    '| | ours (ms, median) | PyTorch (ms, median) | ratio (median of back-to-back pairs) |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `probe on vs off (every step streamed to a run record; median of ${PROBE_PAIRS} DDIM-${PROBE_STEPS} pairs): ${result.probeOverhead >= 0 ? '+' : ''}${(result.probeOverhead * 100).toFixed(1)}%`,
    `achieved ${gflops.toFixed(1)} GFLOP/s training (${forwardGflops(result)} forward); fp32 matmul peak ${result.peakGflops.toFixed(0)} GFLOP/s (${result.peakGflopsSource}; PyTorch's matmul ${peak ? peak.toFixed(0) : 'n/a'}, one wasm thread ${wasmPeak.toFixed(0)})`,
    `training used ${result.trainCoresUsed.toFixed(2)} cores on average (${workers} thread(s))`,
    `peak RSS ${result.peakRssMB.toFixed(0)} MB; tensors after ${GROWTH_STEPS} training steps: ${tensorGrowth >= 0 ? '+' : ''}${tensorGrowth}`,
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${result.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')}`,
  ].join('\n');
  if (JSON_OUT) {
    log(table);
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(table + '\n');
  }
}

function forwardGflops(r: { forwardGflops: number }): string {
  return `${r.forwardGflops.toFixed(1)}`;
}

/** Best of a few 512x512 fp32 matmuls on the active backend (one thread on wasm). */
function matmulPeakGflops(): number {
  const n = 512;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  let best = Infinity;
  for (let i = 0; i < 6; i++) {
    const start = performance.now();
    tf.tidy(() => void tf.matMul(a, b).dataSync());
    best = Math.min(best, performance.now() - start);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (best * 1e6);
}

main().catch((err) => {
  log(`bench failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
