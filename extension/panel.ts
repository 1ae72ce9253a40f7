/**
 * A panel's host side: builds its HTML (strict CSP with a nonce, resources only from the extension's
 * dist/webview and the runs folder), forwards frames with flow control, validates what the panel sends.
 * Frames: one in flight until the panel acknowledges it, only the newest kept meanwhile (LatestWins).
 * A panel with a run record attached (attachRecord) is a trajectory player: it gets every recorded step's
 * statistics as the record grows, and its seeks are answered from the record on disk (FrameSource).
 * Other panel kinds (sweep grid, forward strips, error heatmaps, training dashboard) resend what they
 * hold through `keep`; Check My Implementation shows the doctor's findings.
 */
import * as vscode from 'vscode';
import type { DoctorReport } from '../engine/doctor/types';
import { type CellMessage, type DoctorMessage, type ExportStudyMessage, type FrameMessage, type HeaderMessage, type HeatmapMessage, LatestWins, type OpenCellMessage, type PanelFrameMessage, type RunSweepMessage, type SchedulesMessage, type StatusMessage, type StudyMessage, type StudyView, type ToPanel, parseFromPanel } from '../engine/protocol';
import { FrameSource } from '../engine/runner/frameSource';
import { LoadWatchdog } from './loadWatchdog';
import type { Log } from './log';
import { makeNonce, panelHtml } from './panelHtml';

export interface PanelStats {
  title: string;
  visible: boolean;
  ready: boolean;
  framesOffered: number;
  framesSent: number;
  framesDropped: number;
  framesShown: number;
  lastStepShown: number;
  cells: number;
  /** trajectory player: steps whose statistics the panel was sent, seeks answered, the last step sought */
  statsSteps: number;
  seeksAnswered: number;
  lastStepSought: number;
  /** keys of the messages kept for a rebuilt webview (keep()), e.g. 'sweepGrid', 'forwardStrip:cosine' */
  kept: string[];
  /** error-heatmap columns received */
  heatmaps: number;
  /** messages posted to the webview, by type (frames excluded: see framesSent) */
  posted: Record<string, number>;
  /** check ids of the doctor findings sent to the panel */
  findings: string[];
  rejected: string[];
  /** the dataset of the augmentation study shown, if any */
  study?: string;
  /** times the webview was reloaded because its script never said 'ready' (LoadWatchdog) */
  reloads: number;
  /** ms from the panel's creation to its page's first 'ready' (undefined before) */
  firstReadyMs?: number;
}

/** how long a visible panel may take to run its script before it is reloaded, and how often */
export const PANEL_LOAD_TIMEOUT_MS = 10_000;
const PANEL_MAX_RELOADS = 2;

/** What a panel asks the extension to do (its controls); the command that owns the panel answers. */
export type PanelRequest = RunSweepMessage | OpenCellMessage;

export class LensPanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly gate: LatestWins<PanelFrameMessage>;
  private seq = 0;
  private latest: PanelFrameMessage | undefined;
  private header: HeaderMessage | undefined;
  private status: StatusMessage | undefined;
  private picture: ToPanel | undefined;
  private schedulesShown: SchedulesMessage | undefined;
  private doctorShown: DoctorMessage | undefined;
  private studyShown: StudyMessage | undefined;
  /** the Augmentation Study panel's Export button: its charts, rendered by the panel */
  onExportStudy: ((msg: ExportStudyMessage) => void) | undefined;
  private readonly cells = new Map<string, CellMessage>();
  /** state a panel kind keeps (sweep grid, strips, dashboard history, heatmaps): sent again whenever the webview is rebuilt */
  private readonly kept = new Map<string, () => ToPanel | undefined>();
  private requestHandler: ((request: PanelRequest) => void) | undefined;
  private disposed = false;
  private source: FrameSource | undefined;
  private readonly watchdog: LoadWatchdog;
  private readonly createdAt = Date.now();
  readonly stats: PanelStats;

  constructor(title: string, extensionUri: vscode.Uri, resourceFolder: vscode.Uri, private readonly log: Log, onDispose: (p: LensPanel) => void) {
    this.panel = vscode.window.createWebviewPanel('diffusionLens.panel', title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), resourceFolder],
    });
    this.stats = { title, visible: true, ready: false, framesOffered: 0, framesSent: 0, framesDropped: 0, framesShown: 0, lastStepShown: -1, cells: 0, statsSteps: 0, seeksAnswered: 0, lastStepSought: -1, kept: [], heatmaps: 0, posted: {}, findings: [], rejected: [], reloads: 0 };
    this.gate = new LatestWins((frame) => {
      this.stats.framesSent++;
      void this.panel.webview.postMessage(frame);
    });
    const load = () => (this.panel.webview.html = html(this.panel.webview, extensionUri, title));
    this.watchdog = new LoadWatchdog({
      timeoutMs: PANEL_LOAD_TIMEOUT_MS,
      maxReloads: PANEL_MAX_RELOADS,
      isVisible: () => !this.disposed && this.panel.visible,
      reload: (attempt) => {
        this.stats.reloads = attempt;
        this.stats.ready = false;
        log.line(`panel "${title}": its page did not start within ${PANEL_LOAD_TIMEOUT_MS / 1000} s; loading it again (${attempt} of ${PANEL_MAX_RELOADS}).`);
        load();
      },
      gaveUp: () => {
        const text = `The panel "${title}" did not load after ${PANEL_MAX_RELOADS} retries. Fix: close it and run the command again; if it stays blank, run Developer: Reload Window. What was recorded is kept on disk (Open Run shows it).`;
        log.line(text);
        void vscode.window.showWarningMessage(text);
      },
    });
    load();
    this.watchdog.arm();
    this.panel.webview.onDidReceiveMessage((raw) => this.receive(raw));
    this.panel.onDidChangeViewState((e) => {
      const wasVisible = this.stats.visible;
      this.stats.visible = e.webviewPanel.visible;
      // Shown again after being hidden: VS Code builds a new webview, which must say 'ready' again.
      if (this.stats.visible && !wasVisible) this.watchdog.shown(true);
    });
    this.panel.onDidDispose(() => {
      this.disposed = true;
      this.watchdog.disarm();
      onDispose(this);
    });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  setHeader(title: string, lines: string[]): void {
    this.header = { type: 'header', title, lines };
    this.post(this.header);
  }

  setStatus(state: StatusMessage['state'], text: string): void {
    this.status = { type: 'status', state, text };
    this.post(this.status);
  }

  showPicture(file: vscode.Uri, caption: string): void {
    this.picture = { type: 'picture', src: this.panel.webview.asWebviewUri(file).toString(), caption };
    this.post(this.picture);
  }

  /** The Schedules panel's curves; kept so a rebuilt webview gets them again. */
  showSchedules(msg: SchedulesMessage): void {
    this.schedulesShown = msg;
    this.post(msg);
  }

  /** Makes this panel a trajectory player over the record in `dir` (being written, or finished). */
  attachRecord(dir: string): void {
    this.source = new FrameSource(dir);
    this.syncRecord();
  }

  /** Sends the statistics of steps recorded since the last call (the runner records a frame before sending it). */
  syncRecord(): void {
    if (!this.source || this.disposed || !this.stats.ready) return;
    this.source.refresh();
    for (const p of this.source.problems.splice(0)) this.log.line(`${this.source.dir}: ${p}`);
    const chunk = this.source.stats(this.stats.statsSteps);
    if (!chunk) return;
    this.post(chunk);
    this.stats.statsSteps = this.source.count;
  }

  /** Sends `current()` now and again each time the webview is rebuilt; a later call with the key replaces it. */
  keep(key: string, current: () => ToPanel | undefined): void {
    this.kept.set(key, current);
    this.stats.kept = [...this.kept.keys()];
    const msg = current();
    if (msg) this.post(msg);
  }

  /** A one-off message (an increment of what `keep` resends whole). Dropped while the webview is not ready. */
  send(msg: ToPanel): void {
    this.post(msg);
  }

  /** A file under the panel's resource folders, as the webview may load it. */
  resourceUri(file: vscode.Uri): string {
    return this.panel.webview.asWebviewUri(file).toString();
  }

  /** Check My Implementation's findings; kept so a rebuilt webview gets them again. */
  showDoctor(file: string, report: DoctorReport): void {
    this.doctorShown = { type: 'doctor', file, report };
    this.stats.findings = report.findings.map((f) => f.check);
    this.post(this.doctorShown);
  }

  /** An augmentation study's report; pictures are files in the panel's resource folder. */
  showStudy(study: StudyView, pictures: { file: vscode.Uri; caption: string }[]): void {
    this.studyShown = { type: 'study', study, pictures: pictures.map((p) => ({ src: this.panel.webview.asWebviewUri(p.file).toString(), caption: p.caption })) };
    this.stats.study = study.dataset;
    this.post(this.studyShown);
  }

  frame(frame: FrameMessage): void {
    if (this.disposed) return;
    this.syncRecord();
    this.stats.framesOffered++;
    this.latest = { ...frame, type: 'frame', seq: this.seq++ };
    // Until the panel says it is ready, keep only the newest; 'ready' sends it.
    if (!this.stats.ready) return;
    this.gate.offer(this.latest);
    this.stats.framesDropped = this.gate.dropped;
  }

  cell(cell: CellMessage): void {
    this.cells.set(`${cell.row},${cell.col}`, cell);
    this.stats.cells = this.cells.size;
    this.post(cell);
  }

  /** A new sweep in the same panel: the old cells must not come back on a rebuild. */
  clearCells(): void {
    this.cells.clear();
    this.stats.cells = 0;
  }

  /** Who answers the panel's requests (Run, a cell click); requests nobody answers are logged. */
  onRequest(handler: (request: PanelRequest) => void): void {
    this.requestHandler = handler;
  }

  /** One model's error maps; both columns are kept, so a rebuilt webview shows them again. */
  heatmap(msg: HeatmapMessage): void {
    this.stats.heatmaps++;
    this.keep(`heatmap:${msg.column}`, () => msg);
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    this.panel.dispose();
  }

  private post(msg: ToPanel): void {
    if (this.disposed || !this.stats.ready) return;
    this.stats.posted[msg.type] = (this.stats.posted[msg.type] ?? 0) + 1;
    void this.panel.webview.postMessage(msg);
  }

  private receive(raw: unknown): void {
    let msg;
    try {
      msg = parseFromPanel(raw);
    } catch (err) {
      this.stats.rejected.push((err as Error).message);
      this.log.line(`panel "${this.stats.title}": ${(err as Error).message}`);
      return;
    }
    if (msg.type === 'ready') {
      // First load, or the webview was rebuilt: send the whole state again, and the newest frame.
      this.stats.ready = true;
      this.stats.firstReadyMs ??= Date.now() - this.createdAt;
      this.watchdog.ready();
      for (const m of [this.header, this.status, this.schedulesShown, this.doctorShown, this.studyShown, this.picture, ...this.cells.values(), ...[...this.kept.values()].map((f) => f())]) if (m) this.post(m);
      this.stats.statsSteps = 0;
      this.syncRecord();
      this.gate.reset(this.latest);
    } else if (msg.type === 'frameShown') {
      this.stats.framesShown++;
      this.stats.lastStepShown = msg.step;
      this.gate.ack();
    } else if (msg.type === 'seek') {
      this.seek(msg.step, msg.request);
    } else if (msg.type === 'exportStudy') {
      this.onExportStudy?.(msg);
    } else if (msg.type === 'panelError') {
      this.stats.rejected.push(msg.message);
      this.log.line(`panel "${this.stats.title}" rejected a message: ${msg.message}`);
    } else if (this.requestHandler) {
      this.requestHandler(msg);
    } else {
      this.log.line(`panel "${this.stats.title}": nothing here answers '${msg.type}'.`);
    }
  }

  private seek(step: number, request: number): void {
    if (!this.source) {
      this.post({ type: 'seekError', request, step, message: 'this panel has no run record to read other steps from. To step through a sampling run, open it with Diffusion: Open Run.' });
      return;
    }
    // The step may have been recorded after the last refresh (a live run).
    if (step >= this.source.count) this.syncRecord();
    try {
      this.post(this.source.frame(step, request));
      this.stats.seeksAnswered++;
      this.stats.lastStepSought = step;
    } catch (err) {
      this.post({ type: 'seekError', request, step, message: `${(err as Error).message} Pick a step the record holds.` });
    }
  }
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'panel.js')).toString();
  return panelHtml({ title, cspSource: webview.cspSource, scriptUri, nonce: makeNonce() });
}
