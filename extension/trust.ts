/**
 * Restricted mode. In an untrusted workspace nothing may execute the workspace's code; the built-in
 * models, datasets and schedules still work, since the runner then only runs the extension's own code.
 * No vscode import: the rule is unit-tested, extension.ts applies it.
 */

/** Commands that load code from the workspace (the user's own model or sampler). */
export const USER_CODE_COMMANDS: ReadonlySet<string> = new Set(['diffusionLens.checkImplementation', 'diffusionLens.selectImplementation']);

/** Training on the user's CLIP export loads and runs a model from the workspace: user code too. */
export function clipRestriction(trusted: boolean): string | undefined {
  if (trusted) return undefined;
  return 'This workspace is in Restricted Mode, and CLIP conditioning would load and run a text model from the workspace. Trust the workspace to use it, or choose class or text conditioning (the built-in encoder).';
}

/** The implementation setting names workspace code: train/sample/sweep leave it out in Restricted Mode, and say so. */
export function implementationRestriction(trusted: boolean, file: string | undefined): string | undefined {
  if (trusted || !file) return undefined;
  return `This workspace is in Restricted Mode, so the implementation file ${file} (diffusionLens.implementation) is not run; the reference schedule, sampler and U-Net are used. Trust the workspace to run your implementation.`;
}

export function restrictionReason(command: string, trusted: boolean): string | undefined {
  if (trusted || !USER_CODE_COMMANDS.has(command)) return undefined;
  return 'This workspace is in Restricted Mode, and this command would run code from the workspace (your model or sampler). Trust the workspace (Workspaces: Manage Workspace Trust) to use it; the built-in models, datasets and schedules work without trust.';
}
