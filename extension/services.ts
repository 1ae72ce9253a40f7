/** What every command needs, created once at activation (cheap: no engine, no runner). */
import type * as vscode from 'vscode';
import type { TrainDashboards } from './dashboard';
import type { Jobs } from './jobs';
import type { Log } from './log';
import type { Memory } from './memory';
import type { Panels } from './panels';
import type { RunsTree } from './runsTree';
import type { Settings } from './settings';

export interface Services {
  context: vscode.ExtensionContext;
  log: Log;
  jobs: Jobs;
  panels: Panels;
  dashboards: TrainDashboards;
  memory: Memory;
  tree: RunsTree;
  settings(): Settings;
  /** the built-in example image (examples/shapes.png in the extension) */
  builtinImage: string;
}
