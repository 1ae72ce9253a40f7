/** A new run's manifest from the user's choices and the dataset. */
import * as path from 'node:path';
import { sigmaData } from '../data/sigmaData';
import type { Dataset } from '../data/types';
import { DlensError } from '../errors';
import type { PresetName } from '../nn/presets';
import { presetConfig } from '../nn/presets';
import { WordTokenizer } from '../nn/tokenizer';
import { UNet, type Conditioning } from '../nn/unet';
import { Rng } from '../random';
import type { ScheduleName } from '../schedules';
import { MANIFEST_FORMAT, type RunManifest, type TrainingConfig } from '../run/manifest';
import * as tf from '@tensorflow/tfjs';

export interface NewRunOptions {
  datasetSpec: string;
  preset: PresetName;
  cond: Conditioning;
  schedule: ScheduleName;
  T: number;
  training: TrainingConfig;
  /** cond 'clip': the user's CLIP export (load it with clipEncoder to learn its width and length) */
  clip?: { dir: string; inputDim: number; maxLength: number };
}

export function newRunManifest(runDir: string, dataset: Dataset, o: NewRunOptions): RunManifest {
  if (o.cond === 'class' && !dataset.classNames?.length) {
    throw new DlensError('no-classes', `Dataset ${dataset.name} has no class labels, so --cond class cannot work.`, 'use --cond text (captions) or --cond none.');
  }
  let tokenizer: WordTokenizer | undefined;
  let previewPrompts: string[] | undefined;
  if (o.cond === 'clip' && !o.clip) {
    throw new DlensError('no-clip', 'CLIP conditioning needs a local CLIP text export.', 'pass --clip PATH (a folder with config.json, tokenizer.json, tokenizer_config.json and onnx/text_model.onnx).');
  }
  if (o.cond === 'text' || o.cond === 'clip') {
    const captions = dataset.get(Array.from({ length: Math.min(dataset.size, 2000) }, (_, i) => i)).captions;
    if (captions.every((c) => c.trim() === '')) {
      throw new DlensError('no-captions', `Dataset ${dataset.name} has no captions, so --cond text cannot work.`, 'add a captions.jsonl or captions.csv to the folder, or use --cond none.');
    }
    if (o.cond === 'text') tokenizer = WordTokenizer.fromCaptions(captions, Math.max(4, ...captions.map((c) => WordTokenizer.words(c).length)));
    // Evenly spaced over the sorted distinct captions, so previews and sweeps show the variety.
    const distinct = [...new Set(captions)].sort();
    previewPrompts = Array.from({ length: Math.min(8, distinct.length) }, (_, i) => distinct[Math.floor((i * distinct.length) / Math.min(8, distinct.length))]);
  }
  const model = presetConfig(o.preset, {
    imageSize: dataset.imageSize,
    channels: dataset.channels,
    cond: o.cond,
    numClasses: o.cond === 'class' ? dataset.classNames!.length : undefined,
    text: tokenizer ? { vocabSize: tokenizer.size, maxLength: tokenizer.maxLength } : undefined,
    clip: o.cond === 'clip' ? { inputDim: o.clip!.inputDim, maxLength: o.clip!.maxLength } : undefined,
  });
  // Build once to validate the configuration and count its parameters.
  const probe = new UNet(model, new Rng(0));
  const parameters = probe.params.count;
  const macsPerSample = probe.macsPerSample();
  tf.dispose(probe.params.list());
  const now = new Date().toISOString();
  return {
    format: MANIFEST_FORMAT,
    id: `${path.basename(path.resolve(runDir))}-${Date.now().toString(36)}`,
    createdAt: now,
    updatedAt: now,
    status: 'running',
    dataset: { spec: o.datasetSpec, imageSize: dataset.imageSize, channels: dataset.channels, size: dataset.size, classNames: dataset.classNames ? [...dataset.classNames] : undefined, sigmaData: sigmaData(dataset) },
    preset: o.preset,
    model,
    tokenizer: tokenizer ? { vocabulary: [...tokenizer.vocabulary], maxLength: tokenizer.maxLength } : undefined,
    previewPrompts,
    clip: o.cond === 'clip' ? o.clip : undefined,
    schedule: { name: o.schedule, T: o.T },
    prediction: 'epsilon',
    training: o.training,
    step: 0,
    parameters,
    macsPerSample,
  };
}
