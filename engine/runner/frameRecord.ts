/**
 * A trajectory on disk: `frames.bin` holds the tensors' float32 bytes back to back (little-endian, as
 * every platform VS Code runs on), `frames.jsonl` one line per frame with each tensor's byte offset and
 * shape, the step's statistics (engine/trajectory/stats.ts) and ᾱ_t when the sampler knows it. The index
 * line is appended after its bytes, so a crash leaves at worst bytes without an index line, never an index
 * line without bytes; the reader reports and skips anything incomplete.
 * Node only (fs); the panel never reads files, the extension answers its seeks through FrameSource.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameMessage } from '../protocol/runner';
import type { TensorPayload } from '../protocol/tensor';
import { STAT_KEYS, type StepStats, frameStats } from '../trajectory/stats';

export const FRAME_DATA = 'frames.bin';
export const FRAME_INDEX = 'frames.jsonl';
const TENSOR_KEYS = ['x', 'eps', 'x0', 'epsCond', 'epsUncond'] as const;
type TensorKey = (typeof TENSOR_KEYS)[number];

interface IndexLine {
  step: number;
  steps: number;
  t: number;
  tPrev: number;
  /** absent in records written before the statistics existed; NaN is written as null by JSON */
  stats?: Record<string, (number | null)[]>;
  alphaBar?: number;
  /** the training data's σ_data (engine/data/sigmaData.ts) when the job knows it */
  sigmaData?: number;
  tensors: Partial<Record<TensorKey, { offset: number; shape: number[] }>>;
}

export interface RecorderOptions {
  /** ᾱ_t of the run's schedule, indexed by t: recorded with each frame for the player's theoretical std */
  alphasCumprod?: ArrayLike<number>;
  /** the data's σ_data, recorded with each frame (a record stays self-describing, and a line is all a reader needs) */
  sigmaData?: number;
}

export class FrameRecorder {
  private readonly data: number;
  private offset: number;
  count = 0;

  constructor(readonly dir: string, private readonly options: RecorderOptions = {}) {
    fs.mkdirSync(dir, { recursive: true });
    this.data = fs.openSync(path.join(dir, FRAME_DATA), 'a');
    this.offset = fs.fstatSync(this.data).size;
  }

  append(frame: FrameMessage): void {
    const alphaBar = this.options.alphasCumprod?.[frame.t];
    const line: IndexLine = { step: frame.step, steps: frame.steps, t: frame.t, tPrev: frame.tPrev, stats: frameStats(frame), ...(alphaBar !== undefined ? { alphaBar } : {}), ...(this.options.sigmaData !== undefined ? { sigmaData: this.options.sigmaData } : {}), tensors: {} };
    for (const key of TENSOR_KEYS) {
      const tensor = frame[key];
      if (!tensor) continue;
      const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
      fs.writeSync(this.data, bytes);
      line.tensors[key] = { offset: this.offset, shape: tensor.shape };
      this.offset += bytes.byteLength;
    }
    fs.appendFileSync(path.join(this.dir, FRAME_INDEX), JSON.stringify(line) + '\n');
    this.count++;
  }

  close(): void {
    fs.closeSync(this.data);
  }
}

export interface FrameRecord {
  /** frames whose index line and bytes are both complete, in recorded order */
  frames: RecordedFrame[];
  /** what was skipped and why (a partial last line after a crash, missing bytes) */
  problems: string[];
}

export interface RecordedFrame {
  step: number;
  steps: number;
  t: number;
  tPrev: number;
  /** ᾱ_t, NaN when the record does not say */
  alphaBar: number;
  /** the data's σ_data, NaN when the record does not say */
  sigmaData: number;
  /** the recorded statistics; older records have none (FrameSource then computes them from the tensors) */
  stats: StepStats | undefined;
  /** reads this frame's tensors from frames.bin */
  load(): FrameMessage;
}

export function readFrameRecord(dir: string): FrameRecord {
  const indexFile = path.join(dir, FRAME_INDEX);
  const dataFile = path.join(dir, FRAME_DATA);
  if (!fs.existsSync(indexFile) || !fs.existsSync(dataFile)) return { frames: [], problems: [`${dir} has no recorded frames (${FRAME_INDEX} and ${FRAME_DATA}).`] };
  return parseIndex(dir, fs.readFileSync(indexFile, 'utf8'), 0, fs.statSync(dataFile).size);
}

/** Parses index lines (text starting at line number `firstLine`, 0-based) against the current size of frames.bin. */
export function parseIndex(dir: string, text: string, firstLine: number, dataSize: number): FrameRecord {
  const dataFile = path.join(dir, FRAME_DATA);
  const frames: RecordedFrame[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    let line: IndexLine;
    try {
      line = JSON.parse(lineText);
    } catch {
      problems.push(`${FRAME_INDEX} line ${firstLine + i + 1} is not valid JSON (a write was cut short); skipped.`);
      return;
    }
    const spans = TENSOR_KEYS.flatMap((k) => (line.tensors?.[k] ? [{ key: k, ...line.tensors[k]! }] : []));
    const bad = spans.find((s) => !Array.isArray(s.shape) || s.offset + 4 * s.shape.reduce((a, b) => a * b, 1) > dataSize);
    if (!line.tensors?.x || bad) {
      problems.push(`${FRAME_INDEX} line ${firstLine + i + 1} points past the end of ${FRAME_DATA}; skipped.`);
      return;
    }
    frames.push({
      step: line.step, steps: line.steps, t: line.t, tPrev: line.tPrev, alphaBar: typeof line.alphaBar === 'number' ? line.alphaBar : NaN,
      sigmaData: typeof line.sigmaData === 'number' && line.sigmaData >= 0 ? line.sigmaData : NaN,
      stats: readStats(line.stats, line.tensors.x.shape[0]), load: () => loadFrame(dataFile, line, spans),
    });
  });
  return { frames, problems };
}

/** The recorded statistics if every key holds one value per image; JSON's null stands for NaN. */
function readStats(raw: IndexLine['stats'], images: number): StepStats | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const out = {} as StepStats;
  for (const k of STAT_KEYS) {
    const v = raw[k];
    if (!Array.isArray(v) || v.length !== images) return undefined;
    out[k] = v.map((x) => (typeof x === 'number' ? x : NaN));
  }
  return out;
}

function loadFrame(dataFile: string, line: IndexLine, spans: { key: TensorKey; offset: number; shape: number[] }[]): FrameMessage {
  const fd = fs.openSync(dataFile, 'r');
  try {
    const tensors: Partial<Record<TensorKey, TensorPayload>> = {};
    for (const s of spans) {
      const data = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
      fs.readSync(fd, new Uint8Array(data.buffer), 0, data.byteLength, s.offset);
      tensors[s.key] = { shape: s.shape, data };
    }
    return { type: 'frame', step: line.step, steps: line.steps, t: line.t, tPrev: line.tPrev, x: tensors.x!, eps: tensors.eps ?? tensors.x!, x0: tensors.x0 ?? tensors.x!, epsCond: tensors.epsCond, epsUncond: tensors.epsUncond };
  } finally {
    fs.closeSync(fd);
  }
}
