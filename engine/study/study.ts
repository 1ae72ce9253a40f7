/**
 * The augmentation study: does adding synthetic images to a small real training set help a downstream
 * classifier on held-out REAL images? Three arms, each a judge CNN (metrics/judge.ts) trained over
 * several seeds and scored on the same real test set:
 *   real            the small real set alone
 *   real+synthetic  the same plus the generator's images, labelled by the caption they were asked for
 *   synthetic       synthetic images only (train on synthetic, test on real)
 * plus realism (Fréchet distance in the real-trained classifier's feature space), adherence (do the
 * synthetic images show what was asked?) and privacy (nearest training image per synthetic image).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { openDataset } from '../data';
import { type MemoryExamples, concatExamples, memoryDataset, takeExamples } from '../data/memory';
import { scorePhantom } from '../data/phantomScore';
import type { Dataset } from '../data/types';
import { DlensError } from '../errors';
import { saveGrid } from '../image';
import { frechetDistance } from '../metrics/frechet';
import { type Judge, trainJudge } from '../metrics/judge';
import type { LoadedRun } from '../train/load';
import { generatorDir, sampleCaptions, trainGenerator } from './generate';
import { type NearestNeighbourReport, nearestNeighbours } from './nearest';
import { ARMS, type Arm, type ArmResult, type StudyReport } from './report';
import { type StudyConfig, type StudyDataset, studyConfig } from './config';
import { SYNTHETIC_EXIF, SYNTHETIC_LABEL, SYNTHETIC_TAG } from './label';
import { type FilterReport, classifierAccepts, filterSynthetic, syntheticJudge } from './filter';
import { inpaintLesions } from './inpaint';
import { splitReal } from './split';


export interface StudyOptions {
  dataset: StudyDataset;
  quick?: boolean;
  out: string;
  /** overrides of the preset settings */
  overrides?: Partial<StudyConfig>;
  log?: (message: string) => void;
  signal?: AbortSignal;
}

export async function runStudy(o: StudyOptions): Promise<StudyReport> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const cfg = { ...studyConfig(o.dataset, o.quick ?? false), ...o.overrides };
  fs.mkdirSync(o.out, { recursive: true });
  const all = await openDataset(o.dataset, { imageSize: cfg.imageSize, seed: cfg.dataSeed, size: cfg.realTrain + cfg.realTest });
  const classNames = [...all.classNames!];
  const split = splitReal(o.dataset, all, cfg);
  const realTrain = takeExamples(all, split.train);
  const realTest = takeExamples(all, split.test);
  const train = memoryDataset(`${o.dataset} (small real set)`, all, realTrain);
  const test = memoryDataset(`${o.dataset} (held-out real)`, all, realTest);
  log(`${o.dataset}: ${train.size} real training images, ${test.size} held-out real test images, ${cfg.imageSize}px, classes ${classNames.join(' / ')}`);

  const generator = await trainGenerator(generatorDir(o.out), train, o.dataset, { preset: cfg.preset, steps: cfg.generatorSteps, batchSize: cfg.generatorBatch, microBatch: cfg.generatorBatch, learningRate: cfg.generatorLearningRate, seed: cfg.dataSeed }, log, o.signal);
  // Ask for the real set's own captions in turn, so the synthetic set has the real set's class mix.
  const requested = Array.from({ length: cfg.synthetic }, (_, i) => i % train.size);
  const captions = requested.map((i) => realTrain.captions[i]);
  log(`sampling ${cfg.synthetic} synthetic images (DDIM ${cfg.samplerSteps} steps, guidance ${cfg.guidance})`);
  const images = await sampleCaptions(generator, captions, { samplerSteps: cfg.samplerSteps, guidance: cfg.guidance, seed: cfg.dataSeed + 1, signal: o.signal });
  const inpainting = o.dataset === 'phantoms' && cfg.inpaint > 0 ? await plantLesions(generator, realTest, cfg, o.out, log) : undefined;
  const generated: MemoryExamples = { images, labels: Int32Array.from(requested, (i) => realTrain.labels[i]), captions };
  const { synthetic, filter } = await filtered(generator, generated, { dataset: o.dataset, realTrain: train, cfg, signal: o.signal });
  generator.dispose();
  if (filter) log(`${filter.method} filter: ${filter.kept} of ${filter.requested} requested images show what they were asked for (${filter.drawn} drawn, ${filter.rounds} redraw round(s))`);
  const syntheticSet = memoryDataset(`${o.dataset} (${SYNTHETIC_LABEL})`, all, synthetic);
  const mixed = memoryDataset(`${o.dataset} (real + ${SYNTHETIC_LABEL})`, all, concatExamples(realTrain, synthetic));

  const arms = {} as Record<Arm, ArmResult>;
  const sets: Record<Arm, Dataset> = { real: train, 'real+synthetic': mixed, synthetic: syntheticSet };
  const testIndices = Array.from({ length: test.size }, (_, i) => i);
  let realJudge: Judge | undefined;
  for (const arm of ARMS) {
    const accuracy: number[] = [];
    for (let s = 0; s < cfg.seeds; s++) {
      if (o.signal?.aborted) throw new DlensError('cancelled', 'The study was cancelled.', 'run it again with the same --out; the trained generator is reused.');
      const judge = await trainJudge(sets[arm], { steps: cfg.classifierSteps, batchSize: cfg.classifierBatch, seed: 1000 + s, signal: o.signal });
      accuracy.push(await judge.accuracy(test, testIndices));
      if (arm === 'real' && s === 0) realJudge = judge;
      else judge.dispose();
    }
    arms[arm] = { accuracy, ...meanStd(accuracy), trainSize: sets[arm].size };
    log(`${arm.padEnd(14)} accuracy on held-out real: ${accuracy.map((a) => a.toFixed(3)).join(', ')} (mean ${arms[arm].mean.toFixed(3)})`);
  }

  const embed = async (e: MemoryExamples) => {
    const x = tf.tensor4d(e.images, [e.labels.length, cfg.imageSize, cfg.imageSize, 1]);
    const { features } = await realJudge!.embed(x);
    x.dispose();
    return features;
  };
  const [synFeatures, testFeatures, trainFeatures] = [await embed(synthetic), await embed(realTest), await embed(realTrain)];
  const frechet = frechetDistance(synFeatures, testFeatures);
  const frechetRealVsReal = frechetDistance(trainFeatures, testFeatures);
  const adherence = o.dataset === 'phantoms' ? phantomAdherence(generated, cfg.imageSize) : await classifierAdherence(realJudge!, generated, cfg.imageSize);
  realJudge!.dispose();

  const per = cfg.imageSize * cfg.imageSize;
  const nn = nearestNeighbours({ values: synthetic.images, dim: per }, { values: realTrain.images, dim: per });
  log(`nearest training image: min ${nn.min.toFixed(4)} RMS; ${nn.nearCopies} near-copies below ${nn.threshold.toFixed(4)}`);
  const files = { ...(await writeGrids(o.out, synthetic, realTrain, nn, cfg.imageSize)), ...(inpainting ? { inpainted: inpainting.file } : {}) };
  const count = (labels: Int32Array) => classNames.map((_, k) => labels.filter((l) => l === k).length);
  return {
    label: SYNTHETIC_LABEL,
    dataset: o.dataset,
    quick: o.quick ?? false,
    config: cfg,
    classNames,
    counts: { realTrain: count(realTrain.labels), realTest: count(realTest.labels), synthetic: count(synthetic.labels) },
    arms,
    ...(filter ? { filter } : {}),
    frechet,
    frechetRealVsReal,
    adherence,
    nearestNeighbour: nn,
    ...(inpainting ? { inpainting: { n: inpainting.n, rate: inpainting.rate } } : {}),
    files,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Redraw rounds for images a filter rejects: enough to restore the class mix, at most 4x the sampling. */
const FILTER_ROUNDS = 3;

/** cfg.filter's judge over the generated set, redrawing rejected images; unchanged when the filter is 'none'. */
async function filtered(generator: LoadedRun, generated: MemoryExamples, o: { dataset: StudyDataset; realTrain: Dataset; cfg: StudyConfig; signal?: AbortSignal }): Promise<{ synthetic: MemoryExamples; filter?: FilterReport }> {
  const { cfg } = o;
  if (cfg.filter === 'none') return { synthetic: generated };
  const judge = await syntheticJudge(cfg.filter, o);
  try {
    // Each round its own noise: seeds past those of the first draw (dataSeed + 1) and the inpainting (+ 2).
    const redraw = (indices: number[], round: number) => sampleCaptions(generator, indices.map((i) => generated.captions[i]), { samplerSteps: cfg.samplerSteps, guidance: cfg.guidance, seed: cfg.dataSeed + 100 + round, signal: o.signal });
    const { kept, report } = await filterSynthetic(generated, judge, cfg.filter, FILTER_ROUNDS, redraw, cfg.imageSize * cfg.imageSize);
    return { synthetic: kept, filter: report };
  } finally {
    judge.dispose();
  }
}

/** Inpaints a lesion into the first cfg.inpaint lesion-free real test images; writes them as a grid. */
async function plantLesions(run: LoadedRun, realTest: MemoryExamples, cfg: StudyConfig, out: string, log: (m: string) => void): Promise<{ n: number; rate: number; file: string }> {
  const S = cfg.imageSize;
  const clean = [...realTest.labels.keys()].filter((i) => realTest.labels[i] === 0).slice(0, cfg.inpaint);
  const tissue = new Float32Array(clean.length * S * S);
  clean.forEach((i, k) => tissue.set(realTest.images.subarray(i * S * S, (i + 1) * S * S), k * S * S));
  const r = await inpaintLesions(run, tissue, clean.length, S, { samplerSteps: cfg.samplerSteps, guidance: cfg.guidance, seed: cfg.dataSeed + 2 });
  log(`inpainted a lesion into ${r.n} lesion-free real phantoms: ${(r.rate * 100).toFixed(1)}% show exactly the lesion asked for`);
  const file = `${SYNTHETIC_TAG}-inpainted.png`;
  const t = tf.tensor4d(r.images, [r.n, S, S, 1]);
  await saveGrid(t, path.join(out, file), { scale: S < 32 ? 4 : 2, description: SYNTHETIC_EXIF });
  t.dispose();
  return { n: r.n, rate: r.rate, file };
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std };
}

function phantomAdherence(s: MemoryExamples, S: number): StudyReport['adherence'] {
  let hits = 0;
  s.captions.forEach((c, i) => (hits += scorePhantom(s.images.subarray(i * S * S, (i + 1) * S * S), S, c).matches ? 1 : 0));
  return { rate: hits / s.captions.length, by: 'pixel scorer' };
}

async function classifierAdherence(judge: Judge, s: MemoryExamples, S: number): Promise<StudyReport['adherence']> {
  const accepted = await classifierAccepts(judge, s, S);
  return { rate: accepted.filter(Boolean).length / accepted.length, by: 'real-trained classifier' };
}

/** PNG grids whose names carry the synthetic tag; near-copies side by side with their training image. */
async function writeGrids(out: string, synthetic: MemoryExamples, real: MemoryExamples, nn: NearestNeighbourReport, S: number): Promise<StudyReport['files']> {
  const per = S * S;
  const grid = async (file: string, images: Float32Array, n: number, columns?: number) => {
    const t = tf.tensor4d(images.subarray(0, n * per), [n, S, S, 1]);
    await saveGrid(t, path.join(out, file), { scale: S < 32 ? 4 : 2, columns, description: file.startsWith(SYNTHETIC_TAG) ? SYNTHETIC_EXIF : undefined });
    t.dispose();
  };
  const files: StudyReport['files'] = { synthetic: `${SYNTHETIC_TAG}-samples.png`, real: 'real-training-set.png' };
  await grid(files.synthetic, synthetic.images, Math.min(64, synthetic.labels.length));
  await grid(files.real, real.images, Math.min(64, real.labels.length));
  if (nn.nearCopies > 0) {
    const shown = nn.nearCopyIndices.slice(0, 16);
    const pairs = new Float32Array(shown.length * 2 * per);
    shown.forEach((i, k) => {
      pairs.set(synthetic.images.subarray(i * per, (i + 1) * per), 2 * k * per);
      pairs.set(real.images.subarray(nn.nearestIndex[i] * per, (nn.nearestIndex[i] + 1) * per), (2 * k + 1) * per);
    });
    files.nearCopies = `${SYNTHETIC_TAG}-near-copies.png`;
    await grid(files.nearCopies, pairs, shown.length * 2, 2);
  }
  return files;
}
