/**
 * Activation: wires commands, the Runs view and the status bar. Deliberately light: no engine and no
 * TensorFlow.js here (jobs run in a runner process), so activation costs milliseconds. Activated by a
 * command or by opening the Runs view (package.json activationEvents).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DiffusionLensApi, makeApi } from './api';
import { checkImplementationCommand } from './commands/checkImplementation';
import { dashboardCommand } from './commands/dashboard';
import { forwardCommand } from './commands/forward';
import { heatmapCommand } from './commands/heatmap';
import { selectImplementationCommand } from './commands/implementation';
import { openRunCommand } from './commands/openRun';
import { register } from './commands/register';
import { deleteRunCommand, resumeCommand, stopRunCommand } from './commands/runActions';
import { sampleCommand } from './commands/sample';
import { schedulesCommand } from './commands/schedules';
import { studyCommand } from './commands/study';
import { sweepCommand } from './commands/sweep';
import { trainCommand } from './commands/train';
import { TrainDashboards } from './dashboard';
import { Jobs } from './jobs';
import { Log } from './log';
import { Memory } from './memory';
import { Panels } from './panels';
import { RunsTree } from './runsTree';
import type { Services } from './services';
import { readSettings } from './settings';
import { TrainingStatus } from './statusBar';

export function activate(context: vscode.ExtensionContext): DiffusionLensApi {
  const log = new Log();
  const status = new TrainingStatus();
  const jobs = new Jobs(context.asAbsolutePath(path.join('dist', 'runner.js')), log, status);
  const settings = () => readSettings(path.join(context.globalStorageUri.fsPath, 'runs'));
  const tree = new RunsTree(() => settings().runsFolder, jobs);
  const panels = new Panels(context.extensionUri, log);
  const s: Services = {
    context, log, jobs, tree, settings, panels,
    dashboards: new TrainDashboards(panels),
    memory: new Memory(context.workspaceState),
    builtinImage: context.asAbsolutePath(path.join('examples', 'shapes.png')),
  };
  const commands: [string, (arg: unknown) => Promise<unknown>][] = [
    ['diffusionLens.train', (a) => trainCommand(s, a)],
    ['diffusionLens.sample', (a) => sampleCommand(s, a)],
    ['diffusionLens.sweep', (a) => sweepCommand(s, a)],
    ['diffusionLens.showSchedules', () => schedulesCommand(s)],
    ['diffusionLens.visualizeForward', (a) => forwardCommand(s, a)],
    ['diffusionLens.checkImplementation', (a) => checkImplementationCommand(s, a)],
    ['diffusionLens.selectImplementation', (a) => selectImplementationCommand(s, a)],
    ['diffusionLens.openRun', (a) => openRunCommand(s, a)],
    ['diffusionLens.stopRun', (a) => stopRunCommand(s, a)],
    ['diffusionLens.resumeTraining', (a) => resumeCommand(s, a)],
    ['diffusionLens.deleteRun', (a) => deleteRunCommand(s, a)],
    ['diffusionLens.errorHeatmaps', (a) => heatmapCommand(s, a)],
    ['diffusionLens.showDashboard', (a) => dashboardCommand(s, a)],
    ['diffusionLens.augmentationStudy', (a) => studyCommand(s, a)],
  ];
  context.subscriptions.push(
    log, status, jobs, tree,
    vscode.window.createTreeView('diffusionLens.runs', { treeDataProvider: tree, showCollapseAll: false }),
    vscode.commands.registerCommand('diffusionLens.refreshRuns', () => tree.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('diffusionLens.runsFolder') && tree.refresh()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => tree.refresh()),
    { dispose: () => s.panels.disposeAll() },
    ...commands.map(([id, run]) => register(s, id, run as never)),
  );
  return makeApi(s, () => status.text);
}

export function deactivate(): void {}
