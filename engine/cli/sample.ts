import * as tf from '@tensorflow/tfjs';
import { Command, Option } from 'commander';
import { DlensError } from '../errors';
import { initBackend } from '../backend';
import { loadImage, saveGrid } from '../image';
import { SYNTHETIC_EXIF, SYNTHETIC_LABEL, SYNTHETIC_TAG } from '../study/label';
import { loadRun } from '../train/load';
import { defaultWorkers } from '../train/dataParallel';
import { sampleFromRun } from '../train/sample';
import { SPACINGS } from '../timesteps';
import { cliImplementation } from './implementation';
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
    .option('--out <file>', 'PNG grid to write (medical runs: the name gains -synthetic-not-for-diagnosis)', 'samples.png')
    .option('--init <image>', 'image-to-image: start from this PNG/JPEG (resized to the model\'s size) instead of pure noise')
    .option('--strength <s>', 'with --init: share of the sampling steps to run (0 = the image unchanged, 1 = ignore it)', number(0, 1), 0.6)
    .option('--mask <image>', 'inpainting: white = generate, black = keep the --init image (needs --init)')
    .action((o) =>
      run(async () => {
        const { backend } = await initBackend(o.backend);
        const implementation = await cliImplementation(o.impl);
        const loaded = loadRun(o.run, o.weights, implementation);
        const { imageSize, channels } = loaded.manifest.dataset as { imageSize: number; channels: 1 | 3 };
        const known = await knownImage(o, imageSize, channels);
        const { images, warnings } = await sampleFromRun(loaded, { sampler: o.sampler, steps: o.steps, eta: o.eta, spacing: o.spacing, guidance: o.guidance, prompt: o.prompt, negativePrompt: o.negativePrompt, classIndex: o.class, perClass: o.perClass, n: o.n, seed: o.seed, workers: o.workers ?? defaultWorkers(backend), ...known });
        tf.dispose([known.init?.image, known.inpaint?.image, known.inpaint?.mask].filter((t): t is tf.Tensor4D => t !== undefined));
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        // Images from a model of medical data carry the notice in their name, their metadata and the output.
        const medical = MEDICAL_DATASETS.includes(loaded.manifest.dataset.spec);
        const out = medical && !o.out.includes(SYNTHETIC_TAG) ? o.out.replace(/(\.png)?$/i, `-${SYNTHETIC_TAG}.png`) : o.out;
        await saveGrid(images, out, { scale: imageSize < 32 ? 2 : 1, columns: o.perClass, description: medical ? SYNTHETIC_EXIF : undefined });
        images.dispose();
        loaded.dispose();
        const n = images.shape[0];
        const mode = known.inpaint ? 'inpainted' : known.init ? `image-to-image, strength ${o.strength}` : 'from noise';
        emit(o.json, { out, n, step: loaded.step, warnings, ...(medical ? { label: SYNTHETIC_LABEL } : {}) }, () => `${medical ? `${SYNTHETIC_LABEL.toUpperCase()}: ` : ''}wrote ${out}: ${n} samples from step ${loaded.step} (${o.sampler.toUpperCase()}, ${o.steps} steps, guidance ${o.guidance}, ${mode})`);
      }, o.json),
    );
}

/** Datasets of (real or phantom) medical images: what a model trained on them makes is labelled synthetic. */
const MEDICAL_DATASETS = ['mri', 'phantoms'];

/** --init / --strength / --mask as the sampler's init (image-to-image) or inpaint request. */
async function knownImage(o: { init?: string; strength: number; mask?: string }, size: number, channels: 1 | 3): Promise<{ init?: { image: tf.Tensor4D; strength: number }; inpaint?: { image: tf.Tensor4D; mask: tf.Tensor4D } }> {
  if (o.mask && !o.init) {
    throw new DlensError('mask-needs-image', '--mask says where to generate, but there is no image to keep the rest of.', 'pass the image to inpaint with --init IMAGE as well.');
  }
  if (!o.init) return {};
  const image = await loadImage(o.init, { size, channels });
  if (!o.mask) return { init: { image, strength: o.strength } };
  const grey = await loadImage(o.mask, { size, channels: 1 });
  // Mask pixels in [-1, 1]: brighter than mid-grey = generate.
  const mask = tf.tidy(() => tf.cast(tf.greater(grey, 0), 'float32')) as tf.Tensor4D;
  grey.dispose();
  return { inpaint: { image, mask } };
}
