/**
 * Check My Implementation: the doctor's findings, errors first, each with its severity icon, message,
 * expected vs measured, the fix, and (where the evidence is a series) a chart of measured against expected.
 * Then the passed and skipped checks, folded.
 */
import { Chart, type ChartDataset, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import type { EvidencePlot, Finding } from '../engine/doctor/types';
import type { DoctorMessage } from '../engine/protocol';
import { readTheme } from './theme';
import { formatValue, htmlTooltip } from './tooltip';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip);

const ICON = { error: '✖', warning: '⚠' } as const;
type Points = { x: number; y: number | null }[];
const charts: Chart<'line', Points>[] = [];

export function showDoctor(msg: DoctorMessage, section: HTMLElement): void {
  section.hidden = false;
  for (const c of charts.splice(0)) c.destroy();
  const { report } = msg;
  const errors = report.findings.filter((f) => f.severity === 'error');
  const warnings = report.findings.filter((f) => f.severity === 'warning');
  const summary = el('p', 'summary', `${msg.file}: ${count(errors.length, 'error')}, ${count(warnings.length, 'warning')}, ${report.passed.length} checks passed (T = ${report.settings.T}, ${report.settings.steps} steps, seed ${report.settings.seed}).`);
  summary.dataset.verdict = errors.length ? 'error' : warnings.length ? 'warning' : 'ok';
  const list = el('ul', 'findings');
  list.setAttribute('aria-label', 'findings');
  for (const f of [...errors, ...warnings]) list.appendChild(findingItem(f));
  const notes = el('ul', 'notes');
  notes.replaceChildren(...report.notes.map((n) => el('li', '', n)));
  const passed = folded(`✔ Passed (${report.passed.length})`, 'passed', report.passed.map((id) => el('li', '', id)));
  const skipped = folded(`Skipped (${report.skipped.length})`, 'skipped', report.skipped.map((s) => el('li', '', `${s.check}: ${s.reason}`)));
  section.replaceChildren(summary, list, notes, passed, skipped);
}

function findingItem(f: Finding): HTMLElement {
  const li = el('li', 'finding');
  li.dataset.check = f.check;
  li.dataset.severity = f.severity;
  const head = el('div', 'head');
  const icon = el('span', 'icon', ICON[f.severity]);
  icon.setAttribute('aria-label', f.severity);
  head.append(icon, el('code', 'check', f.check), el('span', 'severity', f.severity), ...(f.export ? [el('span', 'export', `in ${f.export}`)] : []));
  const dl = el('dl', 'comparison');
  for (const [term, text, cls] of [['expected', f.expected, 'expected'], ['measured', f.measured, 'measured'], ['fix', f.fix, 'fix']]) dl.append(el('dt', '', term), el('dd', cls, text));
  li.append(head, el('p', 'message', f.message), dl);
  const values = Object.entries(f.evidence.values ?? {}).filter(([k]) => k !== 'stack');
  if (values.length) li.appendChild(el('p', 'values', values.map(([k, v]) => `${k} = ${Array.isArray(v) ? `[${v.slice(0, 20).join(', ')}${v.length > 20 ? ', …' : ''}]` : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : formatValue(v)) : String(v)}`).join(' · ')));
  const stack = f.evidence.values?.stack;
  if (typeof stack === 'string' && stack) li.appendChild(folded('stack', 'stack', [el('pre', '', stack)]));
  if (f.evidence.plot) li.appendChild(plotFigure(f.evidence.plot));
  return li;
}

function plotFigure(plot: EvidencePlot): HTMLElement {
  const figure = el('figure', 'chart');
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${plot.title}: ${plot.series.map((s) => s.label).join(', ')} against ${plot.xLabel}`);
  const theme = readTheme();
  const legend = el('div', 'legend');
  legend.replaceChildren(...plot.series.map((s, i) => {
    const swatch = el('span', 'swatch');
    swatch.style.background = theme.series[i % theme.series.length];
    const item = el('span', '', s.label);
    item.prepend(swatch);
    return item;
  }));
  const box = el('div', 'plot');
  box.appendChild(canvas);
  figure.append(el('figcaption', '', plot.title), legend, box);
  // chart.js needs the canvas in the document to size it: draw on the next frame, once it is attached.
  requestAnimationFrame(() => charts.push(makeChart(canvas, plot)));
  return figure;
}

function makeChart(canvas: HTMLCanvasElement, plot: EvidencePlot): Chart<'line', Points> {
  const theme = readTheme();
  const datasets: ChartDataset<'line', Points>[] = plot.series.map((s, i) => ({
    label: s.label,
    data: plot.x.map((x, k) => ({ x, y: s.values[k] })),
    borderColor: theme.series[i % theme.series.length],
    backgroundColor: theme.series[i % theme.series.length],
    borderWidth: 2,
    // Measured series as points over the expected line, so a match shows as dots on the line.
    borderDash: i % 2 === 0 ? [] : [6, 3],
    pointRadius: i % 2 === 0 ? 3 : 0,
    spanGaps: false,
  }));
  const ticks = plot.xTicks;
  const axis = (text: string) => ({ title: { display: true, text, color: theme.foreground }, grid: { color: theme.grid }, ticks: { color: theme.foreground } });
  return new Chart<'line', Points>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      animation: false,
      maintainAspectRatio: false,
      color: theme.foreground,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { type: 'linear', ...axis(plot.xLabel), ticks: { color: theme.foreground, ...(ticks ? { stepSize: 1, callback: (v: string | number) => ticks[Number(v)] ?? '' } : {}) } },
        y: { type: 'linear', ...axis(plot.yLabel) },
      },
      plugins: {
        tooltip: { enabled: false, external: htmlTooltip, callbacks: { title: (items) => (ticks ? ticks[items[0]?.dataIndex ?? 0] : `${plot.xLabel} = ${items[0]?.parsed.x ?? ''}`) } },
      },
    },
  });
}

function folded(title: string, cls: string, items: HTMLElement[]): HTMLElement {
  const d = el('details', cls);
  const ul = el('ul', '');
  ul.replaceChildren(...items);
  d.append(el('summary', '', title), ul);
  return d;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
