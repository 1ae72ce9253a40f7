/**
 * A panel's host side: builds its HTML (strict CSP with a nonce, resources only from the extension's
 * dist/webview and the runs folder), forwards frames with flow control, validates what the panel sends.
 * Frames: one in flight until the panel acknowledges it, only the newest kept meanwhile (LatestWins).
 * It shows the frames of x_t and predicted x0, sweep cells, a picture, the job status and the schedule
 * plots; the trajectory player, heatmaps and dashboards are still to come (issue 5).
 */
import * as vscode from 'vscode';
import { type CellMessage, type ExportStudyMessage, type FrameMessage, type HeaderMessage, LatestWins, type PanelFrameMessage, type SchedulesMessage, type StatusMessage, type StudyMessage, type StudyView, type ToPanel, parseFromPanel } from '../engine/protocol';
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
  rejected: string[];
  /** the dataset of the augmentation study shown, if any */
  study?: string;
}

export class LensPanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly gate: LatestWins<PanelFrameMessage>;
  private seq = 0;
  private latest: PanelFrameMessage | undefined;
  private header: HeaderMessage | undefined;
  private status: StatusMessage | undefined;
  private picture: ToPanel | undefined;
  private schedulesShown: SchedulesMessage | undefined;
  private studyShown: StudyMessage | undefined;
  /** the Augmentation Study panel's Export button: its charts, rendered by the panel */
  onExportStudy: ((msg: ExportStudyMessage) => void) | undefined;
  private readonly cells = new Map<string, CellMessage>();
  private disposed = false;
  readonly stats: PanelStats;

  constructor(title: string, extensionUri: vscode.Uri, resourceFolder: vscode.Uri, private readonly log: Log, onDispose: (p: LensPanel) => void) {
    this.panel = vscode.window.createWebviewPanel('diffusionLens.panel', title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), resourceFolder],
    });
    this.stats = { title, visible: true, ready: false, framesOffered: 0, framesSent: 0, framesDropped: 0, framesShown: 0, lastStepShown: -1, cells: 0, rejected: [] };
    this.gate = new LatestWins((frame) => {
      this.stats.framesSent++;
      void this.panel.webview.postMessage(frame);
    });
    this.panel.webview.html = html(this.panel.webview, extensionUri, title);
    this.panel.webview.onDidReceiveMessage((raw) => this.receive(raw));
    this.panel.onDidChangeViewState((e) => (this.stats.visible = e.webviewPanel.visible));
    this.panel.onDidDispose(() => {
      this.disposed = true;
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

  /** An augmentation study's report; pictures are files in the panel's resource folder. */
  showStudy(study: StudyView, pictures: { file: vscode.Uri; caption: string }[]): void {
    this.studyShown = { type: 'study', study, pictures: pictures.map((p) => ({ src: this.panel.webview.asWebviewUri(p.file).toString(), caption: p.caption })) };
    this.stats.study = study.dataset;
    this.post(this.studyShown);
  }

  frame(frame: FrameMessage): void {
    if (this.disposed) return;
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

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    this.panel.dispose();
  }

  private post(msg: ToPanel): void {
    if (!this.disposed && this.stats.ready) void this.panel.webview.postMessage(msg);
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
      for (const m of [this.header, this.status, this.schedulesShown, this.studyShown, this.picture, ...this.cells.values()]) if (m) this.post(m);
      this.gate.reset(this.latest);
    } else if (msg.type === 'frameShown') {
      this.stats.framesShown++;
      this.stats.lastStepShown = msg.step;
      this.gate.ack();
    } else if (msg.type === 'exportStudy') {
      this.onExportStudy?.(msg);
    } else {
      this.stats.rejected.push(msg.message);
      this.log.line(`panel "${this.stats.title}" rejected a message: ${msg.message}`);
    }
  }
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'panel.js')).toString();
  return panelHtml({ title, cspSource: webview.cspSource, scriptUri, nonce: makeNonce() });
}
