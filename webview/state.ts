/**
 * The panel's state kept by VS Code (getState/setState): it survives the webview being hidden and shown
 * or rebuilt, while the extension resends the data. What comes back is checked, since it may come from
 * an older version of the panel.
 */
import { type TrajectoryState, readTrajectoryState } from './trajectory/saved';

export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export interface PanelState {
  /** schedules the user switched off in the Schedules panel's legend */
  hiddenSchedules: string[];
  /** the trajectory player's step, mode and settings (webview/trajectory/saved.ts) */
  trajectory?: TrajectoryState;
}

export class StateStore {
  private state: PanelState;

  constructor(private readonly api: VsCodeApi) {
    this.state = readState(api.getState());
  }

  get(): Readonly<PanelState> {
    return this.state;
  }

  update(patch: Partial<PanelState>): void {
    this.state = { ...this.state, ...patch };
    this.api.setState(this.state);
  }
}

function readState(saved: unknown): PanelState {
  const o = typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  const hidden = Array.isArray(o.hiddenSchedules) ? o.hiddenSchedules.filter((s): s is string => typeof s === 'string') : [];
  return { hiddenSchedules: hidden, ...(o.trajectory !== undefined ? { trajectory: readTrajectoryState(o.trajectory) } : {}) };
}
