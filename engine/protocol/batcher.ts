/**
 * Throttling for streams where every item matters but their rate does not (training progress): items
 * are collected and handed over as one batch at most once per interval, the first batch an interval
 * after the first item. Unlike LatestWins nothing is dropped; the consumer bounds what it keeps.
 */
export class Batcher<T> {
  private pending: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly intervalMs: number, private readonly deliver: (items: T[]) => void) {}

  add(item: T): void {
    this.pending.push(item);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Hands over what is waiting now (a job's end must not hold back its last items). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length) return;
    const items = this.pending;
    this.pending = [];
    this.deliver(items);
  }
}
