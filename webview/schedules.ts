/**
 * The Schedules panel: one chart per quantity (beta_t, alphaBar_t, log-SNR), every schedule overlaid,
 * in the theme's colours, with the exact float64 values on hover. chart.js is registered piece by piece
 * so the bundle carries only line charts.
 */
import { Chart, type ChartDataset, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import type { SchedulesMessage, ScheduleCurves } from '../engine/protocol';
import { hideStrips } from './forwardStrip';
import type { StateStore } from './state';
import { type ChartTheme, applyChartTheme, onThemeChange, readTheme } from './theme';
import { htmlTooltip } from './tooltip';

// No chart.js Legend: one HTML legend (checkboxes) serves all three charts and remembers its choices.
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);

interface Quantity {
  key: keyof Omit<ScheduleCurves, 'name'>;
  title: string;
  /** beta spans 1e-4 to ~1 (cosine's last steps): only a log axis shows both ends */
  log: boolean;
}

type Points = { x: number; y: number }[];

const QUANTITIES: Quantity[] = [
  { key: 'betas', title: 'β_t', log: true },
  { key: 'alphasCumprod', title: 'ᾱ_t', log: false },
  { key: 'logSnr', title: 'log-SNR(t) = log(ᾱ_t / (1 − ᾱ_t))', log: false },
];

const charts: Chart<'line', Points>[] = [];
let watchingTheme = false;

export function showSchedules(msg: SchedulesMessage, section: HTMLElement, state: StateStore): void {
  section.hidden = false;
  const container = section.querySelector('.charts')!;
  for (const c of charts.splice(0)) c.destroy();
  container.replaceChildren();
  const theme = readTheme();
  const hidden = new Set(state.get().hiddenSchedules);
  section.querySelector('.legend')!.replaceChildren(...msg.schedules.map((s, i) => legendItem(s.name, theme.series[i % theme.series.length], !hidden.has(s.name), (shown) => {
    if (shown) hidden.delete(s.name);
    else hidden.add(s.name);
    state.update({ hiddenSchedules: [...hidden] });
    hideStrips(section, hidden);
    for (const c of charts) {
      c.data.datasets.forEach((d) => (d.hidden = hidden.has(d.label ?? '')));
      c.update('none');
    }
  })));
  for (const q of QUANTITIES) {
    const figure = document.createElement('figure');
    figure.className = 'chart';
    figure.dataset.quantity = q.key;
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${q.title} against t for ${msg.schedules.map((s) => s.name).join(', ')}, T = ${msg.T}`);
    figure.appendChild(canvas);
    container.appendChild(figure);
    charts.push(makeChart(canvas, q, msg, theme, hidden));
  }
  if (!watchingTheme) {
    watchingTheme = true;
    onThemeChange(() => restyle(readTheme()));
  }
}

function legendItem(name: string, colour: string, shown: boolean, toggled: (shown: boolean) => void): HTMLElement {
  const label = document.createElement('label');
  label.dataset.series = name;
  const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: shown });
  box.addEventListener('change', () => toggled(box.checked));
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = colour;
  label.append(box, swatch, name);
  return label;
}

function makeChart(canvas: HTMLCanvasElement, q: Quantity, msg: SchedulesMessage, theme: ChartTheme, hidden: Set<string>): Chart<'line', Points> {
  const datasets: ChartDataset<'line', Points>[] = msg.schedules.map((s) => ({
    label: s.name,
    hidden: hidden.has(s.name),
    data: Array.from(s[q.key], (y, t) => ({ x: t, y })),
    // 2 px covers at least one whole pixel row wherever a line falls, so it shows the theme colour itself, not a blend.
    borderWidth: 2,
    pointRadius: 0,
    pointHoverRadius: 3,
  }));
  const chart = new Chart<'line', Points>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      // Points arrive as {x, y} sorted by t: skip chart.js's parsing, and its animations (1000 points x 4 lines x 3 charts).
      parsing: false,
      normalized: true,
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { type: 'linear', min: 0, max: msg.T - 1, title: { display: true, text: 't' } },
        y: {
          type: q.log ? 'logarithmic' : 'linear',
          title: { display: true, text: q.title },
          // On the log axis only powers of ten get labels: chart.js's 0.7, 0.3, ... crowd near 1.
          ticks: q.log ? { callback: (v) => (Number.isInteger(Math.log10(Number(v))) ? Number(v).toExponential(0) : '') } : {},
        },
      },
      plugins: {
        tooltip: {
          enabled: false,
          external: htmlTooltip,
          // The title is the hovered t; the values are formatted by htmlTooltip from the data points themselves.
          callbacks: { title: (items) => `t = ${items[0]?.parsed.x ?? ''}` },
        },
      },
    },
  });
  // chart.js drew once on construction with its own defaults; redraw in the theme's colours.
  applyChartTheme(chart, theme);
  chart.update('none');
  return chart;
}

function restyle(theme: ChartTheme): void {
  document.querySelectorAll<HTMLElement>('#schedules .legend .swatch').forEach((el, i) => (el.style.background = theme.series[i % theme.series.length]));
  for (const c of charts) {
    applyChartTheme(c, theme);
    c.update('none');
  }
}
