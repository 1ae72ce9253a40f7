/**
 * Flow control for frames: at most one in flight, and while it is, only the newest waiting frame is
 * kept (latest wins). A slow reader therefore sees fewer frames, never an unbounded queue, and always
 * ends on the last one. The runner uses it over IPC (ack = the send callback), the extension towards
 * a panel (ack = the panel's `frameShown`).
 */
export class LatestWins<T> {
  private pending: T | undefined;
  private inFlight = false;
  private idleWaiters: (() => void)[] = [];
  sent = 0;
  dropped = 0;

  /** `send` starts delivering one item; the owner calls `ack()` once it has been taken. */
  constructor(private readonly send: (item: T) => void) {}

  offer(item: T): void {
    if (this.inFlight) {
      if (this.pending !== undefined) this.dropped++;
      this.pending = item;
      return;
    }
    this.dispatch(item);
  }

  ack(): void {
    this.inFlight = false;
    const next = this.pending;
    this.pending = undefined;
    if (next !== undefined) this.dispatch(next);
    else this.notifyIdle();
  }

  /** Forget the item in flight (its reader went away, e.g. a panel reloaded) and send the newest again. */
  reset(latest?: T): void {
    this.inFlight = false;
    const next = this.pending ?? latest;
    this.pending = undefined;
    if (next !== undefined) this.dispatch(next);
    else this.notifyIdle();
  }

  get busy(): boolean {
    return this.inFlight;
  }

  /** Resolves when nothing is in flight or waiting. */
  idle(): Promise<void> {
    if (!this.inFlight && this.pending === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private dispatch(item: T): void {
    this.inFlight = true;
    this.sent++;
    this.send(item);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
