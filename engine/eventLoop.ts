/**
 * Training and sampling steps are synchronous tensor work; awaiting resolved promises only runs
 * microtasks, so without a macrotask turn no signal handler or IPC cancel message would ever run.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
