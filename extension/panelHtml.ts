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
.player .toolbar, .player .breakpoints { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 6px 0; }
.player #scrub { flex: 1 1 240px; accent-color: var(--vscode-progressBar-background); } .player vscode-textfield.num { width: 7em; } .player #jump { width: 9em; }
.player .label { color: var(--vscode-descriptionForeground); } .player .sigma { margin-left: 12px; }
.player .keys { color: var(--vscode-descriptionForeground); font-size: 0.9em; } .player .keys ul { columns: 2; margin: 4px 0; }
#breakpointHit { color: var(--vscode-errorForeground, #f14c4c); font-weight: 600; }
.grids { display: flex; flex-wrap: wrap; gap: 12px; } .gridBlock { margin: 0; } .gridBlock figcaption { margin-bottom: 4px; color: var(--vscode-descriptionForeground); }
.gridBlock .grid canvas { width: 56px; height: 56px; } .grid canvas.hit { outline: 2px solid var(--vscode-errorForeground, #f14c4c); outline-offset: 1px; }
.statsChart { position: relative; height: 280px; margin-top: 12px; } .statsChart .cursor { position: absolute; width: 1px; pointer-events: none; opacity: 0.6; }
.sweep-form { display: grid; grid-template-columns: max-content minmax(200px, 480px); gap: 4px 8px; align-items: center; margin: 8px 0 12px; }
.sweep-form vscode-textfield { width: 100%; } .sweep-form vscode-button { grid-column: 2; justify-self: start; }
#sweepFormError { grid-column: 2; margin: 0; color: var(--vscode-errorForeground); } #sweepProgress { color: var(--vscode-descriptionForeground); }
#sweepGrid { border-collapse: separate; border-spacing: 4px; } #sweepGrid th { font-weight: 600; color: var(--vscode-descriptionForeground); }
#sweepGrid thead th { text-align: center; font-variant-numeric: tabular-nums; } #sweepGrid tbody th { text-align: right; max-width: 16em; overflow-wrap: anywhere; }
button.cell { display: block; padding: 0; width: 96px; height: 96px; border: 1px solid var(--vscode-panel-border, transparent); background: var(--vscode-editorWidget-background); cursor: pointer; }
button.cell canvas { width: 100%; height: 100%; image-rendering: pixelated; display: block; }
button.cell[data-filled=false] { border-style: dashed; cursor: default; } button.cell[data-filled=false] canvas { visibility: hidden; }
button.cell:focus-visible, button.cell:hover:not(:disabled) { outline: 2px solid var(--vscode-focusBorder); outline-offset: 1px; }
.strips h2 { font-size: 1em; font-weight: 600; margin: 16px 0 4px; } .strip { display: flex; gap: 8px; align-items: flex-start; margin: 4px 0; } .strip[hidden] { display: none; }
.strip-name { width: 8em; padding-top: 40px; color: var(--vscode-descriptionForeground); }
.strip-image { position: relative; margin: 0; text-align: center; font-size: 0.85em; color: var(--vscode-descriptionForeground); }
.strip-image canvas { width: 96px; height: 96px; image-rendering: pixelated; display: block; } .strip-image .tooltip { left: 100px; top: 8px; text-align: left; }
[hidden] { display: none !important; }
.colour-legend { display: inline-flex; align-items: center; gap: 6px; font-family: var(--vscode-editor-font-family); }
.colour-legend canvas { width: 160px; height: 12px; image-rendering: auto; border: 1px solid var(--vscode-panel-border, transparent); }
.heat-legend, #dashboard .controls { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 8px 0; }
.heat-columns { display: flex; flex-wrap: wrap; gap: 24px; } .heat-model h3 { font-size: 1em; font-weight: 600; margin: 8px 0; }
.heat-grid { display: grid; gap: 3px; align-items: center; } .heat-grid canvas { width: 64px; height: 64px; image-rendering: pixelated; }
.row-label { white-space: pre; font-size: 0.85em; color: var(--vscode-descriptionForeground); padding-right: 6px; }
.profile-legend { display: flex; gap: 16px; margin: 4px 0; } .profile-legend .swatch { margin-right: 4px; }
.readouts { font-family: var(--vscode-editor-font-family); margin: 8px 0; }
.profile { display: grid; grid-template-columns: auto 1fr; gap: 4px 8px; max-width: 640px; }
#profileMap { width: 100%; height: 180px; image-rendering: pixelated; background: var(--vscode-editorWidget-background); }
.profile-axis { display: flex; flex-direction: column; justify-content: space-between; font-size: 0.85em; color: var(--vscode-descriptionForeground); }
.profile-t { grid-column: 2; display: flex; justify-content: space-between; font-size: 0.85em; color: var(--vscode-descriptionForeground); }
.previews { display: flex; gap: 16px; flex-wrap: wrap; } .previews img { width: 480px; max-width: 100%; }
input[type=range] { accent-color: var(--vscode-focusBorder); vertical-align: middle; }
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
<section id="frame" class="player" hidden><div class="controls"></div><p class="where"><span id="frameInfo"></span> · <span class="mode"></span></p>
<p id="breakpointHit" role="alert" hidden></p><div class="grids"></div><div class="statsChart chart"></div></section>
<section id="sweep" hidden><div class="sweep-form" role="group" aria-label="new sweep">
<vscode-label for="sweepPrompt">Prompt</vscode-label><vscode-textfield id="sweepPrompt"></vscode-textfield>
<vscode-label for="sweepNegative">Negative prompt</vscode-label><vscode-textfield id="sweepNegative"></vscode-textfield>
<vscode-label for="sweepScales">Guidance scales</vscode-label><vscode-textfield id="sweepScales" placeholder="0, 1, 3, 5, 7.5, 10, 15"></vscode-textfield>
<vscode-button id="sweepRun">Run sweep</vscode-button><p id="sweepFormError" role="alert"></p></div>
<p id="sweepProgress" aria-live="polite"></p><table id="sweepGrid" aria-label="guidance sweep: columns are guidance scales, rows are seeds or prompts"></table></section>
<section id="heatmaps" hidden><div class="heat-legend"><span>|ε̂ − ε|</span><div class="shared"></div>
<label><input type="checkbox" id="heatPerModel"> a colour scale per model</label></div><div class="heat-columns"></div>
<h2>loss vs t</h2><div class="profile-legend"></div><figure class="chart" data-chart="lossProfile"><canvas role="img"></canvas></figure></section>
<section id="dashboard" hidden><p class="readouts" aria-live="polite"></p><div class="controls"><label><input type="checkbox" id="dashLogY"> log loss axis</label>
<label>smoothing <input type="range" id="dashSmoothing" min="0" max="0.99" step="0.01"></label></div>
<div class="charts"><figure class="chart" data-chart="loss"><canvas role="img"></canvas></figure><figure class="chart" data-chart="lr"><canvas role="img"></canvas></figure><figure class="chart" data-chart="throughput"><canvas role="img"></canvas></figure></div>
<h2>loss by timestep over training</h2><div class="profile"><div class="profile-axis"><span class="first"></span><span class="last"></span></div><canvas id="profileMap" role="img"></canvas><div class="profile-t"><span>t = 0</span><span>t = T</span></div></div><div class="profile-legend"></div>
<h2>previews</h2><div class="previews"><figure data-kind="ema" hidden><img alt="samples from the EMA weights"><figcaption></figcaption></figure><figure data-kind="raw" hidden><img alt="samples from the raw weights"><figcaption></figcaption></figure></div></section>
<section id="doctor" hidden></section>
<figure id="picture" hidden><img alt=""><figcaption></figcaption></figure><p id="error"></p>
<script nonce="${nonce}" src="${scriptUri}"></script></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
