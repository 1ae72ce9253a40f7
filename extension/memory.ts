/** The last choices of each command flow, per workspace (workspaceState), offered first next time. */
import type * as vscode from 'vscode';

export class Memory {
  constructor(private readonly state: vscode.Memento) {}

  recall<T extends object>(flow: string): Partial<T> {
    const v = this.state.get<unknown>(`diffusionLens.last.${flow}`);
    return typeof v === 'object' && v !== null ? (v as Partial<T>) : {};
  }

  remember<T extends object>(flow: string, choices: T): void {
    // Stored as JSON would be: no undefined fields, no shared references to live objects.
    void this.state.update(`diffusionLens.last.${flow}`, JSON.parse(JSON.stringify(choices)));
  }
}
