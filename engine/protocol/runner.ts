/**
 * Messages between the extension and its runner process. The extension sends `start` once, then maybe
 * `cancel`; the runner answers with a stream ending in exactly one `done` or `error`, then exits.
 */
import { type Fields, ProtocolError, int, num, numberList, oneOf, optional, record, str, stringList, tag } from './check';
import type { DoctorReport } from '../doctor/types';
import { parseDoctorReport } from './doctor';
import { type JobSpec, JOB_KINDS, parseJob } from './jobs';
import { type TensorPayload, imageBatchField, optionalTensorField, tensorField } from './tensor';

// ---- extension -> runner
export interface StartMessage {
  type: 'start';
  job: JobSpec;
}
export interface CancelMessage {
  type: 'cancel';
}
export type ToRunner = StartMessage | CancelMessage;

// ---- runner -> extension
export interface ReadyMessage {
  type: 'ready';
  pid: number;
}
/** Sent every second from the runner's event loop; silence means a hang (or one very long synchronous step). */
export interface HeartbeatMessage {
  type: 'heartbeat';
}
export interface BackendMessage {
  type: 'backend';
  backend: string;
  /** one line per backend: why it was chosen or skipped */
  attempts: string[];
}
export interface LogMessage {
  type: 'log';
  level: 'info' | 'warn';
  message: string;
}
export interface TrainProgressMessage {
  type: 'trainProgress';
  step: number;
  steps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  stepsPerSecond: number;
  /** mean MSE per timestep bucket; NaN where no t fell in a bucket */
  lossByBucket: Float32Array;
}
export interface PreviewMessage {
  type: 'preview';
  step: number;
  /** absolute path of the PNG sampled with the EMA weights */
  file: string;
  /** absolute path of the same grid sampled with the raw (optimiser) weights */
  rawFile?: string;
}
/** One sampler step (or one forward-process timestep): everything the probe saw, as binary tensors. */
export interface FrameMessage {
  type: 'frame';
  /** 0-based position in the trajectory */
  step: number;
  /** trajectory length */
  steps: number;
  t: number;
  /** -1 after the last step */
  tPrev: number;
  x: TensorPayload;
  eps: TensorPayload;
  x0: TensorPayload;
  epsCond?: TensorPayload;
  epsUncond?: TensorPayload;
}
/** One finished image of a guidance sweep grid. */
export interface CellMessage {
  type: 'cell';
  row: number;
  col: number;
  rows: number;
  cols: number;
  scale: number;
  label: string;
  image: TensorPayload;
}
/**
 * One model's noise-prediction error maps and loss-vs-t profile; a heatmap job sends one per model
 * (column 0: the run, column 1: what it is compared with), on the same images and noise.
 */
export interface HeatmapMessage {
  type: 'heatmap';
  column: number;
  columns: number;
  /** which model, e.g. "shapes-tiny (EMA, step 600)" */
  label: string;
  timesteps: number[];
  /** real images x_0, [n, h, w, c] */
  x0: TensorPayload;
  /** x_t, timestep-major: [timesteps x n, h, w, c] */
  xt: TensorPayload;
  /** mean over channels of |eps-hat - eps|, [timesteps x n, h, w, 1] */
  error: TensorPayload;
  /** MSE over the shown images at each timestep */
  mseAt: number[];
  /** loss-vs-t profile: bucket centres and their MSE */
  profileT: number[];
  profileMse: number[];
}
/** The doctor job's result: findings, passed and skipped checks (engine/doctor/types.ts). */
export interface DoctorReportMessage {
  type: 'doctorReport';
  report: DoctorReport;
}
export interface DoneMessage {
  type: 'done';
  kind: JobSpec['kind'];
  status: 'completed' | 'cancelled';
  /** train: last step reached */
  step?: number;
  resumedFrom?: number;
  /** files the job wrote (PNGs, records), absolute */
  files: string[];
  /** sample/forward: frames recorded on disk (the stream may have carried fewer: latest wins) */
  frames?: number;
  warnings: string[];
}
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
  fix?: string;
}
/** The runner rejected what the extension sent. */
export interface ProtocolErrorMessage {
  type: 'protocolError';
  message: string;
}
export type FromRunner = ReadyMessage | HeartbeatMessage | BackendMessage | LogMessage | TrainProgressMessage | PreviewMessage | FrameMessage | CellMessage | HeatmapMessage | DoctorReportMessage | DoneMessage | ErrorMessage | ProtocolErrorMessage;

const TO_RUNNER = ['start', 'cancel'] as const;
const FROM_RUNNER = ['ready', 'heartbeat', 'backend', 'log', 'trainProgress', 'preview', 'frame', 'cell', 'heatmap', 'doctorReport', 'done', 'error', 'protocolError'] as const;

export function parseToRunner(value: unknown): ToRunner {
  const where = 'message to the runner';
  const o = record(value, where);
  const type = tag(o, TO_RUNNER, where);
  return type === 'cancel' ? { type } : { type, job: parseJob(o.job, "start message's job") };
}

export function parseFromRunner(value: unknown): FromRunner {
  const o = record(value, 'message from the runner');
  const type = tag(o, FROM_RUNNER, 'message from the runner');
  const at = `runner '${type}' message`;
  switch (type) {
    case 'ready':
      return { type, pid: int(o, 'pid', at, 1) };
    case 'heartbeat':
      return { type };
    case 'backend':
      return { type, backend: str(o, 'backend', at, { nonEmpty: true }), attempts: stringList(o, 'attempts', at) };
    case 'log':
      return { type, level: oneOf(o, 'level', ['info', 'warn'] as const, at), message: str(o, 'message', at) };
    case 'trainProgress':
      return {
        type, step: int(o, 'step', at, 0), steps: int(o, 'steps', at, 1), loss: looseNumber(o, 'loss', at), lr: num(o, 'lr', at, 0),
        gradNorm: looseNumber(o, 'gradNorm', at), stepsPerSecond: num(o, 'stepsPerSecond', at, 0), lossByBucket: floatVector(o, 'lossByBucket', at),
      };
    case 'preview':
      return { type, step: int(o, 'step', at, 0), file: str(o, 'file', at, { nonEmpty: true }), rawFile: optional(o, 'rawFile', (f, k) => str(f, k, at, { nonEmpty: true })) };
    case 'frame':
      return parseFrame(o, at);
    case 'cell':
      return parseCell(o, at);
    case 'heatmap':
      return parseHeatmap(o, at);
    case 'doctorReport':
      return { type, report: parseDoctorReport(o.report, `${at}, report`) };
    case 'done':
      return {
        type, kind: oneOf(o, 'kind', JOB_KINDS, at), status: oneOf(o, 'status', ['completed', 'cancelled'] as const, at),
        step: optional(o, 'step', (f, k) => int(f, k, at, 0)), resumedFrom: optional(o, 'resumedFrom', (f, k) => int(f, k, at, 0)),
        files: stringList(o, 'files', at), frames: optional(o, 'frames', (f, k) => int(f, k, at, 0)), warnings: stringList(o, 'warnings', at),
      };
    case 'error':
      return { type, code: str(o, 'code', at, { nonEmpty: true }), message: str(o, 'message', at), fix: optional(o, 'fix', (f, k) => str(f, k, at)) };
    case 'protocolError':
      return { type, message: str(o, 'message', at) };
  }
}

/** Shared with the panel protocol: the panel receives frames exactly as the runner sends them. */
export function parseFrame(o: Fields, at: string): FrameMessage {
  const steps = int(o, 'steps', at, 1);
  const frame: FrameMessage = {
    type: 'frame', step: int(o, 'step', at, 0, steps - 1), steps, t: int(o, 't', at, 0), tPrev: int(o, 'tPrev', at, -1),
    x: imageBatchField(o, 'x', at), eps: tensorField(o, 'eps', at), x0: tensorField(o, 'x0', at),
    epsCond: optionalTensorField(o, 'epsCond', at), epsUncond: optionalTensorField(o, 'epsUncond', at),
  };
  for (const key of ['eps', 'x0', 'epsCond', 'epsUncond'] as const) {
    const t = frame[key];
    if (t && t.shape.join() !== frame.x.shape.join()) {
      throw new ProtocolError(at, `field '${key}' has shape [${t.shape.join(', ')}] but x has [${frame.x.shape.join(', ')}]; every tensor of a frame has the shape of x_t.`);
    }
  }
  return frame;
}

export function parseCell(o: Fields, at: string): CellMessage {
  const rows = int(o, 'rows', at, 1, 64);
  const cols = int(o, 'cols', at, 1, 64);
  return {
    type: 'cell', row: int(o, 'row', at, 0, rows - 1), col: int(o, 'col', at, 0, cols - 1), rows, cols,
    scale: num(o, 'scale', at), label: str(o, 'label', at, { max: 500 }), image: imageBatchField(o, 'image', at),
  };
}

/** Shared with the panel protocol, which receives heatmaps exactly as the runner sends them. */
export function parseHeatmap(o: Fields, at: string): HeatmapMessage {
  const columns = int(o, 'columns', at, 1, 2);
  const timesteps = numberList(o, 'timesteps', at, { min: 0, integer: true, maxLength: 16 });
  const x0 = imageBatchField(o, 'x0', at);
  const [n, h, w, c] = x0.shape;
  const xt = imageBatchField(o, 'xt', at);
  const error = tensorField(o, 'error', at);
  const rows = timesteps.length * n;
  const expect = (key: string, got: number[], want: number[]) => {
    if (got.join() !== want.join()) throw new ProtocolError(at, `field '${key}' has shape [${got.join(', ')}]; with ${timesteps.length} timesteps and x0 [${x0.shape.join(', ')}] it must be [${want.join(', ')}].`);
  };
  expect('xt', xt.shape, [rows, h, w, c]);
  expect('error', error.shape, [rows, h, w, 1]);
  const bad = error.data.findIndex((v) => !(v >= 0 && v < Infinity));
  if (bad >= 0) throw new ProtocolError(at, `field 'error' holds ${error.data[bad]} at index ${bad}; an absolute error is a finite number >= 0.`);
  const mseAt = numberList(o, 'mseAt', at, { min: 0, minLength: timesteps.length, maxLength: timesteps.length });
  const profileT = numberList(o, 'profileT', at, { min: 0, integer: true, maxLength: 1000 });
  const profileMse = numberList(o, 'profileMse', at, { min: 0, minLength: profileT.length, maxLength: profileT.length });
  return {
    type: 'heatmap', column: int(o, 'column', at, 0, columns - 1), columns, label: str(o, 'label', at, { max: 500 }),
    timesteps, x0, xt, error, mseAt, profileT, profileMse,
  };
}

/** Losses may legitimately be NaN or Infinity when training diverges: that is news, not a malformed message. */
function looseNumber(o: Fields, key: string, at: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new ProtocolError(at, `field '${key}' is ${typeof v}; expected a number.`);
  return v;
}

function floatVector(o: Fields, key: string, at: string): Float32Array {
  const v = o[key];
  if (!(v instanceof Float32Array) || v.length > 1000) throw new ProtocolError(at, `field '${key}' must be a Float32Array of at most 1000 values.`);
  return v;
}
