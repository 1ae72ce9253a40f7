/**
 * Inference timestep lists, descending, as diffusers defines the spacings (Lin et al. 2023, table 2):
 *   linspace: round(linspace(0, T-1, N))            leading: (0..N-1) * (T // N) + offset
 *   trailing: round(arange(T, 0, -T/N)) - 1
 * numpy rounds half to even, so we do too; the lists match diffusers element for element.
 */
import { DlensError, assertInteger } from './errors';

export const SPACINGS = ['leading', 'trailing', 'linspace'] as const;
export type Spacing = (typeof SPACINGS)[number];

export function isSpacing(s: string): s is Spacing {
  return (SPACINGS as readonly string[]).includes(s);
}

export function inferenceTimesteps(spacing: Spacing | string, T: number, N: number, stepsOffset = 0): number[] {
  assertInteger('T (number of training timesteps)', T, 2);
  if (!Number.isInteger(N) || N < 1 || N > T) {
    throw new DlensError('bad-steps', `Cannot take ${N} sampling steps with a ${T}-step schedule.`, `choose a number of steps from 1 to ${T}.`);
  }
  const out: number[] = [];
  switch (spacing) {
    case 'linspace':
      if (N === 1) {
        out.push(0);
      } else {
        // numpy.linspace: i * step, then the last point forced to the end.
        const step = (T - 1) / (N - 1);
        for (let i = 0; i < N - 1; i++) out.push(roundHalfEven(i * step));
        out.push(T - 1);
      }
      break;
    case 'leading': {
      const ratio = Math.floor(T / N);
      for (let i = 0; i < N; i++) out.push(i * ratio + stepsOffset);
      break;
    }
    case 'trailing': {
      const ratio = T / N;
      // numpy's arange(T, 0, -ratio) yields T - i*ratio while it stays > 0.
      for (let i = 0; T - i * ratio > 0 && i < N; i++) out.push(roundHalfEven(T - i * ratio) - 1);
      out.reverse();
      break;
    }
    default:
      throw new DlensError('unknown-spacing', `Unknown timestep spacing '${spacing}'.`, `use one of: ${SPACINGS.join(', ')}.`);
  }
  out.reverse();
  return validateTimesteps(out, T);
}

/** A custom list must be integers in 0..T-1, strictly descending, non-empty. */
export function validateTimesteps(list: readonly number[], T: number): number[] {
  if (list.length === 0) {
    throw new DlensError('bad-timesteps', 'The timestep list is empty.', 'give at least one timestep.');
  }
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    if (!Number.isInteger(t) || t < 0 || t >= T) {
      throw new DlensError('bad-timesteps', `Timestep list entry ${i} is ${t}, outside 0..${T - 1}.`, `use integer timesteps from 0 to ${T - 1}.`);
    }
    if (i > 0 && t >= list[i - 1]) {
      throw new DlensError('bad-timesteps', `Timestep list is not strictly descending at entry ${i} (${list[i - 1]} then ${t}).`, 'sort the list from the noisiest timestep down, without duplicates.');
    }
  }
  return [...list];
}

/** The previous timestep is read from the list in use, never from a fixed stride; -1 means "after the last step". */
export function previousTimestep(list: readonly number[], index: number): number {
  return index + 1 < list.length ? list[index + 1] : -1;
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends .5 up; numpy sends it to the even neighbour.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
