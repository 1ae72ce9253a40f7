/**
 * What `activate` returns (vscode.extensions.getExtension(...).exports): a read-only view of the
 * extension's state. The host tests read it to check what a user would see; nothing here changes state.
 */
import type { PanelStats } from './panel';
import type { RunItemView } from './runsTree';
import type { Services } from './services';

export interface JobView {
  id: number;
  kind: string;
  dir: string;
  pid: number | undefined;
  step?: number;
  steps?: number;
  frames: number;
}

export interface DiffusionLensApi {
  runsFolder(): string;
  /** the Runs view's items, as the tree shows them */
  runs(): RunItemView[];
  jobs(): JobView[];
  panels(): PanelStats[];
  statusBarText(): string | undefined;
  errorsShown(): string[];
  /** the remembered choices of a command flow (workspaceState) */
  remembered(flow: string): object;
}

export function makeApi(s: Services, statusBarText: () => string | undefined): DiffusionLensApi {
  return {
    runsFolder: () => s.settings().runsFolder,
    runs: () => s.tree.view(),
    jobs: () => s.jobs.list().map((j) => ({ id: j.id, kind: j.spec.kind, dir: j.dir, pid: j.pid, step: j.progress?.step, steps: j.progress?.steps, frames: j.frames })),
    panels: () => s.panels.stats(),
    statusBarText,
    errorsShown: () => [...s.log.shownErrors],
    remembered: (flow) => s.memory.recall(flow),
  };
}
