/**
 * Diffusion: Show Noise Schedules — beta_t, alphaBar_t and log-SNR of every schedule plotted in a panel,
 * plus the same numbers at a few timesteps as a table in the output channel (searchable, copyable).
 * Pure float64 tables, so no runner and no backend are needed.
 */
import { diffusionTables } from '../../engine/diffusion';
import type { SchedulesMessage } from '../../engine/protocol';
import { SCHEDULE_NAMES, makeBetas } from '../../engine/schedules';
import { STRIP_TIMESTEPS, showForwardStrips } from '../forwardStrips';
import type { Services } from '../services';
import type { CommandResult } from './result';

const T = 1000;

export async function schedulesCommand(s: Services): Promise<CommandResult> {
  const text = scheduleSummary(T);
  s.log.channel.clear();
  s.log.line(text);
  const panel = s.panels.single('schedules', 'Noise schedules', s.settings().runsFolder);
  panel.setHeader(`Noise schedules, T = ${T}`, [
    'β_t, ᾱ_t and log-SNR(t) = log(ᾱ_t / (1 − ᾱ_t)); hover a curve for the exact values.',
    `Below: the built-in example image under q(x_t | x_0) at t = ${STRIP_TIMESTEPS.join(', ')}, the same noise for every schedule; hover an image for ᾱ_t and SNR.`,
  ]);
  panel.showSchedules(scheduleCurves(T));
  // The strips need a runner (TensorFlow.js); the plots do not wait for them.
  void showForwardStrips(s, T, () => s.panels.find('schedules')).catch((err: Error) => {
    s.log.line(`forward-process strips: ${err.message}`);
    s.panels.find('schedules')?.setStatus('failed', `The forward-process strips could not be computed: ${err.message}. Fix: see the Diffusion Lens output channel, then run Show Noise Schedules again.`);
  });
  return { status: 'completed', text };
}

/** Every built-in schedule's curves, as the protocol carries them (the engine's float64 tables, unchanged). */
export function scheduleCurves(T: number): SchedulesMessage {
  const schedules = SCHEDULE_NAMES.map((name) => {
    const d = diffusionTables(makeBetas(name, T));
    return { name, betas: d.betas, alphasCumprod: d.alphasCumprod, logSnr: d.logSnr };
  });
  return { type: 'schedules', T, schedules };
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
