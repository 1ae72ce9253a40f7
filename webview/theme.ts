/**
 * Colours from the VS Code theme (--vscode-* CSS variables on the webview's root), so the charts match
 * every theme; VS Code rewrites the variables and the body's class when the theme changes.
 */
import type { Chart } from 'chart.js';

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

interface ThemedScale {
  grid?: object;
  ticks?: object;
  title?: { color?: unknown };
}

/**
 * A line or bar chart in the theme's colours: series from the palette in order, text, grid and font. The
 * caller updates the chart (a bar chart needs a full update to drop its resolved colours).
 */
export function applyChartTheme<T extends 'line' | 'bar', D>(chart: Chart<T, D>, theme: ChartTheme): void {
  chart.data.datasets.forEach((d, i) => {
    const colour = theme.series[i % theme.series.length];
    Object.assign(d, { borderColor: colour, backgroundColor: colour });
  });
  const o = chart.options as { color?: unknown; font?: object; scales?: Record<string, ThemedScale | undefined> };
  o.color = theme.foreground;
  o.font = { ...o.font, family: theme.font };
  for (const axis of [o.scales!.x!, o.scales!.y!]) {
    axis.grid = { ...axis.grid, color: theme.grid };
    axis.ticks = { ...axis.ticks, color: theme.foreground };
    if (axis.title) axis.title.color = theme.foreground;
  }
}
