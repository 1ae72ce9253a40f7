/**
 * The trajectory player's messages. Live frames reach the panel latest-wins (panel.ts), so the player
 * fetches any other step on demand: it sends `seek`, the extension answers from the run record on disk
 * with `stepFrame` (or `seekError`). Every recorded step's statistics reach the panel in
 * `trajectoryStats` chunks read from the record's index, so the chart and the breakpoints see every step
 * even when its frame was never drawn.
 */
import { type Fields, ProtocolError, describeValue, int, str } from './check';
import { type FrameMessage, parseFrame } from './runner';
import { STAT_KEYS, type StatKey } from '../trajectory/stats';

/** Statistics of recorded steps from..from+t.length-1; each stat is step-major: [step][image]. */
export interface TrajectoryStatsMessage {
  type: 'trajectoryStats';
  /** trajectory length */
  steps: number;
  images: number;
  from: number;
  /** the timestep of each step in the chunk */
  t: Int32Array;
  /** ᾱ_t of each step; NaN where the record does not know it */
  alphaBar: Float64Array;
  stats: Record<StatKey, Float32Array>;
  /** the data's σ_data as recorded with the trajectory (absent: the record does not know it) */
  sigmaData?: number;
}

/** The answer to a `seek`: that step's frame, read from the record. */
export interface StepFrameMessage extends Omit<FrameMessage, 'type'> {
  type: 'stepFrame';
  /** the seek's request number, so the panel knows which question this answers */
  request: number;
}

export interface SeekErrorMessage {
  type: 'seekError';
  request: number;
  step: number;
  message: string;
}

/** Panel -> extension: send me step `step` of the record. */
export interface SeekMessage {
  type: 'seek';
  step: number;
  request: number;
}

/** Most images a frame batch carries (the sample command's limit). */
const MAX_IMAGES = 64;

export function parseTrajectoryStats(o: Fields, at: string): TrajectoryStatsMessage {
  const steps = int(o, 'steps', at, 1, 100_000);
  const images = int(o, 'images', at, 1, MAX_IMAGES);
  const from = int(o, 'from', at, 0, steps - 1);
  const t = o.t;
  if (!(t instanceof Int32Array) || t.length < 1 || from + t.length > steps || t.some((v) => v < 0)) {
    throw new ProtocolError(at, `field 't' is ${describeValue(t)}; expected an Int32Array of 1..${steps - from} timesteps >= 0 (steps ${from}.. of ${steps}).`);
  }
  const count = t.length;
  const alphaBar = o.alphaBar;
  if (!(alphaBar instanceof Float64Array) || alphaBar.length !== count || alphaBar.some((a) => a < 0 || a > 1)) {
    throw new ProtocolError(at, `field 'alphaBar' is ${describeValue(alphaBar)}; expected a Float64Array of ${count} values in [0, 1] (NaN where unknown).`);
  }
  const raw = o.stats;
  if (typeof raw !== 'object' || raw === null) throw new ProtocolError(at, `field 'stats' is ${describeValue(raw)}; expected an object of ${STAT_KEYS.join(', ')}.`);
  const stats = {} as Record<StatKey, Float32Array>;
  for (const k of STAT_KEYS) {
    const v = (raw as Fields)[k];
    // NaN is allowed: a NaN std is exactly what the non-finite breakpoint is for.
    if (!(v instanceof Float32Array) || v.length !== count * images) {
      throw new ProtocolError(at, `field 'stats.${k}' is ${describeValue(v)}; expected a Float32Array of ${count} steps x ${images} images.`);
    }
    stats[k] = v;
  }
  const sigmaData = o.sigmaData;
  if (sigmaData !== undefined && !(typeof sigmaData === 'number' && sigmaData >= 0 && sigmaData <= 10)) {
    throw new ProtocolError(at, `field 'sigmaData' is ${describeValue(sigmaData)}; expected a number in [0, 10] (the std of the data in [-1, 1]) or no field.`);
  }
  return { type: 'trajectoryStats', steps, images, from, t, alphaBar, stats, ...(sigmaData !== undefined ? { sigmaData } : {}) };
}

export function parseStepFrame(o: Fields, at: string): StepFrameMessage {
  return { ...parseFrame(o, at), type: 'stepFrame', request: int(o, 'request', at, 0) };
}

export function parseSeekError(o: Fields, at: string): SeekErrorMessage {
  return { type: 'seekError', request: int(o, 'request', at, 0), step: int(o, 'step', at, 0), message: str(o, 'message', at, { max: 2000 }) };
}

export function parseSeek(o: Fields, at: string): SeekMessage {
  return { type: 'seek', step: int(o, 'step', at, 0, 100_000), request: int(o, 'request', at, 0) };
}
