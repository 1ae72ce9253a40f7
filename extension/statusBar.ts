/** The status bar item while a training job runs: step, loss and speed of the most recently updated one. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainProgressMessage } from '../engine/protocol';

export class TrainingStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('diffusionLens.training', vscode.StatusBarAlignment.Left, 10);
  private owner: number | undefined;

  constructor() {
    this.item.name = 'Diffusion Lens training';
  }

  starting(jobId: number, runDir: string): void {
    this.owner = jobId;
    this.item.text = `$(sync~spin) Diffusion: starting ${path.basename(runDir)}`;
    this.item.tooltip = runDir;
    this.item.command = { title: 'Open Run', command: 'diffusionLens.openRun', arguments: [{ runDir }] };
    this.item.show();
  }

  update(jobId: number, runDir: string, p: TrainProgressMessage): void {
    this.owner = jobId;
    const loss = Number.isFinite(p.loss) ? p.loss.toFixed(4) : String(p.loss);
    this.item.text = `$(sync~spin) Diffusion: ${p.step}/${p.steps} · loss ${loss} · ${p.stepsPerSecond.toFixed(2)} it/s`;
    this.item.tooltip = `${path.basename(runDir)}: step ${p.step} of ${p.steps}, loss ${loss}, ${p.stepsPerSecond.toFixed(2)} steps/s. Click to open the run.`;
    this.item.command = { title: 'Open Run', command: 'diffusionLens.openRun', arguments: [{ runDir }] };
    this.item.show();
  }

  ended(jobId: number): void {
    if (this.owner !== jobId) return;
    this.owner = undefined;
    this.item.hide();
  }

  get text(): string | undefined {
    return this.owner === undefined ? undefined : this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
