/**
 * Messages between the extension and a panel (webview). Frames and sweep cells are forwarded exactly as
 * the runner sent them. The panel acknowledges each drawn frame; the extension sends the next one only
 * then, keeping just the newest in between (see LatestWins), so a slow panel never builds a queue.
 */
import { type Fields, ProtocolError, bool, describeValue, int, oneOf, record, str, stringList, tag } from './check';
import { type ForwardStripMessage, parseForwardStrip } from './forwardStrip';
import { type CellMessage, type FrameMessage, type HeatmapMessage, parseCell, parseFrame, parseHeatmap } from './runner';
import { type SeekErrorMessage, type SeekMessage, type StepFrameMessage, type TrajectoryStatsMessage, parseSeek, parseSeekError, parseStepFrame, parseTrajectoryStats } from './trajectory';
import { type OpenCellMessage, type RunSweepMessage, type SweepGridMessage, parseOpenCell, parseRunSweep, parseSweepGrid } from './sweepPanel';
import type { DoctorReport } from '../doctor/types';
import { parseDoctorReport } from './doctor';
import { type ExportStudyMessage, type StudyMessage, parseExportStudy, parseStudy } from './study';

export type JobState = 'starting' | 'running' | 'completed' | 'cancelled' | 'failed';

/** Title and text lines at the top of the panel. */
export interface HeaderMessage {
  type: 'header';
  title: string;
  lines: string[];
}
export interface StatusMessage {
  type: 'status';
  state: JobState;
  text: string;
}
/** A PNG from the run record, as a webview URI. */
export interface PictureMessage {
  type: 'picture';
  src: string;
  caption: string;
}
/** A frame to draw, numbered so the panel's acknowledgement names it. */
export interface PanelFrameMessage extends Omit<FrameMessage, 'type'> {
  type: 'frame';
  seq: number;
}
/** One schedule's curves over t = 0..T-1, in float64 as the engine computes them, so hover shows exact values. */
export interface ScheduleCurves {
  name: string;
  betas: Float64Array;
  alphasCumprod: Float64Array;
  logSnr: Float64Array;
}
/** The Schedules panel: every schedule's beta_t, alphaBar_t and log-SNR, plotted overlaid. */
export interface SchedulesMessage {
  type: 'schedules';
  T: number;
  schedules: ScheduleCurves[];
}
/**
 * Training dashboard: logged points, columnar (one entry per logged step). `reset` replaces what the panel
 * holds (a reopened or rebuilt panel gets the whole history); otherwise the points are appended.
 * Losses may be NaN (divergence is news, and an empty t bucket has no mean).
 */
export interface TrainMetricsMessage {
  type: 'trainMetrics';
  reset: boolean;
  /** the run's total steps */
  steps: number;
  /** t buckets per point */
  buckets: number;
  step: Float64Array;
  loss: Float64Array;
  lr: Float64Array;
  gradNorm: Float64Array;
  stepsPerSecond: Float64Array;
  /** [points x buckets], row-major */
  lossByBucket: Float32Array;
}
/** The newest training previews: the same noise sampled with the EMA and with the raw weights. */
export interface TrainPreviewMessage {
  type: 'trainPreview';
  step: number;
  ema: string;
  raw?: string;
}
/** Check My Implementation: the doctor's findings for the user's file. */
export interface DoctorMessage {
  type: 'doctor';
  /** the checked file, for the heading */
  file: string;
  report: DoctorReport;
}
export type ToPanel = HeaderMessage | StatusMessage | PictureMessage | PanelFrameMessage | CellMessage | SchedulesMessage | TrajectoryStatsMessage | StepFrameMessage | SeekErrorMessage | SweepGridMessage | ForwardStripMessage | HeatmapMessage | TrainMetricsMessage | TrainPreviewMessage | DoctorMessage | StudyMessage;

export interface PanelReadyMessage {
  type: 'ready';
}
export interface FrameShownMessage {
  type: 'frameShown';
  seq: number;
  step: number;
}
/** The panel rejected a message; the extension logs it. */
export interface PanelErrorMessage {
  type: 'panelError';
  message: string;
}
export type FromPanel = PanelReadyMessage | FrameShownMessage | PanelErrorMessage | SeekMessage | RunSweepMessage | OpenCellMessage | ExportStudyMessage;

const TO_PANEL = ['header', 'status', 'picture', 'frame', 'cell', 'schedules', 'trajectoryStats', 'stepFrame', 'seekError', 'sweepGrid', 'forwardStrip', 'heatmap', 'trainMetrics', 'trainPreview', 'doctor', 'study'] as const;
const FROM_PANEL = ['ready', 'frameShown', 'panelError', 'seek', 'runSweep', 'openCell', 'exportStudy'] as const;
const STATES = ['starting', 'running', 'completed', 'cancelled', 'failed'] as const;

export function parseToPanel(value: unknown): ToPanel {
  const o = record(value, 'message to the panel');
  const type = tag(o, TO_PANEL, 'message to the panel');
  const at = `panel '${type}' message`;
  switch (type) {
    case 'header':
      return { type, title: str(o, 'title', at, { max: 200 }), lines: stringList(o, 'lines', at, 50) };
    case 'status':
      return { type, state: oneOf(o, 'state', STATES, at), text: str(o, 'text', at, { max: 2000 }) };
    case 'picture':
      return { type, src: resourceUri(o, 'src', at), caption: str(o, 'caption', at, { max: 500 }) };
    case 'frame': {
      const frame = parseFrame(o, at);
      return { ...frame, type: 'frame', seq: int(o, 'seq', at, 0) };
    }
    case 'cell':
      return parseCell(o, at);
    case 'schedules':
      return parseSchedules(o, at);
    case 'trajectoryStats':
      return parseTrajectoryStats(o, at);
    case 'stepFrame':
      return parseStepFrame(o, at);
    case 'seekError':
      return parseSeekError(o, at);
    case 'sweepGrid':
      return parseSweepGrid(o, at);
    case 'forwardStrip':
      return parseForwardStrip(o, at);
    case 'heatmap':
      return parseHeatmap(o, at);
    case 'trainMetrics':
      return parseTrainMetrics(o, at);
    case 'trainPreview':
      return { type, step: int(o, 'step', at, 0), ema: resourceUri(o, 'ema', at), raw: o.raw === undefined ? undefined : resourceUri(o, 'raw', at) };
    case 'doctor':
      return { type, file: str(o, 'file', at, { max: 4096 }), report: parseDoctorReport(o.report, `${at}, report`) };
    case 'study':
      return parseStudy(o, at);
  }
}

/**
 * The CSP (img-src = the webview's own resource origin) is what keeps remote content out; this only
 * rejects values that cannot be a webview resource URI at all (data:, javascript:, relative paths).
 */
function resourceUri(o: Fields, key: string, at: string): string {
  const src = str(o, key, at, { nonEmpty: true, max: 4096 });
  if (!/^(https?|vscode-[a-z-]+):\/\//.test(src)) {
    throw new ProtocolError(at, `field '${key}' ${JSON.stringify(src.slice(0, 80))} is not a webview resource URI; build it with webview.asWebviewUri.`);
  }
  return src;
}

/** Most points one trainMetrics message carries (the history is downsampled to fewer; see TrainHistory). */
const MAX_TRAIN_POINTS = 10_000;

function parseTrainMetrics(o: Fields, at: string): TrainMetricsMessage {
  const buckets = int(o, 'buckets', at, 1, 1000);
  const step = o.step;
  if (!(step instanceof Float64Array) || step.length > MAX_TRAIN_POINTS) throw new ProtocolError(at, `field 'step' is ${describeValue(step)}; expected a Float64Array of at most ${MAX_TRAIN_POINTS} steps.`);
  const n = step.length;
  if (!step.every((s, i) => Number.isInteger(s) && s >= 0 && (i === 0 || s > step[i - 1]))) throw new ProtocolError(at, "field 'step' must hold increasing integer steps >= 0.");
  const column = (key: string, finite: boolean): Float64Array => {
    const v = o[key];
    if (!(v instanceof Float64Array) || v.length !== n) throw new ProtocolError(at, `field '${key}' is ${describeValue(v)}; expected a Float64Array of ${n} values (one per step).`);
    if (finite && !v.every((x) => Number.isFinite(x) && x >= 0)) throw new ProtocolError(at, `field '${key}' must hold finite values >= 0.`);
    return v;
  };
  const lossByBucket = o.lossByBucket;
  if (!(lossByBucket instanceof Float32Array) || lossByBucket.length !== n * buckets) {
    throw new ProtocolError(at, `field 'lossByBucket' is ${describeValue(lossByBucket)}; expected a Float32Array of ${n} x ${buckets} values.`);
  }
  return {
    type: 'trainMetrics', reset: bool(o, 'reset', at), steps: int(o, 'steps', at, 1), buckets, step,
    loss: column('loss', false), lr: column('lr', true), gradNorm: column('gradNorm', false), stepsPerSecond: column('stepsPerSecond', true), lossByBucket,
  };
}

/** Most schedules one chart overlays: beyond this the lines cannot be told apart anyway. */
const MAX_SCHEDULES = 8;

function parseSchedules(o: Fields, at: string): SchedulesMessage {
  const T = int(o, 'T', at, 2, 100_000);
  const list = o.schedules;
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_SCHEDULES) {
    throw new ProtocolError(at, `field 'schedules' is ${describeValue(list)}; expected an array of 1 to ${MAX_SCHEDULES} schedules.`);
  }
  const schedules = list.map((item, i) => {
    const where = `${at}, schedules[${i}]`;
    const s = record(item, where);
    return {
      name: str(s, 'name', where, { nonEmpty: true, max: 40 }),
      betas: curveField(s, 'betas', T, where),
      alphasCumprod: curveField(s, 'alphasCumprod', T, where),
      logSnr: curveField(s, 'logSnr', T, where),
    };
  });
  return { type: 'schedules', T, schedules };
}

/**
 * A curve is a Float64Array of T finite values: float64 because hover promises the engine's exact numbers,
 * finite because a chart axis cannot hold NaN or Infinity (a zero-terminal-SNR log-SNR must be clipped by the sender).
 */
function curveField(o: Fields, key: string, T: number, where: string): Float64Array {
  const v = o[key];
  if (!(v instanceof Float64Array)) throw new ProtocolError(where, `field '${key}' is ${describeValue(v)}; expected a Float64Array of ${T} values.`);
  if (v.length !== T) throw new ProtocolError(where, `field '${key}' has ${v.length} values but T = ${T}.`);
  const bad = v.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new ProtocolError(where, `field '${key}' holds ${v[bad]} at t = ${bad}; expected finite numbers.`);
  return v;
}

export function parseFromPanel(value: unknown): FromPanel {
  const o = record(value, 'message from the panel');
  const type = tag(o, FROM_PANEL, 'message from the panel');
  const at = `panel '${type}' message`;
  switch (type) {
    case 'ready':
      return { type };
    case 'frameShown':
      return { type, seq: int(o, 'seq', at, 0), step: int(o, 'step', at, 0) };
    case 'panelError':
      return { type, message: str(o, 'message', at, { max: 5000 }) };
    case 'seek':
      return parseSeek(o, at);
    case 'runSweep':
      return parseRunSweep(o, at);
    case 'openCell':
      return parseOpenCell(o, at);
    case 'exportStudy':
      return parseExportStudy(o, at);
  }
}

