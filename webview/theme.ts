/**
 * Colours from the VS Code theme (--vscode-* CSS variables on the webview's root), so the charts match
 * every theme; VS Code rewrites the variables and the body's class when the theme changes.
 */

export interface ChartTheme {
  foreground: string;
  grid: string;
  font: string;
  /** one colour per series, from the theme's chart palette */
  series: string[];
}

/** The theme's chart palette (VS Code's `charts.*` colours), in the order series take them. */
const SERIES_VARS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
/** Used only where a variable is missing (a page outside VS Code): VS Code's default dark palette. */
const SERIES_FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];

export function readTheme(root: HTMLElement = document.documentElement): ChartTheme {
  const style = getComputedStyle(root);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v('--vscode-foreground', '#cccccc'),
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128, 128, 128, 0.35)')),
    font: v('--vscode-font-family', 'sans-serif'),
    series: SERIES_VARS.map((name, i) => v(name, SERIES_FALLBACK[i])),
  };
}

/** Calls `changed` whenever VS Code switches the theme (it swaps the body's vscode-light/dark/high-contrast class). */
export function onThemeChange(changed: () => void): void {
  new MutationObserver(changed).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
