/**
 * Registers a command with the two rules every command follows: restricted mode is checked first,
 * and no error escapes into the extension host: it is shown once, logged, and returned.
 */
import * as vscode from 'vscode';
import { restrictionReason } from '../trust';
import type { Services } from '../services';
import type { CommandResult } from './result';

export function register(s: Services, id: string, handler: (arg: unknown) => Promise<CommandResult>): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (arg: unknown): Promise<CommandResult> => {
    const reason = restrictionReason(id, vscode.workspace.isTrusted);
    if (reason) {
      s.log.line(reason);
      void vscode.window.showWarningMessage(reason, 'Manage Workspace Trust').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return { status: 'restricted', error: reason };
    }
    try {
      return await handler(arg);
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      s.log.error(message);
      return { status: 'error', error: message };
    }
  });
}
