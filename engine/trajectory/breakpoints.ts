/**
 * Trajectory breakpoints, like a debugger's: conditions tested on each step's statistics as the player
 * runs (live or playing back). The first step that meets one stops the player, and the hit names the
 * condition, the step and the image. Pure: the panel and the unit tests share it.
 */
import { type StepStats, theoreticalStd } from './stats';

export interface BreakpointSettings {
  /** stop on any NaN or ±Inf in x_t, ε̂, x0 or the guidance branches */
  nonFinite: boolean;
  boundOn: boolean;
  /** stop when max |x_t| of an image exceeds this */
  bound: number;
  stdOn: boolean;
  /** stop when std(x_t) of an image departs from the theoretical std by more than this many percent */
  stdPercent: number;
}

export const DEFAULT_BREAKPOINTS: BreakpointSettings = { nonFinite: true, boundOn: true, bound: 10, stdOn: false, stdPercent: 50 };

export type BreakpointCondition = 'nonFinite' | 'bound' | 'std';

export interface BreakpointHit {
  condition: BreakpointCondition;
  step: number;
  /** 0-based index of the image in the batch */
  image: number;
  /** one line for the panel, naming condition, step, timestep and image */
  text: string;
}

export interface StepContext {
  step: number;
  t: number;
  /** ᾱ_t of the step's timestep; NaN when the record does not know it (the std condition is then skipped) */
  alphaBar: number;
  sigmaData: number;
}

/** The condition this step meets (non-finite values first, as they also spoil the other two), or undefined. */
export function checkStep(stats: StepStats, at: StepContext, s: BreakpointSettings): BreakpointHit | undefined {
  const where = (image: number) => `at step ${at.step} (t = ${at.t}), image #${image}`;
  if (s.nonFinite) {
    const image = stats.nonFinite.findIndex((c) => c > 0);
    if (image >= 0) return { condition: 'nonFinite', step: at.step, image, text: `NaN/Inf ${where(image)}: ${stats.nonFinite[image]} non-finite values` };
  }
  if (s.boundOn) {
    const image = argmax(stats.xMaxAbs.map((m) => (m > s.bound ? m : -Infinity)));
    if (image >= 0) return { condition: 'bound', step: at.step, image, text: `|x| > ${s.bound} ${where(image)}: max |x_t| = ${stats.xMaxAbs[image].toPrecision(4)}` };
  }
  if (s.stdOn && Number.isFinite(at.alphaBar)) {
    const theory = theoreticalStd(at.alphaBar, at.sigmaData);
    const departure = stats.xStd.map((v) => (100 * Math.abs(v - theory)) / theory);
    const image = argmax(departure.map((d) => (d > s.stdPercent ? d : -Infinity)));
    if (image >= 0) {
      return { condition: 'std', step: at.step, image, text: `std(x_t) off theory by ${departure[image].toFixed(1)}% (> ${s.stdPercent}%) ${where(image)}: ${stats.xStd[image].toPrecision(4)} vs ${theory.toPrecision(4)}` };
    }
  }
  return undefined;
}

/** Index of the largest value, or -1 when every value is -Infinity (nothing qualifies). */
function argmax(values: number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (values[i] > -Infinity && (best < 0 || values[i] > values[best])) best = i;
  return best;
}

/** Keeps what a user typed within sense: a bound above 0, a percentage in (0, 1000]. */
export function readBreakpoints(saved: unknown): BreakpointSettings {
  const o = typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  const d = DEFAULT_BREAKPOINTS;
  const flag = (k: keyof BreakpointSettings, v: boolean) => (typeof o[k] === 'boolean' ? (o[k] as boolean) : v);
  const positive = (k: keyof BreakpointSettings, v: number, max: number) => (typeof o[k] === 'number' && Number.isFinite(o[k]) && (o[k] as number) > 0 && (o[k] as number) <= max ? (o[k] as number) : v);
  return { nonFinite: flag('nonFinite', d.nonFinite), boundOn: flag('boundOn', d.boundOn), bound: positive('bound', d.bound, 1e30), stdOn: flag('stdOn', d.stdOn), stdPercent: positive('stdPercent', d.stdPercent, 1000) };
}
