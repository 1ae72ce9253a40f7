/** Which run a command is about: the tree item it was invoked on, an argument, or the user's pick. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type RunInfo, readRunInfo, scanRuns } from '../runRecords';
import type { Services } from '../services';
import { CommandArgError, isArgObject } from './args';

/** The run folder named by a tree node, `{ runDir }`, or a path string; undefined when there is no argument. */
export function runDirOf(command: string, arg: unknown, runsFolder: string): string | undefined {
  if (arg === undefined || arg === null) return undefined;
  if (typeof arg === 'string') return path.resolve(runsFolder, arg);
  if (isArgObject(arg)) {
    const node = arg as { kind?: unknown; info?: { dir?: unknown }; runDir?: unknown };
    if (node.kind === 'run' && typeof node.info?.dir === 'string') return node.info.dir;
    if (typeof node.runDir === 'string' && node.runDir) return path.resolve(runsFolder, node.runDir);
  }
  throw new CommandArgError(command, `cannot tell which run ${JSON.stringify(arg)} means.`, 'pass { runDir: "<run folder>" } or a run folder path.');
}

/** The run an argument names, checked to exist and be readable; or one the user picks from `filter`ed runs. */
export async function resolveRun(s: Services, command: string, arg: unknown, filter: (r: RunInfo) => boolean, why: string): Promise<RunInfo | undefined> {
  const folder = s.settings().runsFolder;
  const dir = runDirOf(command, arg, folder);
  if (dir) {
    const info = readRunInfo(dir);
    if (info.state === 'corrupt' || info.state === 'partial') throw new CommandArgError(command, `${dir} is not a usable run (${info.state}): ${info.problem}`, info.fix ?? 'choose another run in the Runs view.');
    if (!filter(info)) throw new CommandArgError(command, `run ${info.name} cannot be used here: ${why}.`, 'choose another run in the Runs view.');
    return info;
  }
  const runs = scanRuns(folder).filter((r) => r.state !== 'corrupt' && r.state !== 'partial' && filter(r));
  if (!runs.length) {
    void vscode.window.showInformationMessage(`Diffusion Lens: no run in ${folder} fits (${why}).`, 'Train Model…').then((c) => {
      if (c) void vscode.commands.executeCommand('diffusionLens.train');
    });
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.name, description: `${r.state} · step ${r.step}/${r.steps}`, detail: r.manifest ? `${r.manifest.preset}, ${r.manifest.dataset.spec}, conditioning ${r.manifest.model.cond}` : undefined, run: r })),
    { title: command, placeHolder: 'Choose a run', ignoreFocusOut: true },
  );
  return picked?.run;
}

export const hasCheckpoint = (r: RunInfo): boolean => r.checkpointStep !== undefined;

/** Called with arguments, a command never prompts: the run must be named. */
export function requireRunDir(command: string, runDir: string | undefined): string {
  if (!runDir) throw new CommandArgError(command, "'runDir' is missing.", 'pass { runDir: "<run folder>" } (or call the command without arguments to pick one).');
  return runDir;
}
