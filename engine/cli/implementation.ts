/** `--impl FILE` for every command: the user's module, its load-time warnings printed to stderr. */
import { loadImplementation } from '../user/load';
import type { LoadedImplementation } from '../user/types';

export async function cliImplementation(file: string | undefined): Promise<LoadedImplementation | undefined> {
  if (!file) return undefined;
  const implementation = await loadImplementation(file);
  for (const w of implementation.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
  return implementation;
}
