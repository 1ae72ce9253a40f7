/**
 * Checkpoints: one binary blob of float32 sections (weights, EMA weights, AdamW moments) plus a JSON
 * with the tensor index and the blob's SHA-256. The blob is written first and the JSON last, both
 * atomically, so a JSON on disk always describes a complete blob; a mismatch means corruption.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DlensError } from '../errors';
import type { ParamIndexEntry } from '../nn/params';
import { sha256, writeFileAtomic } from './files';

export const SECTIONS = ['weights', 'ema', 'adamM', 'adamV'] as const;
export type Section = (typeof SECTIONS)[number];

export interface CheckpointMeta {
  step: number;
  adamStep: number;
  sha256: string;
  index: ParamIndexEntry[];
  /** float offset of each section in the blob; every section has index's layout */
  sections: Partial<Record<Section, number>>;
  totalFloats: number;
}

export interface CheckpointData {
  meta: CheckpointMeta;
  sections: Partial<Record<Section, Float32Array>>;
}

const name = (step: number) => `step-${String(step).padStart(7, '0')}`;

export function writeCheckpoint(runDir: string, step: number, adamStep: number, index: ParamIndexEntry[], sections: Partial<Record<Section, Float32Array>>, keep = 2): string {
  const dir = path.join(runDir, 'checkpoints');
  const present = SECTIONS.filter((s) => sections[s]);
  const per = sections[present[0]]!.length;
  const blob = new Float32Array(per * present.length);
  const offsets: Partial<Record<Section, number>> = {};
  present.forEach((s, i) => {
    blob.set(sections[s]!, i * per);
    offsets[s] = i * per;
  });
  const bytes = new Uint8Array(blob.buffer);
  writeFileAtomic(path.join(dir, `${name(step)}.bin`), bytes);
  const meta: CheckpointMeta = { step, adamStep, sha256: sha256(bytes), index, sections: offsets, totalFloats: blob.length };
  writeFileAtomic(path.join(dir, `${name(step)}.json`), JSON.stringify(meta));
  for (const old of listCheckpoints(runDir).slice(0, -keep)) {
    for (const ext of ['.json', '.bin']) fs.rmSync(path.join(dir, name(old) + ext), { force: true });
  }
  return path.join('checkpoints', `${name(step)}.json`);
}

/** Steps with a checkpoint JSON, ascending. */
export function listCheckpoints(runDir: string): number[] {
  const dir = path.join(runDir, 'checkpoints');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => /^step-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export function readCheckpoint(runDir: string, step: number): CheckpointData {
  const base = path.join(runDir, 'checkpoints', name(step));
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
  } catch (err) {
    throw new DlensError('corrupt-checkpoint', `Checkpoint ${base}.json cannot be read (${(err as Error).message}).`, 'delete it; the previous checkpoint will be used.');
  }
  if (!fs.existsSync(`${base}.bin`)) throw new DlensError('corrupt-checkpoint', `Checkpoint ${base}.bin is missing.`, 'delete its .json; the previous checkpoint will be used.');
  const bytes = fs.readFileSync(`${base}.bin`);
  if (sha256(bytes) !== meta.sha256) {
    throw new DlensError('corrupt-checkpoint', `Checkpoint ${base}.bin does not match its SHA-256 (the file is damaged or partial).`, 'delete it and its .json; the previous checkpoint will be used.');
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const per = meta.totalFloats / Object.keys(meta.sections).length;
  const sections: Partial<Record<Section, Float32Array>> = {};
  for (const s of SECTIONS) {
    const off = meta.sections[s];
    if (off !== undefined) sections[s] = all.subarray(off, off + per);
  }
  return { meta, sections };
}

/** The newest readable checkpoint, with notes on any newer ones skipped as corrupt. */
export function latestGoodCheckpoint(runDir: string): { data?: CheckpointData; skipped: string[] } {
  const skipped: string[] = [];
  for (const step of listCheckpoints(runDir).reverse()) {
    try {
      return { data: readCheckpoint(runDir, step), skipped };
    } catch (err) {
      skipped.push((err as Error).message);
    }
  }
  return { skipped };
}
