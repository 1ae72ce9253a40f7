/** The job's user implementation, loaded in this (runner) process with what it provides said in the log. */
import * as path from 'node:path';
import { loadImplementation } from '../user/load';
import type { LoadedImplementation } from '../user/types';
import type { JobContext } from './context';

export async function jobImplementation(file: string | undefined, ctx: Pick<JobContext, 'log'>): Promise<LoadedImplementation | undefined> {
  if (!file) return undefined;
  const loaded = await loadImplementation(file);
  ctx.log(`your implementation ${path.basename(loaded.file)}: ${loaded.provided.join(', ')} (the reference stands in for the rest)`);
  for (const w of loaded.warnings ?? []) ctx.log(w, 'warn');
  return loaded;
}
