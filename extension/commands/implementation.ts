/**
 * Diffusion: Select Implementation File… — points `diffusionLens.implementation` at the user's own
 * module (betas, addNoise, timesteps, step, createModel; see engine/user/types.ts). Train, Sample and
 * Guidance Sweep then pass it to their jobs; the runner, never the extension host, loads and runs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { IMPLEMENTATION_EXTENSIONS } from '../../engine/user/bundle';
import type { Services } from '../services';
import type { Settings } from '../settings';
import { CommandArgError, isArgObject } from './args';
import type { CommandResult } from './result';

const NAME = 'Diffusion: Select Implementation File';

/** `{ file }` sets it without a dialog (tests, other extensions); `{ file: '' }` clears it. */
export async function selectImplementationCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  let file: string | undefined;
  if (isArgObject(arg) && 'file' in arg) {
    if (typeof arg.file !== 'string') throw new CommandArgError(NAME, 'file must be a string path.', 'pass { file: "src/my-ddpm.ts" } (relative to the workspace), or { file: "" } to go back to the reference.');
    file = arg.file;
  } else {
    const picked = await vscode.window.showOpenDialog({
      title: NAME, canSelectMany: false, canSelectFolders: false, defaultUri: folder, openLabel: 'Use This Implementation',
      filters: { 'TypeScript or JavaScript module': IMPLEMENTATION_EXTENSIONS.map((e) => e.slice(1)) },
    });
    if (!picked?.[0]) return { status: 'dismissed' };
    file = picked[0].fsPath;
  }
  if (file) {
    const absolute = path.resolve(folder?.fsPath ?? process.cwd(), file);
    if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) throw new CommandArgError(NAME, `${absolute} is not a file.`, 'choose the .ts or .js file that exports your betas, addNoise, timesteps, step or createModel.');
    // Stored relative to the workspace when inside it, so the setting travels with the repository.
    const relative = folder ? path.relative(folder.fsPath, absolute) : '';
    file = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : absolute;
  }
  const target = folder ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('diffusionLens').update('implementation', file || undefined, target);
  const text = file ? `Train, Sample and Guidance Sweep now run your implementation ${file} (the reference stands in for what it does not export).` : 'Train, Sample and Guidance Sweep use the reference implementation again.';
  s.log.info(text);
  return { status: 'completed', text, files: file ? [path.resolve(folder?.fsPath ?? process.cwd(), file)] : [] };
}

/** The job's `impl` field from the settings; in Restricted Mode it stays out, and the log says why. */
export function jobImplementation(s: Services, settings: Settings): { impl?: string } {
  if (settings.implementationIgnored) s.log.info(settings.implementationIgnored);
  return settings.implementation ? { impl: settings.implementation } : {};
}
