/**
 * Diffusion: Check My Implementation… — runs the user's own model/sampler code against exact answers.
 * The checks themselves (`dlens doctor`) arrive with issue 6; until then the command says so plainly
 * instead of pretending. It is already gated as user code: disabled in Restricted Mode.
 */
import type { Services } from '../services';
import type { CommandResult } from './result';

export const NOT_YET = 'Check My Implementation is not available yet: the implementation checks (dlens doctor) arrive with issue 6. The built-in models, sampling, sweeps and schedules work now.';

export async function checkImplementationCommand(s: Services): Promise<CommandResult> {
  s.log.info(NOT_YET);
  return { status: 'unavailable', error: NOT_YET };
}
