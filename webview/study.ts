/**
 * The Augmentation Study panel: the "synthetic — not for diagnosis" notice, the accuracy of each arm
 * (table and bar chart), realism and privacy numbers, the histogram of nearest-training-image distances,
 * the study's pictures, and an Export button that sends the rendered charts to the extension, which
 * writes report.md and the PNGs next to the study. Built into its own section, so panel.ts only routes.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import type { StudyMessage, StudyView } from '../engine/protocol';
import { type ChartTheme, applyChartTheme, onThemeChange, readTheme } from './theme';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

interface VsCodePoster {
  postMessage(message: unknown): void;
}

const charts: Chart<'bar'>[] = [];
let watchingTheme = false;

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function table(header: string[], rows: (string | number)[][]): HTMLTableElement {
  return el('table', {}, el('thead', {}, el('tr', {}, ...header.map((h) => el('th', { textContent: h })))), el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { textContent: String(c) }))))));
}

export function showStudy(msg: StudyMessage, vscode: VsCodePoster): void {
  const s = msg.study;
  let section = document.getElementById('study');
  if (!section) {
    section = el('section', { id: 'study' });
    document.body.insertBefore(section, document.getElementById('error'));
  }
  for (const c of charts.splice(0)) c.destroy();
  const notice = el('p', { className: 'notice', textContent: `${s.label.toUpperCase()}: every generated image here is synthetic. Research use only.` });
  notice.setAttribute('role', 'note');
  notice.style.cssText = 'font-weight:600;padding:4px 8px;border:1px solid var(--vscode-editorWarning-foreground);color:var(--vscode-editorWarning-foreground)';
  const accuracyCanvas = el('canvas');
  const nearestCanvas = el('canvas');
  const status = el('span', { className: 'exportStatus' });
  const exportButton = el('button', { textContent: 'Export as Markdown', className: 'export' });
  exportButton.addEventListener('click', () => {
    vscode.postMessage({ type: 'exportStudy', charts: { accuracy: accuracyCanvas.toDataURL('image/png'), nearest: nearestCanvas.toDataURL('image/png') } });
    status.textContent = ' exporting…';
  });
  const figure = (canvas: HTMLCanvasElement, key: string, caption: string) => {
    const f = el('figure', { className: 'chart' }, canvas, el('figcaption', { textContent: caption }));
    f.dataset.chart = key;
    return f;
  };
  const n = s.nearest;
  section.replaceChildren(
    el('h2', { textContent: `Augmentation study: ${s.dataset}${s.quick ? ' (quick)' : ''}` }),
    notice,
    el('p', { textContent: `Classifier (${s.classNames.join(' / ')}) trained on each arm, scored on held-out real images.` }),
    table(['arm', 'training images', 'accuracy per seed', 'mean ± sd'], s.arms.map((a) => [a.name, a.trainSize, a.accuracy.map(pct).join(', '), `${pct(a.mean)} ± ${pct(a.std)}`])),
    figure(accuracyCanvas, 'accuracy', 'held-out real accuracy per arm (mean over seeds)'),
    table(['measure', 'value'], [
      ['Fréchet distance, synthetic vs real (classifier features)', s.frechet.toFixed(2)],
      ['Fréchet distance, real vs real (sampling floor)', s.frechetRealVsReal.toFixed(2)],
      [`synthetic images showing their caption (${s.adherence.by})`, pct(s.adherence.rate)],
      ['nearest training image: smallest RMS distance', n.min.toFixed(4)],
      ['near-copy threshold (5th percentile of real-to-real)', n.threshold.toFixed(4)],
      ['near-copies (memorised training images)', `${n.nearCopies} of ${n.count}`],
      ...(s.inpainting ? [[`lesions inpainted into ${s.inpainting.n} real images showing the lesion asked for`, pct(s.inpainting.rate)]] : []),
      ...(s.filter ? [[`synthetic images the ${s.filter.method} filter accepted, of those requested (${s.filter.drawn} drawn in ${s.filter.rounds} redraw rounds); the classifiers, Fréchet and nearest-image figures use these`, `${s.filter.kept} of ${s.filter.requested}`]] : []),
    ]),
    figure(nearestCanvas, 'nearest', `distance to the nearest training image (RMS): synthetic vs real-to-real; near-copy below ${n.threshold.toFixed(4)}`),
    ...msg.pictures.map((p) => el('figure', { className: 'studyPicture' }, el('img', { src: p.src, alt: p.caption }), el('figcaption', { textContent: p.caption }))),
    el('p', {}, exportButton, status),
  );
  section.querySelectorAll<HTMLElement>('figure.chart').forEach((f) => (f.style.cssText = 'position:relative;height:240px;margin:0 0 12px 0;max-width:720px'));
  const theme = readTheme();
  charts.push(accuracyChart(accuracyCanvas, s, theme), nearestChart(nearestCanvas, s, theme));
  if (!watchingTheme) {
    watchingTheme = true;
    onThemeChange(() => {
      const t = readTheme();
      for (const c of charts) style(c, t);
    });
  }
}

function accuracyChart(canvas: HTMLCanvasElement, s: StudyView, theme: ChartTheme): Chart<'bar'> {
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', s.arms.map((a) => `${a.name}: ${pct(a.mean)}`).join(', '));
  return build(canvas, theme, { labels: s.arms.map((a) => a.name), datasets: [{ label: 'mean accuracy', data: s.arms.map((a) => a.mean) }] }, { min: 0, max: 1, title: 'accuracy on held-out real' });
}

function nearestChart(canvas: HTMLCanvasElement, s: StudyView, theme: ChartTheme): Chart<'bar'> {
  const { edges } = s.nearest;
  const labels = edges.slice(0, -1).map((e, i) => ((e + edges[i + 1]) / 2).toFixed(3));
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `histogram of nearest-training-image distances, ${s.nearest.count} synthetic images, ${s.nearest.nearCopies} near-copies`);
  return build(canvas, theme, { labels, datasets: [{ label: 'synthetic → nearest training', data: s.nearest.synthetic }, { label: 'real → nearest other real', data: s.nearest.realToReal }] }, { min: 0, title: 'images' });
}

function build(canvas: HTMLCanvasElement, theme: ChartTheme, data: { labels: string[]; datasets: { label: string; data: number[] }[] }, y: { min: number; max?: number; title: string }): Chart<'bar'> {
  const chart = new Chart<'bar'>(canvas, {
    type: 'bar',
    data,
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { title: { display: false, text: '' } }, y: { min: y.min, max: y.max, title: { display: true, text: y.title } } },
      plugins: { tooltip: { enabled: true } },
    },
  });
  style(chart, theme);
  return chart;
}

function style(chart: Chart<'bar'>, theme: ChartTheme): void {
  applyChartTheme(chart, theme);
  // A full update: an update('none') keeps the bars' already resolved colours (animations are off anyway).
  chart.update();
}
