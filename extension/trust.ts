/**
 * Restricted mode. In an untrusted workspace nothing may execute the workspace's code; the built-in
 * models, datasets and schedules still work, since the runner then only runs the extension's own code.
 * No vscode import: the rule is unit-tested, extension.ts applies it.
 */

/** Commands that load code from the workspace (the user's own model or sampler). */
export const USER_CODE_COMMANDS: ReadonlySet<string> = new Set(['diffusionLens.checkImplementation']);

/** Training on the user's CLIP export loads and runs a model from the workspace: user code too. */
export function clipRestriction(trusted: boolean): string | undefined {
  if (trusted) return undefined;
  return 'This workspace is in Restricted Mode, and CLIP conditioning would load and run a text model from the workspace. Trust the workspace to use it, or choose class or text conditioning (the built-in encoder).';
}

export function restrictionReason(command: string, trusted: boolean): string | undefined {
  if (trusted || !USER_CODE_COMMANDS.has(command)) return undefined;
  return 'This workspace is in Restricted Mode, and this command would run code from the workspace (your model or sampler). Trust the workspace (Workspaces: Manage Workspace Trust) to use it; the built-in models, datasets and schedules work without trust.';
}
