/**
 * The error-heatmap panel: per model (side by side) the real images x_0, then for each timestep x_t and
 * its map of |eps-hat - eps| in viridis; one legend with the numeric range; and both models' loss-vs-t
 * curves overlaid in one chart. By default every map shares one colour scale, so equal colours mean
 * equal errors across the two models; the user may switch to a scale per model (remembered).
 */
import { Chart, type ChartDataset, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import { errorRange } from '../engine/eval/viridis';
import type { HeatmapMessage } from '../engine/protocol';
import { drawImage } from './draw';
import { colourLegend, drawColormapped } from './imageCanvas';
import type { StateStore } from './state';
import { applyChartTheme, onThemeChange, readTheme } from './theme';
import { htmlTooltip } from './tooltip';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip);

type Points = { x: number; y: number }[];

const models: HeatmapMessage[] = [];
let chart: Chart<'line', Points> | undefined;
let watchingTheme = false;

export function showHeatmap(msg: HeatmapMessage, section: HTMLElement, state: StateStore): void {
  section.hidden = false;
  // A message for another job (a different number of columns, or other timesteps) starts over.
  if (models.some((m) => m.columns !== msg.columns || m.timesteps.join() !== msg.timesteps.join())) models.length = 0;
  models[msg.column] = msg;
  const toggle = section.querySelector<HTMLInputElement>('#heatPerModel')!;
  toggle.checked = state.get().heatmapScalePerModel ?? false;
  toggle.onchange = () => {
    state.update({ heatmapScalePerModel: toggle.checked });
    drawModels(section, toggle.checked);
  };
  drawModels(section, toggle.checked);
  drawProfiles(section.querySelector('figure[data-chart=lossProfile]')!);
  if (!watchingTheme) {
    watchingTheme = true;
    onThemeChange(() => chart && drawProfiles(section.querySelector('figure[data-chart=lossProfile]')!));
  }
}

function drawModels(section: HTMLElement, perModel: boolean): void {
  const shown = models.filter(Boolean);
  const shared = errorRange(shown.map((m) => m.error.data));
  const columns = section.querySelector('.heat-columns')!;
  columns.replaceChildren(...shown.map((m) => {
    const range = perModel ? errorRange([m.error.data]) : shared;
    const block = document.createElement('div');
    block.className = 'heat-model';
    block.dataset.column = String(m.column);
    const title = Object.assign(document.createElement('h3'), { textContent: m.label });
    const legend = document.createElement('div');
    legend.className = 'legend-row';
    colourLegend(legend, range.min, range.max);
    legend.hidden = !perModel;
    block.append(title, legend, grid(m, range));
    return block;
  }));
  const sharedLegend = section.querySelector<HTMLElement>('.heat-legend .shared')!;
  colourLegend(sharedLegend, shared.min, shared.max);
  sharedLegend.hidden = perModel;
}

/** Rows: x_0, then one per timestep; columns: a label, then (x_t, error map) per image. */
function grid(m: HeatmapMessage, range: { min: number; max: number }): HTMLElement {
  const [n, h, w] = m.x0.shape;
  const g = document.createElement('div');
  g.className = 'heat-grid';
  g.style.gridTemplateColumns = `auto repeat(${2 * n}, auto)`;
  const label = (text: string) => Object.assign(document.createElement('span'), { className: 'row-label', textContent: text });
  const canvas = (kind: string, i: number, t?: number) => {
    const c = document.createElement('canvas');
    c.dataset.kind = kind;
    c.dataset.image = String(i);
    if (t !== undefined) c.dataset.t = String(t);
    return c;
  };
  g.append(label('x₀'));
  for (let i = 0; i < n; i++) {
    const c = canvas('x0', i);
    drawImage(c, m.x0, i);
    g.append(c, document.createElement('span'));
  }
  m.timesteps.forEach((t, ti) => {
    g.append(label(`t = ${t}\nMSE ${m.mseAt[ti].toPrecision(3)}`));
    for (let i = 0; i < n; i++) {
      const xt = canvas('xt', i, t);
      drawImage(xt, m.xt, ti * n + i);
      const map = canvas('error', i, t);
      drawColormapped(map, m.error.data, (ti * n + i) * h * w, w, h, range.min, range.max);
      map.title = `|ε̂ − ε| at t = ${t}, image ${i + 1}`;
      g.append(xt, map);
    }
  });
  return g;
}

function drawProfiles(figure: HTMLElement): void {
  const theme = readTheme();
  // Point colours are fixed when the chart is made (chart.js keeps resolved point options); it is remade on a theme change.
  const datasets: ChartDataset<'line', Points>[] = models.filter(Boolean).map((m, i) => ({
    label: m.label, data: m.profileT.map((x, k) => ({ x, y: m.profileMse[k] })), borderWidth: 2, pointRadius: 3,
    pointBackgroundColor: theme.series[i % theme.series.length], pointBorderColor: theme.series[i % theme.series.length],
  }));
  const canvas = figure.querySelector('canvas')!;
  canvas.setAttribute('aria-label', `noise-prediction MSE against t for ${datasets.map((d) => `${d.label} (${d.data.length} buckets)`).join(' and ')}`);
  chart?.destroy();
  chart = new Chart<'line', Points>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false, animation: false, maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { type: 'linear', title: { display: true, text: 't (bucket centre)' } },
        y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'MSE of ε̂' } },
      },
      plugins: { tooltip: { enabled: false, external: htmlTooltip, callbacks: { title: (items) => `t = ${items[0]?.parsed.x ?? ''}` } } },
    },
  });
  applyChartTheme(chart, theme);
  chart.update('none');
  const legend = figure.parentElement!.querySelector('.profile-legend')!;
  legend.replaceChildren(...datasets.map((d, i) => {
    const item = document.createElement('span');
    item.dataset.series = d.label ?? '';
    const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
    swatch.style.background = theme.series[i % theme.series.length];
    item.append(swatch, d.label ?? '');
    return item;
  }));
}
