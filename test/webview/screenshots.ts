/** Screenshots of the panels for the README (docs/), in a dark and a light theme. */
import * as path from 'node:path';
import type { Page } from 'playwright-core';

/** VS Code's Light+ colours for what the panels read. */
export const LIGHT_THEME: Record<string, string> = {
  '--vscode-foreground': 'rgb(59, 59, 59)',
  '--vscode-descriptionForeground': 'rgb(113, 113, 113)',
  '--vscode-editor-background': 'rgb(255, 255, 255)',
  '--vscode-editorWidget-background': 'rgb(243, 243, 243)',
  '--vscode-panel-border': 'rgb(229, 229, 229)',
  '--vscode-charts-blue': 'rgb(0, 90, 180)',
  '--vscode-charts-orange': 'rgb(201, 114, 0)',
  '--vscode-charts-green': 'rgb(56, 138, 52)',
  '--vscode-charts-purple': 'rgb(101, 45, 144)',
};

/** Written only when DLENS_DOCS_SCREENSHOTS is set, so an ordinary test run leaves the checkout clean. */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (!process.env.DLENS_DOCS_SCREENSHOTS) return;
  await page.waitForTimeout(100);
  await page.screenshot({ path: path.resolve('docs', name), fullPage: true });
}
