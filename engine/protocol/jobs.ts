/**
 * What a runner can be asked to do. A job is plain data: paths are absolute (the runner's working
 * folder is not the workspace), every choice the user made is explicit, defaults are filled in by the
 * sender. Semantic checks (does the run exist, is it conditional) happen in the runner, with DlensErrors.
 */
import { STUDY_FILTERS, type StudyFilter } from '../study/config';
import { PRESET_NAMES, type PresetName } from '../nn/presets';
import { SCHEDULE_NAMES, type ScheduleName } from '../schedules';
import { SPACINGS, type Spacing } from '../timesteps';
import { type Fields, ProtocolError, bool, int, num, numberList, oneOf, optional, record, str, stringList } from './check';
import { SWEEP_LIMITS } from './sweepPanel';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoiceName = (typeof BACKEND_CHOICES)[number];
export const CONDITIONINGS = ['none', 'class', 'text', 'clip'] as const;
export type ConditioningName = (typeof CONDITIONINGS)[number];
export const JOB_KINDS = ['train', 'sample', 'sweep', 'forward', 'heatmap', 'doctor', 'study'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

interface JobBase {
  backend: BackendChoiceName;
}

/** Jobs that may run the user's own implementation module (engine/user/types.ts) in the runner. */
interface ImplementationChoice {
  /** absolute path of the user's .ts/.js implementation file; absent = the reference everywhere */
  impl?: string;
}

/** Train a new run in `runDir`, or continue the one there (`resume`). */
export interface TrainJob extends JobBase, ImplementationChoice {
  kind: 'train';
  runDir: string;
  resume: boolean;
  dataset: string;
  imageSize?: number;
  preset: PresetName;
  cond: ConditioningName;
  /** cond 'clip', new runs: the user's local CLIP text export (absolute) */
  clipDir?: string;
  schedule: ScheduleName;
  T: number;
  /** total optimiser steps; on resume, a different number changes the run's length */
  steps: number;
  batchSize: number;
  microBatch: number;
  learningRate: number;
  seed: number;
  checkpointEvery: number;
  /** steps between preview grids, 0 = none */
  previewEvery: number;
  /** steps between progress messages */
  logEvery: number;
  /** data-parallel gradient threads; absent: one per core on CPU backends (engine/train/dataParallel.ts) */
  workers?: number;
}

/** Conditioning a sampling request asks for; which field applies depends on the run's model. */
export interface ConditionChoice {
  prompt?: string;
  negativePrompt?: string;
  classIndex?: number;
}

/** Sample a trained run step by step; every step is recorded to `outDir` and streamed as a frame. */
export interface SampleJob extends JobBase, ConditionChoice, ImplementationChoice {
  kind: 'sample';
  runDir: string;
  outDir: string;
  sampler: 'ddpm' | 'ddim';
  steps: number;
  eta: number;
  spacing: Spacing;
  guidance: number;
  n: number;
  seed: number;
  weights: 'ema' | 'raw';
}

/** Guidance scales (columns) x seeds or prompts (rows), the same starting noise along each row. */
export interface SweepJob extends JobBase, ConditionChoice, ImplementationChoice {
  kind: 'sweep';
  runDir: string;
  outDir: string;
  scales: number[];
  /** rows; with `prompts`, one per prompt */
  seeds: number;
  /** one prompt per row (row r still starts from the noise of seed + r); replaces `prompt` */
  prompts?: string[];
  steps: number;
  seed: number;
}

/** Noise one image with q(x_t | x_0) at several timesteps. */
export interface ForwardJob extends JobBase {
  kind: 'forward';
  outDir: string;
  image: string;
  size: number;
  schedule: ScheduleName;
  T: number;
  timesteps: number[];
  seed: number;
}

/** Which weights of a run: EMA or raw, of its newest checkpoint or the one at `step`. */
export interface ModelRef {
  runDir: string;
  weights: 'ema' | 'raw';
  step?: number;
}

/** The augmentation study (engine/study): a generator, three classifier arms, realism and near-copy checks. */
export interface StudyJob extends JobBase {
  kind: 'study';
  outDir: string;
  dataset: 'phantoms' | 'mri';
  quick: boolean;
  /** overrides of the preset settings (tests use tiny ones) */
  generatorSteps?: number;
  synthetic?: number;
  samplerSteps?: number;
  classifierSteps?: number;
  seeds?: number;
  /** which synthetic images the classifiers get (engine/study/filter.ts); absent: all */
  filter?: StudyFilter;
}


/**
 * Noise-prediction error maps |eps-hat - eps| of a run's model (and optionally a second model, side by
 * side) on the same real images and noise, plus each model's loss-vs-t profile. A model is anything that
 * predicts noise from (x_t, t, cond): a run's U-Net, or the network of the user's module (`impl`).
 */
export interface HeatmapJob extends JobBase, ModelRef, ImplementationChoice {
  kind: 'heatmap';
  outDir: string;
  compare?: ModelRef;
  timesteps: number[];
  /** real images shown */
  count: number;
  seed: number;
}


/** Run the doctor's checks on the user's implementation file; the report is sent as a doctorReport message. */
export interface DoctorJob extends JobBase {
  kind: 'doctor';
  outDir: string;
  /** absolute path of the user's .ts/.js implementation file */
  file: string;
  /** training timesteps handed to betas(T) */
  T: number;
  /** sampling steps handed to timesteps() */
  steps: number;
  seed: number;
}

export type JobSpec = TrainJob | SampleJob | SweepJob | ForwardJob | HeatmapJob | DoctorJob | StudyJob;

const PROMPT_MAX = SWEEP_LIMITS.promptMax;

export function parseJob(value: unknown, where = 'job'): JobSpec {
  const o = record(value, where);
  const kind = oneOf(o, 'kind', JOB_KINDS, where);
  const at = `${kind} ${where}`;
  const backend = oneOf(o, 'backend', BACKEND_CHOICES, at);
  const path = (key: string) => absolutePath(o, key, at);
  switch (kind) {
    case 'train': {
      const batchSize = int(o, 'batchSize', at, 1, 4096);
      const job: TrainJob = {
        kind, backend, runDir: path('runDir'), resume: bool(o, 'resume', at), dataset: str(o, 'dataset', at, { nonEmpty: true, max: 4096 }),
        imageSize: optional(o, 'imageSize', (f, k) => int(f, k, at, 4, 1024)),
        preset: oneOf(o, 'preset', PRESET_NAMES, at), cond: oneOf(o, 'cond', CONDITIONINGS, at), clipDir: optional(o, 'clipDir', () => path('clipDir')),
        schedule: oneOf(o, 'schedule', SCHEDULE_NAMES, at), T: int(o, 'T', at, 2, 100_000),
        steps: int(o, 'steps', at, 1, 10_000_000), batchSize, microBatch: int(o, 'microBatch', at, 1, batchSize),
        learningRate: num(o, 'learningRate', at, 1e-8, 1), seed: int(o, 'seed', at, 0),
        checkpointEvery: int(o, 'checkpointEvery', at, 1), previewEvery: int(o, 'previewEvery', at, 0), logEvery: int(o, 'logEvery', at, 1),
        impl: optional(o, 'impl', () => path('impl')),
        workers: optional(o, 'workers', (f, k) => int(f, k, at, 1, 64)),
      };
      return job;
    }
    case 'sample':
      return {
        kind, backend, runDir: path('runDir'), outDir: path('outDir'), ...conditionChoice(o, at),
        sampler: oneOf(o, 'sampler', ['ddpm', 'ddim'] as const, at), steps: int(o, 'steps', at, 1, 100_000), eta: num(o, 'eta', at, 0, 1),
        spacing: oneOf(o, 'spacing', SPACINGS, at), guidance: num(o, 'guidance', at, -100, 100), n: int(o, 'n', at, 1, 64),
        seed: int(o, 'seed', at, 0), weights: oneOf(o, 'weights', ['ema', 'raw'] as const, at), impl: optional(o, 'impl', () => path('impl')),
      };
    case 'sweep': {
      const seeds = int(o, 'seeds', at, 1, SWEEP_LIMITS.maxRows);
      const prompts = optional(o, 'prompts', (f, k) => promptList(f, k, at));
      if (prompts && prompts.length !== seeds) throw new ProtocolError(at, `field 'seeds' is ${seeds} but 'prompts' has ${prompts.length}; a prompt sweep has one row per prompt, so set seeds to ${prompts.length}.`);
      return {
        kind, backend, runDir: path('runDir'), outDir: path('outDir'), ...conditionChoice(o, at),
        scales: numberList(o, 'scales', at, { min: SWEEP_LIMITS.scaleMin, max: SWEEP_LIMITS.scaleMax, maxLength: SWEEP_LIMITS.maxScales }), seeds, prompts,
        steps: int(o, 'steps', at, 1, 100_000), seed: int(o, 'seed', at, 0), impl: optional(o, 'impl', () => path('impl')),
      };
    }
    case 'doctor': {
      const T = int(o, 'T', at, 2, 100_000);
      return { kind, backend, outDir: path('outDir'), file: path('file'), T, steps: int(o, 'steps', at, 2, T), seed: int(o, 'seed', at, 0) };
    }
    case 'forward': {
      const T = int(o, 'T', at, 2, 100_000);
      return {
        kind, backend, outDir: path('outDir'), image: path('image'), size: int(o, 'size', at, 4, 1024),
        schedule: oneOf(o, 'schedule', SCHEDULE_NAMES, at), T,
        timesteps: numberList(o, 'timesteps', at, { min: 0, max: T - 1, integer: true, maxLength: 64 }), seed: int(o, 'seed', at, 0),
      };
    }
    case 'heatmap':
      return {
        kind, backend, outDir: path('outDir'), ...modelRef(o, at), compare: optional(o, 'compare', (f, k) => modelRef(record(f[k], `${at}, field '${k}'`), `${at}, field '${k}'`)),
        // T is the run's, known only to the runner: it checks the upper bound with a DlensError.
        timesteps: numberList(o, 'timesteps', at, { min: 0, max: 100_000, integer: true, maxLength: 16 }), count: int(o, 'count', at, 1, 16), seed: int(o, 'seed', at, 0),
        impl: optional(o, 'impl', () => path('impl')),
      };
    case 'study': {
      const count = (key: string, min: number, max: number) => optional(o, key, (f, k) => int(f, k, at, min, max));
      return {
        kind, backend, outDir: path('outDir'), dataset: oneOf(o, 'dataset', ['phantoms', 'mri'] as const, at), quick: bool(o, 'quick', at),
        generatorSteps: count('generatorSteps', 1, 1_000_000), synthetic: count('synthetic', 2, 10_000), samplerSteps: count('samplerSteps', 1, 1000),
        classifierSteps: count('classifierSteps', 1, 1_000_000), seeds: count('seeds', 1, 20),
        filter: optional(o, 'filter', () => oneOf(o, 'filter', STUDY_FILTERS, at)),
      };
    }
  }
}

function modelRef(o: Fields, at: string): ModelRef {
  return {
    runDir: absolutePath(o, 'runDir', at), weights: oneOf(o, 'weights', ['ema', 'raw'] as const, at),
    step: optional(o, 'step', (f, k) => int(f, k, at, 0)),
  };
}

function conditionChoice(o: Fields, at: string): ConditionChoice {
  return {
    prompt: optional(o, 'prompt', (f, k) => str(f, k, at, { max: PROMPT_MAX })),
    negativePrompt: optional(o, 'negativePrompt', (f, k) => str(f, k, at, { max: PROMPT_MAX })),
    classIndex: optional(o, 'classIndex', (f, k) => int(f, k, at, -1, 100_000)),
  };
}

function promptList(o: Fields, key: string, at: string): string[] {
  const list = stringList(o, key, at, SWEEP_LIMITS.maxRows);
  const bad = list.findIndex((p) => p.length > PROMPT_MAX);
  if (list.length === 0 || bad >= 0) throw new ProtocolError(at, `field '${key}' ${list.length === 0 ? 'is empty' : `has a prompt of ${list[bad].length} characters at ${bad}`}; expected 1 to ${SWEEP_LIMITS.maxRows} prompts of at most ${PROMPT_MAX} characters.`);
  return list;
}

/** Absolute POSIX or Windows path: a relative one would resolve against the runner's working folder. */
function absolutePath(o: Fields, key: string, at: string): string {
  const p = str(o, key, at, { nonEmpty: true, max: 4096 });
  if (!(p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'))) {
    throw new ProtocolError(at, `field '${key}' is the relative path ${JSON.stringify(p)}; the runner needs an absolute path.`);
  }
  return p;
}
