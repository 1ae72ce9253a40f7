/**
 * chart.js tooltips rendered as HTML rather than on the canvas: themed with the hover-widget colours like
 * VS Code's own hovers, selectable text, and readable by the webview tests.
 */
import type { Chart, TooltipModel } from 'chart.js';

/** Six significant digits: enough to tell neighbouring timesteps of any schedule apart. */
export function formatValue(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(5) : v.toPrecision(6);
}

export function htmlTooltip(context: { chart: Chart; tooltip: TooltipModel<'line'> }): void {
  const { chart, tooltip } = context;
  const host = chart.canvas.parentElement!;
  let el = host.querySelector<HTMLElement>('.tooltip');
  if (!el) {
    el = document.createElement('div');
    el.className = 'tooltip';
    el.setAttribute('role', 'tooltip');
    host.appendChild(el);
  }
  if (tooltip.opacity === 0) {
    el.hidden = true;
    return;
  }
  const title = document.createElement('div');
  title.className = 'title';
  title.textContent = tooltip.title.join(' ');
  const rows = tooltip.dataPoints.map((p, i) => {
    const row = document.createElement('div');
    row.className = 'row';
    row.dataset.series = p.dataset.label ?? '';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = String(tooltip.labelColors[i]?.borderColor ?? '');
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = formatValue(p.parsed.y ?? NaN);
    row.append(swatch, `${p.dataset.label}: `, value);
    return row;
  });
  el.replaceChildren(title, ...rows);
  el.hidden = false;
  // Keep the box inside the chart: flip to the left of the cursor in the right half.
  const left = tooltip.caretX > chart.width / 2 ? tooltip.caretX - el.offsetWidth - 12 : tooltip.caretX + 12;
  el.style.left = `${Math.max(0, left)}px`;
  el.style.top = `${Math.max(0, tooltip.caretY - el.offsetHeight / 2)}px`;
}
