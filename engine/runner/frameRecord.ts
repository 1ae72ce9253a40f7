/**
 * A trajectory on disk: `frames.bin` holds the tensors' float32 bytes back to back (little-endian, as
 * every platform VS Code runs on), `frames.jsonl` one line per frame with each tensor's byte offset and
 * shape. The index line is appended after its bytes, so a crash leaves at worst bytes without an index
 * line, never an index line without bytes; the reader reports and skips anything incomplete.
 * Node only (fs); the panel never reads files, the extension replays records through it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameMessage } from '../protocol/runner';
import type { TensorPayload } from '../protocol/tensor';

export const FRAME_DATA = 'frames.bin';
export const FRAME_INDEX = 'frames.jsonl';
const TENSOR_KEYS = ['x', 'eps', 'x0', 'epsCond', 'epsUncond'] as const;
type TensorKey = (typeof TENSOR_KEYS)[number];

interface IndexLine {
  step: number;
  steps: number;
  t: number;
  tPrev: number;
  tensors: Partial<Record<TensorKey, { offset: number; shape: number[] }>>;
}

export class FrameRecorder {
  private readonly data: number;
  private offset: number;
  count = 0;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.data = fs.openSync(path.join(dir, FRAME_DATA), 'a');
    this.offset = fs.fstatSync(this.data).size;
  }

  append(frame: FrameMessage): void {
    const line: IndexLine = { step: frame.step, steps: frame.steps, t: frame.t, tPrev: frame.tPrev, tensors: {} };
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
  /** reads this frame's tensors from frames.bin */
  load(): FrameMessage;
}

export function readFrameRecord(dir: string): FrameRecord {
  const indexFile = path.join(dir, FRAME_INDEX);
  const dataFile = path.join(dir, FRAME_DATA);
  if (!fs.existsSync(indexFile) || !fs.existsSync(dataFile)) return { frames: [], problems: [`${dir} has no recorded frames (${FRAME_INDEX} and ${FRAME_DATA}).`] };
  const dataSize = fs.statSync(dataFile).size;
  const frames: RecordedFrame[] = [];
  const problems: string[] = [];
  fs.readFileSync(indexFile, 'utf8').split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    let line: IndexLine;
    try {
      line = JSON.parse(text);
    } catch {
      problems.push(`${FRAME_INDEX} line ${i + 1} is not valid JSON (a write was cut short); skipped.`);
      return;
    }
    const spans = TENSOR_KEYS.flatMap((k) => (line.tensors?.[k] ? [{ key: k, ...line.tensors[k]! }] : []));
    const bad = spans.find((s) => !Array.isArray(s.shape) || s.offset + 4 * s.shape.reduce((a, b) => a * b, 1) > dataSize);
    if (!line.tensors?.x || bad) {
      problems.push(`${FRAME_INDEX} line ${i + 1} points past the end of ${FRAME_DATA}; skipped.`);
      return;
    }
    frames.push({ step: line.step, steps: line.steps, t: line.t, tPrev: line.tPrev, load: () => loadFrame(dataFile, line, spans) });
  });
  return { frames, problems };
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
