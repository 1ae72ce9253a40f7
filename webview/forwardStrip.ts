/**
 * The forward-process strips under the schedule plots: for each schedule, x_t of one image at a few
 * timesteps (the same noise at each), drawn from the Float32 payloads; hovering an image shows t,
 * alphaBar_t and SNR(t) = alphaBar_t / (1 - alphaBar_t). A schedule unticked in the legend hides its strip.
 */
import type { ForwardStripMessage } from '../engine/protocol';
import { drawImage } from './draw';
import type { StateStore } from './state';
import { formatValue } from './tooltip';

export function showForwardStrip(msg: ForwardStripMessage, section: HTMLElement, state: StateStore): void {
  section.hidden = false;
  const strips = section.querySelector('.strips') ?? section.appendChild(stripsContainer());
  const strip = document.createElement('div');
  strip.className = 'strip';
  strip.dataset.schedule = msg.schedule;
  strip.hidden = state.get().hiddenSchedules.includes(msg.schedule);
  const name = Object.assign(document.createElement('div'), { className: 'strip-name', textContent: msg.schedule });
  strip.append(name, ...msg.timesteps.map((t, i) => stripImage(msg, t, i)));
  const old = Array.from(strips.querySelectorAll<HTMLElement>('.strip')).find((s) => s.dataset.schedule === msg.schedule);
  if (old) old.replaceWith(strip);
  else strips.append(strip);
  sortLikeLegend(section, strips);
}

/** Shows only the strips of the schedules ticked in the legend. */
export function hideStrips(section: HTMLElement, hidden: Set<string>): void {
  section.querySelectorAll<HTMLElement>('.strip').forEach((s) => (s.hidden = hidden.has(s.dataset.schedule ?? '')));
}

function stripsContainer(): HTMLElement {
  const div = document.createElement('div');
  div.className = 'strips';
  const title = document.createElement('h2');
  title.textContent = 'Forward process q(x_t | x_0), the same image and noise under each schedule';
  div.append(title);
  return div;
}

function stripImage(msg: ForwardStripMessage, t: number, i: number): HTMLElement {
  const figure = document.createElement('figure');
  figure.className = 'strip-image';
  figure.dataset.t = String(t);
  const canvas = document.createElement('canvas');
  const alphaBar = msg.alphasCumprod[i];
  const snr = alphaBar / (1 - alphaBar);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${msg.schedule}: x_t at t = ${t}, alphaBar_t = ${formatValue(alphaBar)}, SNR = ${formatValue(snr)}`);
  drawImage(canvas, msg.images, i);
  const caption = Object.assign(document.createElement('figcaption'), { textContent: `t = ${t}` });
  const tip = document.createElement('div');
  tip.className = 'tooltip';
  tip.setAttribute('role', 'tooltip');
  tip.hidden = true;
  tip.append(...[['t', String(t)], ['ᾱ_t', formatValue(alphaBar)], ['SNR = ᾱ_t / (1 − ᾱ_t)', formatValue(snr)]].map(([label, value]) => {
    const row = Object.assign(document.createElement('div'), { className: 'row' });
    row.dataset.quantity = label;
    row.append(`${label}: `, Object.assign(document.createElement('span'), { className: 'value', textContent: value }));
    return row;
  }));
  figure.append(canvas, caption, tip);
  figure.addEventListener('mouseenter', () => (tip.hidden = false));
  figure.addEventListener('mouseleave', () => (tip.hidden = true));
  return figure;
}

/** Strips arrive as their jobs finish; they are listed in the legend's order, like the charts' lines. */
function sortLikeLegend(section: HTMLElement, strips: Element): void {
  const order = Array.from(section.querySelectorAll<HTMLElement>('.legend label')).map((l) => l.dataset.series);
  const rank = (s: HTMLElement) => {
    const i = order.indexOf(s.dataset.schedule);
    return i < 0 ? order.length : i;
  };
  const sorted = Array.from(strips.querySelectorAll<HTMLElement>('.strip')).sort((a, b) => rank(a) - rank(b));
  strips.append(...sorted);
}
