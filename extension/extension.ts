/**
 * The VS Code side. Thin: it moves messages and shows results; the math lives in engine/.
 * Schedules are pure float64 tables, so this command needs no tensor backend and activates instantly.
 */
import * as vscode from 'vscode';
import { diffusionTables } from '../engine/diffusion';
import { SCHEDULE_NAMES, makeBetas } from '../engine/schedules';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Diffusion Lens');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('diffusionLens.showSchedules', () => {
      output.clear();
      output.appendLine(scheduleSummary(1000));
      output.show(true);
    }),
  );
}

/** alphasCumprod and log-SNR of every schedule at a few timesteps, one row per schedule. */
export function scheduleSummary(T: number): string {
  const picks = [0, Math.floor(T / 4), Math.floor(T / 2), Math.floor((3 * T) / 4), T - 1];
  const lines = [`Noise schedules, T = ${T}: alphasCumprod (log-SNR) at t = ${picks.join(', ')}`];
  for (const name of SCHEDULE_NAMES) {
    const d = diffusionTables(makeBetas(name, T));
    lines.push(`${name.padEnd(14)} ${picks.map((t) => `${d.alphasCumprod[t].toFixed(4)} (${d.logSnr[t].toFixed(2)})`).join('  ')}`);
  }
  return lines.join('\n');
}

export function deactivate(): void {}
