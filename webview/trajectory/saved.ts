/** What the player keeps across hide/show and reload (VS Code's getState/setState), checked on the way back in. */
import { type BreakpointSettings, readBreakpoints } from '../../engine/trajectory/breakpoints';
import { DEFAULT_SIGMA_DATA } from '../../engine/trajectory/stats';

export interface TrajectoryState {
  /** the step on screen; -1 before any */
  step: number;
  /** paused by the user or a breakpoint (a reload seeks `step`), else following the live run / the last step */
  paused: boolean;
  breakpoints: BreakpointSettings;
  sigmaData: number;
  /** the user typed σ_data: a value recorded with the trajectory no longer replaces it */
  sigmaDataSet: boolean;
  /** the last step the breakpoints have tested: a reload does not stop again where the user continued */
  checked: number;
}

export function readTrajectoryState(saved: unknown): TrajectoryState {
  const o = typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  const step = typeof o.step === 'number' && Number.isInteger(o.step) && o.step >= -1 ? o.step : -1;
  const sigma = typeof o.sigmaData === 'number' && o.sigmaData > 0 && o.sigmaData <= 10 ? o.sigmaData : DEFAULT_SIGMA_DATA;
  const checked = typeof o.checked === 'number' && Number.isInteger(o.checked) && o.checked >= -1 ? o.checked : -1;
  return { step, paused: o.paused === true && step >= 0, breakpoints: readBreakpoints(o.breakpoints), sigmaData: sigma, sigmaDataSet: o.sigmaDataSet === true && sigma === o.sigmaData, checked };
}
