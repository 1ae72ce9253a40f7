/** The open panels, so commands can reuse one and the API can report what each received. */
import * as vscode from 'vscode';
import type { Log } from './log';
import { LensPanel, type PanelStats } from './panel';

export class Panels {
  private readonly open = new Set<LensPanel>();
  private readonly byKey = new Map<string, LensPanel>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: Log) {}

  create(title: string, resourceFolder: string): LensPanel {
    const panel = new LensPanel(title, this.extensionUri, vscode.Uri.file(resourceFolder), this.log, (p) => this.open.delete(p));
    this.open.add(panel);
    return panel;
  }

  /** The open panel kept under `key`, revealed, or a new one: a command like Show Noise Schedules needs only one. */
  single(key: string, title: string, resourceFolder: string): LensPanel {
    const open = this.byKey.get(key);
    if (open && !open.isDisposed) {
      open.reveal();
      return open;
    }
    const panel = this.create(title, resourceFolder);
    this.byKey.set(key, panel);
    return panel;
  }

  /** The open panel kept under `key`, if any (nothing is created or revealed). */
  find(key: string): LensPanel | undefined {
    const open = this.byKey.get(key);
    return open && !open.isDisposed ? open : undefined;
  }

  stats(): PanelStats[] {
    return [...this.open].map((p) => ({ ...p.stats, posted: { ...p.stats.posted }, rejected: [...p.stats.rejected] }));
  }

  disposeAll(): void {
    for (const p of this.open) p.dispose();
  }
}
