/**
 * The panel page, without a vscode import so the webview tests in Chromium serve exactly this HTML (and
 * so exactly this CSP). The CSP allows scripts and styles only with the page's nonce, and images only
 * from the webview's own resource origin; chart.js styles canvases through the CSSOM, which CSP allows.
 */

export interface PanelPage {
  title: string;
  /** webview.cspSource: the origin of the webview's own resources */
  cspSource: string;
  /** URI of dist/webview/panel.js as the webview sees it */
  scriptUri: string;
  nonce: string;
}

export function makeNonce(): string {
  return Array.from({ length: 32 }, () => Math.floor(Math.random() * 36).toString(36)).join('');
}

export function panelHtml({ title, cspSource, scriptUri, nonce }: PanelPage): string {
  const csp = `default-src 'none'; img-src ${cspSource}; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 16px; }
h1 { font-size: 1.2em; font-weight: 600; } ul { padding-left: 1.2em; color: var(--vscode-descriptionForeground); }
#status[data-state=failed] { color: var(--vscode-errorForeground); } #status[data-state=running] { color: var(--vscode-progressBar-background); }
.grid { display: grid; gap: 4px; justify-content: start; } .grid canvas { image-rendering: pixelated; width: 96px; height: 96px; background: var(--vscode-editorWidget-background); }
.cell { display: flex; flex-direction: column; font-size: 0.85em; color: var(--vscode-descriptionForeground); }
img { image-rendering: pixelated; max-width: 100%; } #error { color: var(--vscode-errorForeground); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; }
.chart { position: relative; height: 260px; margin: 0; }
.tooltip { position: absolute; pointer-events: none; z-index: 1; padding: 4px 8px; white-space: nowrap; font-size: 0.9em;
  color: var(--vscode-editorHoverWidget-foreground, var(--vscode-foreground)); background: var(--vscode-editorHoverWidget-background, var(--vscode-editor-background));
  border: 1px solid var(--vscode-editorHoverWidget-border, var(--vscode-panel-border)); }
.legend { display: flex; gap: 16px; margin: 8px 0; } .legend label { display: flex; align-items: center; gap: 4px; cursor: pointer; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; vertical-align: middle; }
.tooltip .value { font-family: var(--vscode-editor-font-family); }
#doctor .findings { list-style: none; padding: 0; } .finding { border-left: 3px solid var(--vscode-panel-border); padding: 4px 12px; margin: 12px 0; }
.finding[data-severity=error] { border-color: var(--vscode-errorForeground); } .finding[data-severity=warning] { border-color: var(--vscode-editorWarning-foreground, #cca700); }
.finding .head { display: flex; gap: 8px; align-items: baseline; } .finding .severity, .finding .export { color: var(--vscode-descriptionForeground); }
.finding[data-severity=error] .icon { color: var(--vscode-errorForeground); } .finding[data-severity=warning] .icon { color: var(--vscode-editorWarning-foreground, #cca700); }
.comparison { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; } .comparison dt { color: var(--vscode-descriptionForeground); } .comparison dd { margin: 0; }
.finding .values, #doctor .notes { color: var(--vscode-descriptionForeground); font-size: 0.9em; } .finding .chart { max-width: 640px; margin: 8px 0; } .finding .plot { position: relative; height: 220px; }
#doctor .summary[data-verdict=error] { color: var(--vscode-errorForeground); } #doctor .passed summary { color: var(--vscode-testing-iconPassed, #73c991); }
</style></head>
<body><h1 id="title"></h1><ul id="lines"></ul><p id="status"></p>
<section id="schedules" hidden><div class="legend" role="group" aria-label="schedules shown"></div><div class="charts"></div></section>
<section id="frame" hidden><p id="frameInfo"></p><h2>x<sub>t</sub></h2><div id="xGrid" class="grid"></div><h2>predicted x<sub>0</sub></h2><div id="x0Grid" class="grid"></div></section>
<section id="doctor" hidden></section>
<section id="sweep" hidden><h2>guidance sweep</h2><div id="cells" class="grid"></div></section>
<figure id="picture" hidden><img alt=""><figcaption></figcaption></figure><p id="error"></p>
<script nonce="${nonce}" src="${scriptUri}"></script></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
