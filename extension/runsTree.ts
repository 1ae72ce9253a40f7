/**
 * The "Runs" view: one item per folder in the runs folder, read from its manifest. Live progress comes
 * from the jobs of this window; a corrupt or partial record is an item that says what is wrong.
 */
import * as vscode from 'vscode';
import type { Jobs } from './jobs';
import { type RunInfo, scanRuns } from './runRecords';

export interface RunNode {
  kind: 'run';
  info: RunInfo;
  /** a job of this window is training it */
  live: boolean;
}

/** A plain copy of what the view shows, for the API (tests read the view through it). */
export interface RunItemView {
  label: string;
  description: string;
  tooltip: string;
  contextValue: string;
  icon: string;
  runDir: string;
}

const ICONS: Record<RunInfo['state'], string> = { running: 'sync~spin', completed: 'pass', cancelled: 'debug-stop', failed: 'error', corrupt: 'warning', partial: 'question' };

export class RunsTree implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private watcher: vscode.FileSystemWatcher | undefined;
  private watched = '';

  constructor(private readonly runsFolder: () => string, private readonly jobs: Jobs) {
    jobs.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  getChildren(element?: RunNode): RunNode[] {
    if (element) return [];
    const folder = this.runsFolder();
    this.watch(folder);
    return scanRuns(folder).map((info) => ({ kind: 'run', info, live: this.jobs.training(info.dir) !== undefined }));
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    const v = describeRun(node, this.jobs);
    const item = new vscode.TreeItem(v.label, vscode.TreeItemCollapsibleState.None);
    item.description = v.description;
    item.tooltip = new vscode.MarkdownString(v.tooltip);
    item.contextValue = v.contextValue;
    item.iconPath = new vscode.ThemeIcon(v.icon, node.info.state === 'failed' || node.info.state === 'corrupt' ? new vscode.ThemeColor('errorForeground') : undefined);
    item.resourceUri = vscode.Uri.file(node.info.dir);
    if (node.info.state !== 'corrupt' && node.info.state !== 'partial') item.command = { title: 'Open Run', command: 'diffusionLens.openRun', arguments: [node] };
    return item;
  }

  view(): RunItemView[] {
    return this.getChildren().map((n) => describeRun(n, this.jobs));
  }

  /** Manifests change on every checkpoint and status change; watch them (the folder may be outside the workspace). */
  private watch(folder: string): void {
    if (this.watched === folder) return;
    this.watcher?.dispose();
    this.watched = folder;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), '*/manifest.json'));
    for (const event of [this.watcher.onDidCreate, this.watcher.onDidChange, this.watcher.onDidDelete]) event(() => this.refresh());
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }
}

export function describeRun(node: RunNode, jobs: Jobs): RunItemView {
  const { info } = node;
  const m = info.manifest;
  const progress = node.live ? jobs.training(info.dir)?.progress : undefined;
  const step = progress?.step ?? info.step ?? 0;
  const steps = progress?.steps ?? info.steps ?? 0;
  const loss = progress?.loss ?? info.lastLoss;
  const lossText = loss !== undefined ? ` · loss ${loss.toFixed(4)}` : '';
  const descriptions: Record<RunInfo['state'], string> = {
    running: node.live ? `running · ${step}/${steps}${lossText}` : `running? ${step}/${steps} · not in this window (interrupted, or running elsewhere)`,
    completed: `completed · ${step}/${steps}${lossText}`,
    cancelled: `cancelled at ${step}/${steps}`,
    failed: `failed at ${step}/${steps}`,
    corrupt: `corrupt: ${info.problem ?? ''}`,
    partial: 'partial: no manifest.json',
  };
  const lines = [`**${info.name}**: ${descriptions[info.state]}`, '', `\`${info.dir}\``];
  if (m) {
    lines.push('', `- model: ${m.preset} U-Net, ${(m.parameters / 1e6).toFixed(2)}M parameters, conditioning ${m.model.cond}`);
    lines.push(`- data: ${m.dataset.spec}, ${m.dataset.imageSize}px, ${m.dataset.size} images`);
    lines.push(`- schedule: ${m.schedule.name}, T = ${m.schedule.T}`);
    lines.push(`- checkpoint: ${info.checkpointStep !== undefined ? `step ${info.checkpointStep}` : 'none yet'}`);
  }
  if (info.problem) lines.push('', `**${info.state === 'failed' ? 'Error' : 'Problem'}:** ${info.problem}`);
  if (info.fix) lines.push('', `**Fix:** ${info.fix}`);
  const live = info.state === 'running' && node.live ? '.live' : '';
  return { label: info.name, description: descriptions[info.state], tooltip: lines.join('\n'), contextValue: `run.${info.state}${live}`, icon: ICONS[info.state], runDir: info.dir };
}
