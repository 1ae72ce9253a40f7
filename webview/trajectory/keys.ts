/**
 * The player's keyboard, like a debugger's: F10 steps to the next timestep, F5 continues (plays until a
 * breakpoint or the end), Space toggles play/pause. Pure, so the mapping is tested without a page.
 */

export type KeyAction =
  | { kind: 'step'; delta: number }
  | { kind: 'first' }
  | { kind: 'last' }
  | { kind: 'toggle' }
  | { kind: 'continue' }
  | { kind: 'pause' }
  | { kind: 'jump' };

export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

/** One line per key, for the panel's help text and the README. */
export const KEY_HELP = [
  '→ or F10: next step',
  '← or Shift+F10: previous step',
  'PageDown / PageUp: 10 steps',
  'Home / End: first / last step',
  'Space: play / pause',
  'F5: continue to the next breakpoint',
  'Shift+F5 or Escape: pause',
  'G: jump to a timestep',
];

export function keyAction(e: KeyLike): KeyAction | undefined {
  if (e.ctrlKey || e.altKey || e.metaKey) return undefined;
  switch (e.key) {
    case 'ArrowRight':
      return { kind: 'step', delta: 1 };
    case 'ArrowLeft':
      return { kind: 'step', delta: -1 };
    case 'F10':
      return { kind: 'step', delta: e.shiftKey ? -1 : 1 };
    case 'PageDown':
      return { kind: 'step', delta: 10 };
    case 'PageUp':
      return { kind: 'step', delta: -10 };
    case 'Home':
      return { kind: 'first' };
    case 'End':
      return { kind: 'last' };
    case ' ':
      return { kind: 'toggle' };
    case 'F5':
      return e.shiftKey ? { kind: 'pause' } : { kind: 'continue' };
    case 'Escape':
      return { kind: 'pause' };
    case 'g':
    case 'G':
      return { kind: 'jump' };
    default:
      return undefined;
  }
}

/** The step whose timestep is nearest to t (timesteps descend along the trajectory); -1 for none. */
export function stepOfTimestep(timesteps: ArrayLike<number>, count: number, t: number): number {
  let best = -1;
  for (let s = 0; s < count; s++) if (best < 0 || Math.abs(timesteps[s] - t) < Math.abs(timesteps[best] - t)) best = s;
  return best;
}
