/** The `diffusionLens.*` settings, read fresh each time a command starts (changes apply to the next job). */
import * as vscode from 'vscode';
import { BACKEND_CHOICES, type BackendChoiceName } from '../engine/protocol';
import { PRESET_NAMES, type PresetName } from '../engine/nn/presets';
import { resolveImplementationPath, resolveRunsFolder } from './paths';
import { implementationRestriction } from './trust';

export interface Settings {
  backend: BackendChoiceName;
  runsFolder: string;
  defaultDataset: string;
  defaultModelPreset: PresetName;
  previewInterval: number;
  /** the user's implementation file (absolute) for train/sample/sweep jobs; never set in Restricted Mode */
  implementation?: string;
  /** why a configured implementation is not used (Restricted Mode) */
  implementationIgnored?: string;
}

/** `fallbackFolder` is used without a workspace folder (the extension's global storage). */
export function readSettings(fallbackFolder: string): Settings {
  const c = vscode.workspace.getConfiguration('diffusionLens');
  const backend = c.get<string>('backend', 'auto');
  const preset = c.get<string>('defaultModelPreset', 'tiny');
  const interval = c.get<number>('previewInterval', 200);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return {
    // The settings schema already warns about bad values in the editor; here they fall back to defaults.
    backend: (BACKEND_CHOICES as readonly string[]).includes(backend) ? (backend as BackendChoiceName) : 'auto',
    // In Restricted Mode VS Code ignores a workspace's value for this setting (restrictedConfigurations).
    runsFolder: resolveRunsFolder(c.get<string>('runsFolder', ''), folder, fallbackFolder),
    defaultDataset: c.get<string>('defaultDataset', 'shapes') || 'shapes',
    defaultModelPreset: (PRESET_NAMES as readonly string[]).includes(preset) ? (preset as PresetName) : 'tiny',
    previewInterval: Number.isInteger(interval) && interval >= 0 ? interval : 200,
    ...implementationSetting(c.get<string>('implementation', ''), folder),
  };
}

/** Workspace code runs only in a trusted workspace (package.json lists the setting as restricted too). */
function implementationSetting(value: string, folder: string | undefined): Pick<Settings, 'implementation' | 'implementationIgnored'> {
  const file = resolveImplementationPath(value, folder);
  const ignored = implementationRestriction(vscode.workspace.isTrusted, file);
  return ignored ? { implementationIgnored: ignored } : { implementation: file };
}
