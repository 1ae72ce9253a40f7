/** Diffusion: Show Noise Schedules — pure float64 tables, so no runner and no backend are needed. */
import { diffusionTables } from '../../engine/diffusion';
import { SCHEDULE_NAMES, makeBetas } from '../../engine/schedules';
import type { Services } from '../services';
import type { CommandResult } from './result';

export async function schedulesCommand(s: Services): Promise<CommandResult> {
  const text = scheduleSummary(1000);
  s.log.channel.clear();
  s.log.line(text);
  s.log.channel.show(true);
  return { status: 'completed', text };
}

/** alphasCumprod and log-SNR of every schedule at a few timesteps, one row per schedule. */
export function scheduleSummary(T: number): string {
  const picks = [0, Math.floor(T / 4), Math.floor(T / 2), Math.floor((3 * T) / 4), T - 1];
  const lines = [`Noise schedules, T = ${T}: alphasCumprod (log-SNR) at t = ${picks.join(', ')}`];
  for (const name of SCHEDULE_NAMES) {
    const d = diffusionTables(makeBetas(name, T));
    lines.push(`${name.padEnd(14)} ${picks.map((t) => `${d.alphasCumprod[t].toFixed(4)} (${d.logSnr[t].toFixed(2)})`).join('  ')}`);
  }
  return lines.join('\n');
}
