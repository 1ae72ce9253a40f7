/**
 * The run manifest: everything needed to rebuild the model and read the run later, in one JSON file
 * at <run>/manifest.json. A run folder is `.diffusion-lens/runs/<id>/` in a workspace, or any --out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DlensError } from '../errors';
import type { PredictionType } from '../forward';
import type { ScheduleName } from '../schedules';
import type { UNetConfig } from '../nn/unet';
import { writeFileAtomic } from './files';

export const MANIFEST_FORMAT = 'dlens-run/1';

export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export interface TrainingConfig {
  steps: number;
  batchSize: number;
  microBatch: number;
  learningRate: number;
  warmupSteps: number;
  gradClip: number;
  emaDecay: number;
  condDropout: number;
  seed: number;
  checkpointEvery: number;
  previewEvery: number;
}

export interface RunManifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  createdAt: string;
  updatedAt: string;
  status: RunStatus;
  error?: string;
  /** sigmaData: root mean within-image variance of the training images (engine/data/sigmaData.ts); absent in older runs */
  dataset: { spec: string; imageSize: number; channels: number; size: number; classNames?: string[]; sigmaData?: number };
  preset: string;
  model: UNetConfig;
  tokenizer?: { vocabulary: string[]; maxLength: number };
  /** the user's CLIP text export (cond 'clip') */
  clip?: { dir: string; inputDim: number; maxLength: number };
  /** captions the training previews are drawn for (text models) */
  previewPrompts?: string[];
  schedule: { name: ScheduleName; T: number };
  prediction: PredictionType;
  training: TrainingConfig;
  /** the user's implementation module the run was trained with (absent: all reference) */
  implementation?: { file: string; provided: string[] };
  /** steps completed and safely in the latest checkpoint */
  checkpoint?: { step: number; file: string };
  step: number;
  parameters: number;
  macsPerSample: number;
}

export function manifestPath(runDir: string): string {
  return path.join(runDir, 'manifest.json');
}

export function writeManifest(runDir: string, m: RunManifest): void {
  writeFileAtomic(manifestPath(runDir), JSON.stringify({ ...m, updatedAt: new Date().toISOString() }, null, 2));
}

export function readManifest(runDir: string): RunManifest {
  const file = manifestPath(runDir);
  if (!fs.existsSync(runDir)) throw new DlensError('run-not-found', `Run folder not found: ${runDir}`, 'pass the folder given to `dlens train --out`.');
  if (!fs.existsSync(file)) throw new DlensError('run-not-found', `${runDir} has no manifest.json, so it is not a run folder.`, 'pass the folder given to `dlens train --out`.');
  let m: RunManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DlensError('corrupt-run', `${file} is not valid JSON (${(err as Error).message}).`, 'restore it from a backup, or start a new run in another folder.');
  }
  if (m.format !== MANIFEST_FORMAT || !m.model || !m.training) {
    throw new DlensError('corrupt-run', `${file} is not a Diffusion Lens run manifest (format ${String(m.format)}).`, 'pass a folder written by `dlens train`.');
  }
  return m;
}
