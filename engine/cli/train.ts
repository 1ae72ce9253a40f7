import * as fs from 'node:fs';
import * as path from 'node:path';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { initBackend } from '../backend';
import { openDataset } from '../data';
import { PRESET_NAMES } from '../nn/presets';
import { manifestPath, readManifest } from '../run/manifest';
import { SCHEDULE_NAMES } from '../schedules';
import { clipEncoder } from '../train/clipConditioning';
import { newRunManifest } from '../train/newRun';
import { train } from '../train/trainer';
import { cliImplementation } from './implementation';
import { integer, number } from './options';
import { type Run, emit } from './output';

async function clipInfo(dir: string) {
  const encoder = await clipEncoder(path.resolve(dir));
  return { dir: encoder.dir, inputDim: encoder.dim, maxLength: encoder.maxLength };
}

export function trainCommand(run: Run): Command {
  return new Command('train')
    .description('Train the reference U-Net; run it again on the same --out to resume from the last checkpoint')
    .requiredOption('--out <dir>', 'run folder (manifest, checkpoints, previews, metrics.jsonl)')
    .option('--dataset <spec>', 'shapes, phantoms, mri, fashion-mnist or folder:PATH', 'shapes')
    .addOption(new Option('--model <preset>', 'model size').choices(PRESET_NAMES).default('tiny'))
    .addOption(new Option('--cond <kind>', 'conditioning: class labels, captions through the built-in text encoder, or through your CLIP export').choices(['none', 'class', 'text', 'clip']).default('none'))
    .option('--clip <dir>', 'with --cond clip: a local CLIP text export (config.json, tokenizer.json, tokenizer_config.json, onnx/text_model.onnx)')
    .option('--steps <N>', 'optimiser steps', integer(1), 1000)
    .option('--batch <n>', 'examples per step', integer(1), 32)
    .option('--micro-batch <n>', 'examples per forward/backward pass (gradients are accumulated)', integer(1), 32)
    .option('--lr <rate>', 'peak learning rate (AdamW)', number(1e-7, 1), 5e-4)
    .option('--warmup <steps>', 'linear learning-rate warmup', integer(0), 100)
    .option('--grad-clip <norm>', 'clip the global gradient norm', number(0.001), 1)
    .option('--ema <decay>', 'EMA decay of the weights used for sampling', number(0, 1), 0.995)
    .option('--cond-dropout <p>', 'probability of training on the null condition (for guidance)', number(0, 1), 0.1)
    .option('--image-size <px>', 'shapes: 16 or 32; phantoms: 16 to 256; mri: 32 or 64; fashion-mnist: 28 or 32; folder: any multiple of 4')
    .addOption(new Option('--schedule <name>', 'noise schedule').choices(SCHEDULE_NAMES).default('linear'))
    .option('--timesteps <T>', 'diffusion steps T', integer(2), 1000)
    .option('--checkpoint-every <n>', 'steps between checkpoints', integer(1), 100)
    .option('--preview-every <n>', 'steps between preview grids (0 = none)', integer(0), 200)
    .option('--seed <s>', 'random seed', integer(0), 0)
    .option('--impl <file>', 'your implementation module (.ts/.js): its betas, addNoise, timesteps, step and createModel replace the reference ones')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--workers <n>', 'data-parallel gradient threads (default: one per core, at most 4, on wasm/cpu; 1 on GPU backends)', integer(1))
    .option('--json', 'print one JSON object at the end instead of progress', false)
    .action((o) =>
      run(async () => {
        const log = (msg: string) => process.stderr.write(msg + '\n');
        const backend = await initBackend(o.backend);
        const resuming = fs.existsSync(manifestPath(o.out));
        const manifest = resuming ? readManifest(o.out) : undefined;
        const spec = manifest?.dataset.spec ?? o.dataset;
        const imageSize = manifest?.dataset.imageSize ?? (o.imageSize ? Number(o.imageSize) : undefined);
        const dataset = await openDataset(spec, { imageSize, seed: o.seed });
        const implementation = await cliImplementation(o.impl);
        const clip = !manifest && o.cond === 'clip' && o.clip ? await clipInfo(o.clip) : undefined;
        const m = manifest ?? newRunManifest(o.out, dataset, {
          datasetSpec: o.dataset, preset: o.model, cond: o.cond, schedule: o.schedule, T: o.timesteps, clip,
          training: {
            steps: o.steps, batchSize: o.batch, microBatch: Math.min(o.microBatch, o.batch), learningRate: o.lr, warmupSteps: o.warmup,
            gradClip: o.gradClip, emaDecay: o.ema, condDropout: o.cond === 'none' ? 0 : o.condDropout, seed: o.seed,
            checkpointEvery: o.checkpointEvery, previewEvery: o.previewEvery,
          },
        });
        if (manifest && o.steps !== manifest.training.steps && process.argv.includes('--steps')) {
          log(`changing the run's length from ${manifest.training.steps} to ${o.steps} steps`);
          m.training.steps = o.steps;
        }
        const userModel = implementation?.impl.createModel || m.implementation?.provided.includes('createModel');
        const net = userModel ? 'your model (createModel)' : `${m.preset} U-Net (${(m.parameters / 1e6).toFixed(2)}M parameters, ${(m.macsPerSample / 1e6).toFixed(1)}M MACs per sample)`;
        log(`${resuming ? 'run' : 'new run'} ${o.out}: ${net}, ${dataset.name} ${dataset.imageSize}px x${dataset.size}, cond ${m.model.cond}, backend ${backend.backend}`);
        const controller = new AbortController();
        let interrupts = 0;
        // SIGTERM too: a runner or a background job asks to stop that way (shells may ignore SIGINT there).
        const onSigint = () => {
          if (++interrupts > 1) process.exit(130);
          log('\nstopping after this step and saving a checkpoint (Ctrl-C again to quit at once)');
          controller.abort();
        };
        process.on('SIGINT', onSigint);
        process.on('SIGTERM', onSigint);
        const bar = o.json || !process.stderr.isTTY ? undefined : new cliProgress.SingleBar({ format: 'train [{bar}] {value}/{total} | loss {loss} | {rate} it/s | ETA {eta_formatted}', stream: process.stderr }, cliProgress.Presets.shades_classic);
        bar?.start(m.training.steps, m.step, { loss: '-', rate: '-' });
        const result = await train(o.out, m, dataset, {
          signal: controller.signal,
          workers: o.workers,
          onLog: (msg) => (bar ? bar.update({ loss: msg }) : log(msg)),
          onProgress: (p) => {
            if (bar) bar.update(p.step, { loss: p.loss.toFixed(4), rate: p.stepsPerSecond.toFixed(2) });
            else if (!o.json) log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} |g| ${p.gradNorm.toFixed(3)} ${p.stepsPerSecond.toFixed(2)} it/s`);
          },
        }, implementation);
        bar?.stop();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
        const final = readManifest(o.out);
        emit(o.json, { run: o.out, status: result.status, step: result.step, resumedFrom: result.resumedFrom ?? null, checkpoint: final.checkpoint ?? null, parameters: final.parameters }, () =>
          `${result.status} at step ${result.step}${result.resumedFrom !== undefined ? ` (resumed from step ${result.resumedFrom})` : ''}; checkpoint ${final.checkpoint?.file ?? 'none'}`,
        );
      }, o.json),
    );
}
