/**
 * The per-step statistics chart: std(x_t) against the forward marginal's theoretical std, |ε̂|, the
 * predicted x0's range and the share of x0 clipped, for every recorded step (batch means; min/max for the
 * range). A vertical cursor marks the step on screen; it is a positioned element, not a chart redraw, so
 * scrubbing does not redraw 1000-point lines.
 */
import { Chart, type ChartDataset, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import { theoreticalStd } from '../../engine/trajectory/stats';
import { type ChartTheme, onThemeChange, readTheme } from '../theme';
import { htmlTooltip } from '../tooltip';
import { type StatsStore, max, mean, min } from './statsStore';

// Legend is not registered globally (the Schedules panel draws its own HTML legend); this chart takes it inline.
Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip);

type Points = { x: number; y: number }[];

interface Series {
  label: string;
  colour: number;
  dash?: number[];
  axis: 'y' | 'y1';
  values(store: StatsStore, sigmaData: number): number[];
}

const SERIES: Series[] = [
  { label: 'std(x_t)', colour: 0, axis: 'y', values: (s) => s.series('xStd', mean) },
  { label: 'theory √(ᾱσ²+1−ᾱ)', colour: 0, dash: [5, 4], axis: 'y', values: (s, sd) => Array.from(s.alphaBar.subarray(0, s.recorded), (a) => theoreticalStd(a, sd)) },
  { label: '|ε̂| (rms)', colour: 1, axis: 'y', values: (s) => s.series('epsRms', mean) },
  { label: 'x₀ min', colour: 2, axis: 'y', values: (s) => s.series('x0Min', min) },
  { label: 'x₀ max', colour: 2, axis: 'y', values: (s) => s.series('x0Max', max) },
  { label: 'x₀ at ±1 (clipped share)', colour: 3, axis: 'y1', values: (s) => s.series('x0Clipped', mean) },
];

export class StatsChart {
  private readonly chart: Chart<'line', Points>;
  private readonly cursor: HTMLElement;
  private pending = false;

  constructor(host: HTMLElement, private readonly store: StatsStore, private sigmaData: number) {
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'per-step statistics: std of x_t against theory, |ε̂|, x0 range, share of x0 clipped');
    this.cursor = document.createElement('div');
    this.cursor.className = 'cursor';
    host.replaceChildren(canvas, this.cursor);
    const datasets: ChartDataset<'line', Points>[] = SERIES.map((s) => ({ label: s.label, data: [], yAxisID: s.axis, borderDash: s.dash, borderWidth: 2, pointRadius: 0, pointHoverRadius: 3 }));
    this.chart = new Chart<'line', Points>(canvas, {
      type: 'line',
      plugins: [Legend],
      data: { datasets },
      options: {
        parsing: false, normalized: true, animation: false, maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { type: 'linear', min: 0, title: { display: true, text: 'step' } },
          y: { type: 'linear', title: { display: true, text: 'value' } },
          y1: { type: 'linear', position: 'right', min: 0, max: 1, grid: { drawOnChartArea: false }, title: { display: true, text: 'clipped share' } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxHeight: 2 } },
          tooltip: { enabled: false, external: htmlTooltip, callbacks: { title: (items) => `step ${items[0]?.parsed.x ?? ''}` } },
        },
      },
    });
    this.restyle(readTheme());
    onThemeChange(() => this.restyle(readTheme()));
  }

  setSigmaData(sigmaData: number): void {
    this.sigmaData = sigmaData;
    this.refresh();
  }

  /** Redraws the lines from the store, at most once per animation frame (live statistics arrive in bursts). */
  refresh(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      SERIES.forEach((s, i) => (this.chart.data.datasets[i].data = s.values(this.store, this.sigmaData).map((y, x) => ({ x, y }))));
      this.chart.options.scales!.x!.max = Math.max(1, this.store.steps - 1);
      this.chart.update('none');
      this.placeCursor();
    });
  }

  private step = 0;

  /** Moves the cursor to `step` (cheap: no chart redraw). */
  mark(step: number): void {
    this.step = step;
    this.placeCursor();
  }

  private placeCursor(): void {
    const area = this.chart.chartArea;
    if (!area) return;
    this.cursor.style.left = `${this.chart.scales.x.getPixelForValue(this.step)}px`;
    this.cursor.style.top = `${area.top}px`;
    this.cursor.style.height = `${area.bottom - area.top}px`;
  }

  private restyle(theme: ChartTheme): void {
    SERIES.forEach((s, i) => {
      const d = this.chart.data.datasets[i];
      d.borderColor = theme.series[s.colour % theme.series.length];
      d.backgroundColor = d.borderColor;
    });
    const o = this.chart.options;
    o.color = theme.foreground;
    o.font = { ...o.font, family: theme.font };
    // An inline plugin's options do not inherit the chart's colour.
    o.plugins!.legend!.labels = { ...o.plugins!.legend!.labels, color: theme.foreground };
    for (const axis of [o.scales!.x!, o.scales!.y!, o.scales!.y1!]) {
      axis.grid = { ...axis.grid, color: theme.grid };
      axis.ticks = { ...axis.ticks, color: theme.foreground };
      (axis as { title: { color: string } }).title.color = theme.foreground;
    }
    this.cursor.style.background = theme.foreground;
    this.chart.update('none');
  }
}
