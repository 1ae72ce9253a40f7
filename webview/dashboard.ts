/**
 * The training dashboard: loss (each logged point, and a debiased-EMA smoothed line, optionally on a log
 * axis), learning rate, throughput, the loss-vs-t profile over training time as a heatmap (rows = logged
 * steps, columns = t buckets), and the newest EMA and raw previews. Messages may arrive many times a
 * second: they only update the data, and drawing happens at most once per animation frame.
 */
import { Chart, type ChartDataset, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import type { TrainMetricsMessage, TrainPreviewMessage } from '../engine/protocol';
import { TrainHistory, type TrainPoint, metricsPoints } from '../engine/run/trainHistory';
import { colourLegend, drawColormapped } from './imageCanvas';
import type { StateStore } from './state';
import { applyChartTheme, onThemeChange, readTheme } from './theme';
import { formatValue, htmlTooltip } from './tooltip';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);

type Points = { x: number; y: number }[];

export const DEFAULT_SMOOTHING = 0.6;
/** most rows the profile heatmap draws; more logged steps are sampled evenly */
const PROFILE_ROWS = 200;

let history = new TrainHistory();
let steps = 1;
let buckets = 1;
let pendingDraw = false;
const charts = new Map<string, Chart<'line', Points>>();
let controlsWired = false;

export function showDashboardMetrics(msg: TrainMetricsMessage, section: HTMLElement, state: StateStore): void {
  section.hidden = false;
  if (msg.reset) history = new TrainHistory();
  history.addAll(metricsPoints(msg));
  steps = msg.steps;
  buckets = msg.buckets;
  if (!controlsWired) wireControls(section, state);
  if (!pendingDraw) {
    pendingDraw = true;
    requestAnimationFrame(() => {
      pendingDraw = false;
      draw(section, state);
    });
  }
}

export function showDashboardPreview(msg: TrainPreviewMessage, section: HTMLElement): void {
  section.hidden = false;
  for (const kind of ['ema', 'raw'] as const) {
    const fig = section.querySelector<HTMLElement>(`.previews figure[data-kind=${kind}]`)!;
    const src = msg[kind];
    fig.hidden = !src;
    if (src) fig.querySelector('img')!.src = src;
    fig.querySelector('figcaption')!.textContent = `${kind === 'ema' ? 'EMA' : 'raw'} weights, step ${msg.step}`;
  }
}

function wireControls(section: HTMLElement, state: StateStore): void {
  controlsWired = true;
  const logY = section.querySelector<HTMLInputElement>('#dashLogY')!;
  const smoothing = section.querySelector<HTMLInputElement>('#dashSmoothing')!;
  logY.checked = state.get().lossLogScale ?? false;
  smoothing.value = String(state.get().lossSmoothing ?? DEFAULT_SMOOTHING);
  logY.addEventListener('change', () => {
    state.update({ lossLogScale: logY.checked });
    draw(section, state);
  });
  smoothing.addEventListener('input', () => {
    state.update({ lossSmoothing: Number(smoothing.value) });
    draw(section, state);
  });
  onThemeChange(() => {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    draw(section, state);
  });
}

/** TensorBoard's smoothing: an EMA of the finite losses, divided by (1 - beta^k) so its start is not pulled to 0. */
export function smoothed(points: readonly TrainPoint[], beta: number): Points {
  const out: Points = [];
  let s = 0;
  let k = 0;
  for (const p of points) {
    if (!Number.isFinite(p.loss)) continue;
    s = beta * s + (1 - beta) * p.loss;
    k++;
    out.push({ x: p.step, y: s / (1 - beta ** k) });
  }
  return out;
}

function draw(section: HTMLElement, state: StateStore): void {
  const points = history.points;
  const latest = history.latest;
  if (!latest) return;
  const beta = state.get().lossSmoothing ?? DEFAULT_SMOOTHING;
  const smooth = smoothed(points, beta);
  const finite = (f: (p: TrainPoint) => number) => points.filter((p) => Number.isFinite(f(p))).map((p) => ({ x: p.step, y: f(p) }));
  const lossPoints = finite((p) => p.loss).filter((p) => !state.get().lossLogScale || p.y > 0);
  section.querySelector('.readouts')!.textContent = [
    `step ${latest.step} of ${steps}`,
    `loss ${formatValue(latest.loss)} (smoothed ${smooth.length ? formatValue(smooth[smooth.length - 1].y) : '–'})`,
    `learning rate ${formatValue(latest.lr)}`,
    `${latest.stepsPerSecond.toFixed(2)} steps/s`,
    `gradient norm ${formatValue(latest.gradNorm)}`,
  ].join(' · ');
  const theme = readTheme();
  lineChart(section, 'loss', 'loss (ε-prediction MSE)', state.get().lossLogScale ?? false, [
    // Point colours are fixed when the chart is made (chart.js keeps resolved point options); a theme change rebuilds the charts.
    { label: 'loss', data: lossPoints, showLine: false, pointRadius: 2, borderWidth: 0, pointBackgroundColor: theme.series[0], pointBorderColor: theme.series[0] },
    { label: `smoothed (${beta})`, data: smooth, pointRadius: 0, borderWidth: 2 },
  ]);
  lineChart(section, 'lr', 'learning rate', false, [{ label: 'learning rate', data: finite((p) => p.lr), pointRadius: 0, borderWidth: 2 }]);
  lineChart(section, 'throughput', 'steps per second', false, [{ label: 'steps/s', data: finite((p) => p.stepsPerSecond), pointRadius: 0, borderWidth: 2 }]);
  for (const c of charts.values()) {
    applyChartTheme(c, theme);
    c.update('none');
  }
  drawProfile(section);
}

function lineChart(section: HTMLElement, key: string, title: string, log: boolean, datasets: ChartDataset<'line', Points>[]): void {
  const figure = section.querySelector<HTMLElement>(`figure[data-chart=${key}]`)!;
  const canvas = figure.querySelector('canvas')!;
  canvas.setAttribute('aria-label', `${title}: ${datasets.map((d) => `${d.label}, ${d.data.length} points`).join('; ')}`);
  let chart = charts.get(key);
  const yType = log ? 'logarithmic' : 'linear';
  if (chart && chart.options.scales?.y?.type !== yType) {
    chart.destroy();
    chart = undefined;
  }
  if (!chart) {
    chart = new Chart<'line', Points>(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        parsing: false, normalized: true, animation: false, maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: { x: { type: 'linear', title: { display: true, text: 'step' } }, y: { type: yType, title: { display: true, text: title } } },
        plugins: { tooltip: { enabled: false, external: htmlTooltip, callbacks: { title: (items) => `step ${items[0]?.parsed.x ?? ''}` } } },
      },
    });
    charts.set(key, chart);
  } else {
    datasets.forEach((d, i) => Object.assign(chart!.data.datasets[i], { label: d.label, data: d.data }));
  }
}

/** log10 of each bucket's loss, rows = logged steps (sampled evenly down to PROFILE_ROWS), columns = t buckets. */
function drawProfile(section: HTMLElement): void {
  const points = history.points;
  const rows = Math.min(points.length, PROFILE_ROWS);
  const values = new Float32Array(rows * buckets);
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < rows; r++) {
    const p = points[Math.floor((r * (points.length - 1)) / Math.max(1, rows - 1))];
    for (let b = 0; b < buckets; b++) {
      const v = p.lossByBucket[b];
      const lv = v > 0 ? Math.log10(v) : NaN;
      values[r * buckets + b] = lv;
      if (Number.isFinite(lv)) {
        min = Math.min(min, lv);
        max = Math.max(max, lv);
      }
    }
  }
  if (!Number.isFinite(min)) [min, max] = [0, 1];
  if (max === min) max = min + 1e-6;
  const canvas = section.querySelector<HTMLCanvasElement>('#profileMap')!;
  drawColormapped(canvas, values, 0, buckets, rows, min, max);
  canvas.setAttribute('aria-label', `loss per t bucket (${buckets} buckets, t = 0 left) at ${rows} logged steps from ${points[0].step} (top) to ${points[points.length - 1].step} (bottom), colour = log10 of the loss`);
  colourLegend(section.querySelector<HTMLElement>('.profile-legend')!, min, max, (v) => (10 ** v).toPrecision(3));
  section.querySelector('.profile-axis .first')!.textContent = `step ${points[0].step}`;
  section.querySelector('.profile-axis .last')!.textContent = `step ${points[points.length - 1].step}`;
}
