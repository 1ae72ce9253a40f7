/**
 * The panel's state kept by VS Code (getState/setState): it survives the webview being hidden and shown
 * or rebuilt, while the extension resends the data. What comes back is checked, since it may come from
 * an older version of the panel.
 */

export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export interface PanelState {
  /** schedules the user switched off in the Schedules panel's legend */
  hiddenSchedules: string[];
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
  // Optional fields appear only when saved and valid, so an older panel's state reads back unchanged.
  return {
    hiddenSchedules: hidden,
    ...(typeof o.lossLogScale === 'boolean' ? { lossLogScale: o.lossLogScale } : {}),
    ...(typeof o.lossSmoothing === 'number' && o.lossSmoothing >= 0 && o.lossSmoothing < 1 ? { lossSmoothing: o.lossSmoothing } : {}),
    ...(typeof o.heatmapScalePerModel === 'boolean' ? { heatmapScalePerModel: o.heatmapScalePerModel } : {}),
  };
}
