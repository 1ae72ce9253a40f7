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

/** The sweep panel's fields as last typed (run or not), so a rebuilt webview shows what the user wrote. */
export interface SweepDraft {
  prompt: string;
  negativePrompt: string;
  scales: string;
}

export interface PanelState {
  /** schedules the user switched off in the Schedules panel's legend */
  hiddenSchedules: string[];
  /** the trajectory player's step, mode and settings (webview/trajectory/saved.ts) */
  trajectory?: TrajectoryState;
  sweepDraft?: SweepDraft;
  /** training dashboard: the loss axis is logarithmic */
  lossLogScale?: boolean;
  /** training dashboard: EMA smoothing factor of the loss line, 0..0.999 */
  lossSmoothing?: number;
  /** error heatmaps: each model's maps on its own colour scale instead of one shared scale */
  heatmapScalePerModel?: boolean;
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
  const d = typeof o.sweepDraft === 'object' && o.sweepDraft !== null ? (o.sweepDraft as Record<string, unknown>) : undefined;
  const draft = d && typeof d.prompt === 'string' && typeof d.negativePrompt === 'string' && typeof d.scales === 'string' ? { prompt: d.prompt, negativePrompt: d.negativePrompt, scales: d.scales } : undefined;
  return {
    hiddenSchedules: hidden,
    ...(o.trajectory !== undefined ? { trajectory: readTrajectoryState(o.trajectory) } : {}),
    ...(draft ? { sweepDraft: draft } : {}),
    ...(typeof o.lossLogScale === 'boolean' ? { lossLogScale: o.lossLogScale } : {}),
    ...(typeof o.lossSmoothing === 'number' && o.lossSmoothing >= 0 && o.lossSmoothing < 1 ? { lossSmoothing: o.lossSmoothing } : {}),
    ...(typeof o.heatmapScalePerModel === 'boolean' ? { heatmapScalePerModel: o.heatmapScalePerModel } : {}),
  };
}
