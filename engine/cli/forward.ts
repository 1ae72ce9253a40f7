import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { initBackend } from '../backend';
import { diffusionTables } from '../diffusion';
import { DlensError } from '../errors';
import { qSample } from '../forward';
import { loadImage, saveGrid } from '../image';
import { Rng } from '../random';
import { makeBetas } from '../schedules';
import { integer, integerList } from './options';
import { type Run, emit } from './output';
import { scheduleOption } from './schedule';

export function forwardCommand(run: Run): Command {
  return new Command('forward')
    .description('Noise one image to several timesteps with q(x_t | x_0) and write them side by side')
    .requiredOption('--image <file>', 'a PNG or JPEG image')
    .option('--timesteps <list>', 'comma-separated timesteps in 0..T-1', integerList, [0, 250, 500, 750, 999])
    .option('--out <file>', 'PNG to write', 'forward.png')
    .addOption(scheduleOption())
    .option('--train-timesteps <T>', 'number of diffusion steps T', integer(2), 1000)
    .option('--size <px>', 'resize the image to size x size first', integer(4, 4096))
    .option('--scale <k>', 'upscale the strip by k (nearest), for small images', integer(1, 16), 1)
    .option('--seed <s>', 'random seed (the same noise is used at every timestep)', integer(0), 0)
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print one JSON object', false)
    .action((o) =>
      run(async () => {
        const tables = diffusionTables(makeBetas(o.schedule, o.trainTimesteps));
        const bad = (o.timesteps as number[]).find((t) => t >= tables.T);
        if (bad !== undefined) {
          throw new DlensError('bad-timestep', `Timestep ${bad} is outside 0..${tables.T - 1}.`, `use timesteps from 0 to ${tables.T - 1} (or raise --train-timesteps).`);
        }
        await initBackend(o.backend);
        const image = await loadImage(o.image, { size: o.size });
        const noise = new Rng(o.seed).normal(image.shape);
        const strip = tf.tidy(() => tf.concat((o.timesteps as number[]).map((t) => qSample(tables, image, t, noise)), 0));
        await saveGrid(strip, o.out, { columns: o.timesteps.length, scale: o.scale });
        tf.dispose([image, noise, strip]);
        const signal = (o.timesteps as number[]).map((t) => tables.sqrtAlphasCumprod[t]);
        emit(o.json, { out: o.out, timesteps: o.timesteps, sqrtAlphasCumprod: signal, shape: image.shape }, () =>
          `wrote ${o.out}: ${o.timesteps.length} images of ${image.shape[1]}x${image.shape[2]} at t = ${o.timesteps.join(', ')} (signal sqrt(alphaBar) = ${signal.map((v: number) => v.toFixed(3)).join(', ')})`,
        );
      }, o.json),
    );
}
