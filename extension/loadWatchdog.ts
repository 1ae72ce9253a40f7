/**
 * A webview that never runs its script (the browser dropped the load: a service worker that did not
 * register, a fetch that failed while the machine was busy) stays blank for good, and a frame sent to it
 * is never drawn. Reassigning the HTML is the only remedy from the extension's side, so a panel that is
 * visible and has not said 'ready' within `timeoutMs` is reloaded, a bounded number of times. A hidden
 * panel is not counted against: VS Code builds its webview only when it is shown.
 */
export interface LoadWatchdogOptions {
  timeoutMs: number;
  maxReloads: number;
  isVisible(): boolean;
  /** reassign the webview's HTML; `attempt` counts from 1 */
  reload(attempt: number): void;
  /** every reload was spent and the panel still did not load */
  gaveUp(): void;
}

export class LoadWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private reloads = 0;
  private loaded = false;

  constructor(private readonly o: LoadWatchdogOptions) {}

  get reloadCount(): number {
    return this.reloads;
  }

  /** The panel was created, shown again, or reloaded: it has `timeoutMs` to say 'ready'. */
  arm(): void {
    this.disarm();
    if (this.loaded) return;
    this.timer = setTimeout(() => this.expire(), this.o.timeoutMs);
  }

  /** The script ran ('ready'). A webview rebuilt later (hidden, then shown) is armed again by `shown`. */
  ready(): void {
    this.loaded = true;
    this.disarm();
  }

  /** The panel became visible; if VS Code rebuilt its webview, the new one must say 'ready' too. */
  shown(rebuilt: boolean): void {
    if (rebuilt) this.loaded = false;
    this.arm();
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private expire(): void {
    this.timer = undefined;
    if (this.loaded) return;
    // Hidden: nothing is being shown to anyone; `shown` arms it again.
    if (!this.o.isVisible()) return;
    if (this.reloads >= this.o.maxReloads) {
      this.o.gaveUp();
      return;
    }
    this.reloads++;
    this.o.reload(this.reloads);
    this.arm();
  }
}
