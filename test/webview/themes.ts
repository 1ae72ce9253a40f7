/**
 * Fuller theme variable sets for the screenshots in docs/: the colours of VS Code's built-in Dark Modern
 * and Light Modern themes that the panels and the @vscode-elements controls read. The tests' own checks
 * use harness.ts's THEME_VARS; these only make the pictures look like VS Code.
 */
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENSHOTS } from './harness';

/** docs/ when DLENS_UPDATE_DOCS=1 (to refresh the README's pictures), else out/webview-tests/ beside the others. */
export const DOCS = process.env.DLENS_UPDATE_DOCS ? path.resolve('docs') : SCREENSHOTS;

const COMMON = { '--vscode-font-family': 'system-ui, "Segoe UI", sans-serif', '--vscode-font-size': '13px', '--vscode-button-foreground': '#ffffff', '--vscode-errorForeground': '#f85149' };

export const DARK_THEME: Record<string, string> = {
  ...COMMON,
  '--vscode-editor-background': '#1f1f1f', '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-button-background': '#0078d4', '--vscode-button-hoverBackground': '#026ec1', '--vscode-focusBorder': '#0078d4',
  '--vscode-settings-textInputBackground': '#313131', '--vscode-settings-textInputForeground': '#cccccc', '--vscode-settings-textInputBorder': '#3c3c3c',
  '--vscode-input-placeholderForeground': '#989898', '--vscode-panel-border': '#2b2b2b', '--vscode-editorWidget-background': '#202020',
  '--vscode-editorWidget-border': '#454545', '--vscode-editorHoverWidget-background': '#202020', '--vscode-editorHoverWidget-border': '#454545',
  '--vscode-progressBar-background': '#0078d4',
  '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7', '--vscode-charts-red': '#f14c4c', '--vscode-charts-yellow': '#cca700',
};

export const LIGHT_THEME: Record<string, string> = {
  ...COMMON,
  '--vscode-editor-background': '#ffffff', '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#3b3b3b',
  '--vscode-button-background': '#005fb8', '--vscode-button-hoverBackground': '#0258a8', '--vscode-focusBorder': '#005fb8',
  '--vscode-settings-textInputBackground': '#ffffff', '--vscode-settings-textInputForeground': '#3b3b3b', '--vscode-settings-textInputBorder': '#cecece',
  '--vscode-input-placeholderForeground': '#767676', '--vscode-panel-border': '#e5e5e5', '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-editorWidget-border': '#c8c8c8', '--vscode-editorHoverWidget-background': '#f8f8f8', '--vscode-editorHoverWidget-border': '#c8c8c8',
  '--vscode-progressBar-background': '#005fb8',
  '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#c27d1a', '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90', '--vscode-charts-red': '#e51400', '--vscode-charts-yellow': '#bf8803',
};

/** Sets a theme the way VS Code does: the variables on the root, the kind as the body's class. */
export async function useTheme(page: Page, vars: Record<string, string>): Promise<void> {
  await page.evaluate(([v, kind]) => {
    for (const [k, value] of Object.entries(v)) document.documentElement.style.setProperty(k, value);
    document.body.className = kind;
  }, [vars, vars === LIGHT_THEME ? 'vscode-light' : 'vscode-dark'] as const);
}
