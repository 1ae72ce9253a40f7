/** Where records go. No vscode import (unit-tested). */
import * as path from 'node:path';

/** Default: `<workspace>/.diffusion-lens/runs`; a relative setting is read from the first workspace folder. */
export function resolveRunsFolder(setting: string, workspaceFolder: string | undefined, noWorkspaceFallback: string): string {
  const value = setting.trim();
  if (value && path.isAbsolute(value)) return path.normalize(value);
  if (!workspaceFolder) return noWorkspaceFallback;
  return path.resolve(workspaceFolder, value || path.join('.diffusion-lens', 'runs'));
}

/** The implementation setting as an absolute path (relative = from the first workspace folder); undefined when unset. */
export function resolveImplementationPath(setting: string, workspaceFolder: string | undefined): string | undefined {
  const value = setting.trim();
  if (!value) return undefined;
  if (path.isAbsolute(value)) return path.normalize(value);
  return path.resolve(workspaceFolder ?? process.cwd(), value);
}

/** Sample, sweep and forward outputs of runs live in the run; forward-process strips (no run) here. Dot-folders are not runs. */
export function forwardFolder(runsFolder: string): string {
  return path.join(runsFolder, '.forward');
}

/** `2026-11-26T07-05-09` : sortable, and valid in file names on every platform. */
export function stamp(date = new Date()): string {
  return date.toISOString().slice(0, 19).replace(/:/g, '-');
}

/** A readable run folder name that does not exist yet. */
export function newRunName(parts: string[], exists: (name: string) => boolean, date = new Date()): string {
  const base = [...parts.map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '')).filter(Boolean), stamp(date)].join('-');
  let name = base;
  for (let i = 2; exists(name); i++) name = `${base}-${i}`;
  return name;
}
