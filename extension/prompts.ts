/**
 * The interactive half of each command: quick picks and input boxes with the last answer first.
 * Every helper returns undefined when the user dismisses it, and the flow then stops quietly.
 */
import * as vscode from 'vscode';
import { parseNumberList } from './commands/args';

export interface Choice<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export async function pick<T>(title: string, choices: Choice<T>[], last?: T, placeHolder?: string): Promise<T | undefined> {
  const items = choices.map((c) => ({ ...c, description: c.value === last ? [c.description, '(last used)'].filter(Boolean).join(' ') : c.description }));
  const lastIndex = items.findIndex((c) => c.value === last);
  if (lastIndex > 0) items.unshift(...items.splice(lastIndex, 1));
  const chosen = await vscode.window.showQuickPick(items, { title, placeHolder, ignoreFocusOut: true });
  return chosen?.value;
}

export async function askInt(title: string, prompt: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title, prompt, value: String(value), ignoreFocusOut: true,
    validateInput: (s) => {
      const n = Number(s);
      return Number.isInteger(n) && n >= min && n <= max ? undefined : `Enter a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}.`;
    },
  });
  return text === undefined ? undefined : Number(text);
}

export async function askNumber(title: string, prompt: string, value: number, min: number, max: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title, prompt, value: String(value), ignoreFocusOut: true,
    validateInput: (s) => {
      const n = Number(s);
      return s.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? undefined : `Enter a number from ${min} to ${max}.`;
    },
  });
  return text === undefined ? undefined : Number(text);
}

export async function askNumbers(title: string, prompt: string, value: number[], check: (n: number) => boolean, rule: string): Promise<number[] | undefined> {
  const text = await vscode.window.showInputBox({
    title, prompt, value: value.join(', '), ignoreFocusOut: true,
    validateInput: (s) => {
      const list = parseNumberList(s);
      return list && list.every(check) ? undefined : `Enter numbers separated by commas; ${rule}.`;
    },
  });
  return text === undefined ? undefined : parseNumberList(text);
}

export async function askText(title: string, prompt: string, value: string, placeHolder?: string): Promise<string | undefined> {
  return vscode.window.showInputBox({ title, prompt, value, placeHolder, ignoreFocusOut: true });
}
