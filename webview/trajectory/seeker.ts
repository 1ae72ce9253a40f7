/**
 * Fetches steps of the record from the extension for the player. At most `parallel` seeks are in flight,
 * and beyond them only the newest wanted step is kept (latest wins, like live frames), so scrubbing never
 * queues requests; only the step wanted last is shown when it lands. Frames already seen are kept in an
 * LRU cache bounded in bytes, so stepping back and forth over recent steps is instant and the panel's
 * memory stays flat whatever the record's length. Free seek slots read ahead a few steps in the direction
 * the user is moving (stepping, scrubbing, playing), so fetching the next steps overlaps drawing this one.
 */
import type { StepFrameMessage, TensorPayload } from '../../engine/protocol';

/** The tensors of a step, however it arrived (a live frame or a seek's answer). */
export type StepFrame = Omit<StepFrameMessage, 'type' | 'request'>;

/** 32 MB: about 33 steps of 16 images at 32x32x3 with guidance branches (1 MB a step), four times the read-ahead. */
export const CACHE_BYTES = 32 * 1024 * 1024;
/** Steps read ahead: well inside the cache, so read-ahead never evicts the step on screen. */
export const READ_AHEAD = 8;
/** Seeks in flight: enough to keep the extension reading while the panel draws, few enough to stay responsive. */
export const PARALLEL = 3;

export interface SeekerOptions {
  budget?: number;
  readAhead?: number;
  parallel?: number;
  /** steps 0..limit()-1 exist (read-ahead stays inside) */
  limit?: () => number;
}

export class Seeker {
  private readonly cache = new Map<number, StepFrame>();
  private cachedBytes = 0;
  /** by request number; `show` is true only for the step wanted last */
  private readonly inFlight = new Map<number, { step: number; show: boolean }>();
  private wanted: number | undefined;
  private anchor = -1;
  private direction = 1;
  private nextRequest = 0;
  private readonly budget: number;
  private readonly readAhead: number;
  private readonly parallel: number;
  private readonly limit: () => number;
  seeksSent = 0;

  constructor(private readonly post: (msg: { type: 'seek'; step: number; request: number }) => void, private readonly show: (f: StepFrame) => void, options: SeekerOptions = {}) {
    this.budget = options.budget ?? CACHE_BYTES;
    this.readAhead = options.readAhead ?? READ_AHEAD;
    this.parallel = options.parallel ?? PARALLEL;
    this.limit = options.limit ?? (() => Infinity);
  }

  /** Shows `step` now if cached, else asks for it (or keeps it as the one to ask for next). */
  want(step: number): void {
    if (step !== this.anchor) this.direction = step > this.anchor ? 1 : -1;
    this.anchor = step;
    this.wanted = undefined;
    // Whatever was wanted before is no longer to be shown.
    for (const f of this.inFlight.values()) f.show = f.step === step;
    const hit = this.cache.get(step);
    if (hit) {
      this.touch(step, hit);
      this.show(hit);
    } else if ([...this.inFlight.values()].some((f) => f.step === step)) {
      return;
    } else if (this.inFlight.size < this.parallel) {
      this.send(step, true);
    } else {
      this.wanted = step;
      return;
    }
    this.readNext();
  }

  /** A seek's answer: cache it, show it if it is the step wanted last, then fetch what is wanted (or read ahead). */
  answered(msg: StepFrameMessage): void {
    const { type: _t, request: _r, ...frame } = msg;
    this.remember(frame);
    const entry = this.inFlight.get(msg.request);
    this.inFlight.delete(msg.request);
    if (entry?.show) this.show(frame);
    this.next();
  }

  /** A seek failed: forget it and go on with what is wanted (no read-ahead: the steps beyond are likely missing too). */
  failed(request: number): void {
    this.inFlight.delete(request);
    const w = this.wanted;
    this.wanted = undefined;
    if (w !== undefined) this.want(w);
  }

  /** A live frame is a step like any other. */
  remember(frame: StepFrame): void {
    if (this.cache.has(frame.step)) return;
    this.touch(frame.step, frame);
    this.cachedBytes += bytes(frame);
    for (const [step, f] of this.cache) {
      if (this.cachedBytes <= this.budget) break;
      this.cache.delete(step);
      this.cachedBytes -= bytes(f);
    }
  }

  /** A wanted step is on its way (read-ahead alone does not count). */
  get busy(): boolean {
    return this.wanted !== undefined || [...this.inFlight.values()].some((f) => f.show);
  }

  get cachedSteps(): number {
    return this.cache.size;
  }

  get bytesCached(): number {
    return this.cachedBytes;
  }

  /** A reloaded panel: answers in flight went to the old page. */
  reset(): void {
    this.inFlight.clear();
    this.wanted = undefined;
  }

  private next(): void {
    const w = this.wanted;
    this.wanted = undefined;
    if (w !== undefined) this.want(w);
    else this.readNext();
  }

  /** Fills free seek slots with the first steps within `readAhead` of the anchor that are neither cached nor on their way. */
  private readNext(): void {
    for (let k = 1; k <= this.readAhead && this.inFlight.size < this.parallel && this.wanted === undefined; k++) {
      const s = this.anchor + this.direction * k;
      if (s < 0 || s >= this.limit()) return;
      if (!this.cache.has(s) && ![...this.inFlight.values()].some((f) => f.step === s)) this.send(s, false);
    }
  }

  private send(step: number, show: boolean): void {
    const request = this.nextRequest++;
    this.inFlight.set(request, { step, show });
    this.seeksSent++;
    this.post({ type: 'seek', step, request });
  }

  /** Map order is insertion order: re-inserting makes `step` the most recently used. */
  private touch(step: number, f: StepFrame): void {
    this.cache.delete(step);
    this.cache.set(step, f);
  }
}

function bytes(f: StepFrame): number {
  const tensors: (TensorPayload | undefined)[] = [f.x, f.eps, f.x0, f.epsCond, f.epsUncond];
  // A recorded frame without eps/x0 points them at x: count each buffer once.
  return [...new Set(tensors.filter((t) => t).map((t) => t!.data))].reduce((a, d) => a + d.byteLength, 0);
}
