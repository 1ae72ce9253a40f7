/**
 * Fetches steps of the record from the extension for the player: one seek in flight at a time, and
 * while it is, only the newest wanted step is kept (latest wins, like live frames), so scrubbing never
 * queues requests. Frames already seen are kept in an LRU cache bounded in bytes, so stepping back and
 * forth over recent steps is instant and the panel's memory stays flat whatever the record's length.
 */
import type { StepFrameMessage, TensorPayload } from '../../engine/protocol';

/** The tensors of a step, however it arrived (a live frame or a seek's answer). */
export type StepFrame = Omit<StepFrameMessage, 'type' | 'request'>;

/** 64 MB: about a hundred steps of 16 images at 32x32x3 with guidance branches. */
export const CACHE_BYTES = 64 * 1024 * 1024;

export class Seeker {
  private readonly cache = new Map<number, StepFrame>();
  private cachedBytes = 0;
  private inFlight: { step: number; request: number } | undefined;
  private wanted: number | undefined;
  private nextRequest = 0;
  seeksSent = 0;

  constructor(private readonly post: (msg: { type: 'seek'; step: number; request: number }) => void, private readonly show: (f: StepFrame) => void, private readonly budget = CACHE_BYTES) {}

  /** Shows `step` now if cached, else asks for it (or queues it behind the seek in flight). */
  want(step: number): void {
    const hit = this.cache.get(step);
    if (hit) {
      this.wanted = undefined;
      this.touch(step, hit);
      this.show(hit);
      return;
    }
    if (this.inFlight) {
      if (this.inFlight.step !== step) this.wanted = step;
      return;
    }
    this.send(step);
  }

  /** A seek's answer: cache and show it, then ask for the newest step wanted meanwhile. */
  answered(msg: StepFrameMessage): void {
    const { type: _t, request: _r, ...frame } = msg;
    this.remember(frame);
    if (this.inFlight?.request === msg.request) this.inFlight = undefined;
    this.show(frame);
    this.next();
  }

  /** A seek failed: forget it and go on with what is wanted. */
  failed(request: number): void {
    if (this.inFlight?.request === request) this.inFlight = undefined;
    this.next();
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

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  get cachedSteps(): number {
    return this.cache.size;
  }

  get bytesCached(): number {
    return this.cachedBytes;
  }

  /** A reloaded panel: an answer in flight went to the old page. */
  reset(): void {
    this.inFlight = undefined;
    this.wanted = undefined;
  }

  private next(): void {
    const w = this.wanted;
    this.wanted = undefined;
    if (w !== undefined) this.want(w);
  }

  private send(step: number): void {
    this.inFlight = { step, request: this.nextRequest++ };
    this.seeksSent++;
    this.post({ type: 'seek', step, request: this.inFlight.request });
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
