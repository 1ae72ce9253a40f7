/** Shared by the host suites: the extension's API, command calls and polling. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffusionLensApi } from '../../../extension/api';
import type { CommandResult } from '../../../extension/commands/result';

export const EXTENSION_ID = 'diffusion-lens.diffusion-lens';

export function extension(): vscode.Extension<DiffusionLensApi> {
  const ext = vscode.extensions.getExtension<DiffusionLensApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded in this host`);
  return ext;
}

export async function api(): Promise<DiffusionLensApi> {
  return extension().activate();
}

export function run(command: string, args?: unknown): Promise<CommandResult> {
  return Promise.resolve(vscode.commands.executeCommand<CommandResult>(`diffusionLens.${command}`, args));
}

export function workspace(): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('the test host opened no workspace folder');
  return folder;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}. ${describeWorkbench()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a failed wait leaves to go on: the editor tabs, and what each panel was sent and drew. */
function describeWorkbench(): string {
  const tabs = vscode.window.tabGroups.all.map((g) => g.tabs.map((t) => `${t.isActive ? '*' : ''}${t.label}`).join(', ')).join(' | ');
  const ext = vscode.extensions.getExtension<DiffusionLensApi>(EXTENSION_ID);
  const panels = ext?.isActive
    ? ext.exports.panels().map((p) => `"${p.title}": ${p.visible ? 'visible' : 'hidden'}, ${p.ready ? 'ready' : 'not ready'}, reloads ${p.reloads}, frames offered/sent/shown ${p.framesOffered}/${p.framesSent}/${p.framesShown}, last step shown ${p.lastStepShown}, posted ${JSON.stringify(p.posted)}${p.rejected.length ? `, rejected ${p.rejected.join('; ')}` : ''}`).join('; ')
    : 'extension not active';
  return `Tabs: ${tabs || 'none'}. Panels: ${panels || 'none'}.`;
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function runsFolder(): string {
  return path.join(workspace(), '.diffusion-lens', 'runs');
}

/**
 * Runs a command without arguments, so it asks its questions, and answers each with the offered
 * default (the selected quick-pick item, the pre-filled input) as a user pressing Enter would.
 */
export async function runAcceptingDefaults(command: string, timeoutMs = 60_000): Promise<CommandResult> {
  const result = run(command);
  let settled = false;
  void result.finally(() => (settled = true));
  // Keep pressing Enter until the command is done: with no question open, the accept is a no-op.
  for (const deadline = Date.now() + timeoutMs; !settled && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 300));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return result;
}

/** Asks the driver for a screenshot of the workbench now (out/vscode-tests/<session>/<name>.png). */
export async function screenshot(name: string): Promise<void> {
  console.log(`DLENS_SCREENSHOT ${name}`);
  await new Promise((r) => setTimeout(r, 1500));
}

/**
 * Asks the driver to click (or type `value` into) what `selector` matches in the visible panel, as a user
 * would. The driver acts on its own time: the test waits for the effects.
 */
export function inPanel(action: 'click' | 'fill', selector: string, value?: string): void {
  console.log(`DLENS_PANEL ${JSON.stringify({ action, selector, value })}`);
}

/** A measurement worth reporting (printed by the driver after the run). */
export function note(text: string): void {
  (globalThis as { __dlensNotes?: string[] }).__dlensNotes?.push(text);
}

/** Fast training settings: the tiny U-Net on 16 px shapes, batches of 4. */
export const TINY = { dataset: 'shapes', preset: 'tiny', batchSize: 4, seed: 1 } as const;
