/**
 * The panel script (browser). Validates every message with the shared protocol, draws image batches
 * straight from the Float32Array payloads (no PNG round trip), and acknowledges each drawn frame so the
 * extension sends the next; a rejected message is reported back and the panel keeps working.
 * The schedule plots live in schedules.ts; the trajectory player and the other panels of issue 5 are to come.
 */
import { type CellMessage, type PanelFrameMessage, type TensorPayload, type ToPanel, parseToPanel } from '../engine/protocol';
import { showSchedules } from './schedules';
import { showStudy } from './study';
import { StateStore, type VsCodeApi } from './state';

declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
const state = new StateStore(vscode);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

window.addEventListener('message', (event: MessageEvent) => {
  let msg: ToPanel;
  try {
    msg = parseToPanel(event.data);
  } catch (err) {
    $('error').textContent = (err as Error).message;
    vscode.postMessage({ type: 'panelError', message: (err as Error).message });
    return;
  }
  handle(msg);
});

function handle(msg: ToPanel): void {
  switch (msg.type) {
    case 'header':
      $('title').textContent = msg.title;
      $('lines').replaceChildren(...msg.lines.map((l) => Object.assign(document.createElement('li'), { textContent: l })));
      break;
    case 'status':
      $('status').textContent = msg.text;
      $('status').dataset.state = msg.state;
      break;
    case 'picture': {
      const fig = $('picture');
      fig.hidden = false;
      (fig.querySelector('img') as HTMLImageElement).src = msg.src;
      (fig.querySelector('figcaption') as HTMLElement).textContent = msg.caption;
      break;
    }
    case 'frame':
      requestAnimationFrame(() => {
        drawFrame(msg);
        vscode.postMessage({ type: 'frameShown', seq: msg.seq, step: msg.step });
      });
      break;
    case 'cell':
      drawCell(msg);
      break;
    case 'schedules':
      showSchedules(msg, $('schedules'), state);
      break;
    case 'study':
      showStudy(msg, vscode);
      break;
  }
}

function drawFrame(f: PanelFrameMessage): void {
  $('frame').hidden = false;
  $('frameInfo').textContent = `step ${f.step + 1} of ${f.steps}: t = ${f.t}${f.tPrev >= 0 ? ` → ${f.tPrev}` : ' (last)'}`;
  fillGrid($('xGrid'), f.x);
  fillGrid($('x0Grid'), f.x0);
}

function fillGrid(grid: HTMLElement, batch: TensorPayload): void {
  const [n] = batch.shape;
  grid.style.gridTemplateColumns = `repeat(${Math.min(n, 8)}, auto)`;
  while (grid.children.length > n) grid.lastChild!.remove();
  while (grid.children.length < n) grid.appendChild(document.createElement('canvas'));
  for (let i = 0; i < n; i++) drawImage(grid.children[i] as HTMLCanvasElement, batch, i);
}

function drawCell(c: CellMessage): void {
  $('sweep').hidden = false;
  const grid = $('cells');
  grid.style.gridTemplateColumns = `repeat(${c.cols}, auto)`;
  while (grid.children.length < c.rows * c.cols) {
    const cell = document.createElement('div');
    cell.className = 'cell';
    cell.append(document.createElement('canvas'), document.createElement('span'));
    grid.appendChild(cell);
  }
  const cell = grid.children[c.row * c.cols + c.col] as HTMLElement;
  drawImage(cell.querySelector('canvas')!, c.image, 0);
  cell.querySelector('span')!.textContent = `s = ${c.scale} · ${c.label}`;
  cell.dataset.filled = 'true';
}

/** Image i of an NHWC batch in [-1, 1] onto a canvas, greyscale or RGB. */
function drawImage(canvas: HTMLCanvasElement, batch: TensorPayload, i: number): void {
  const [, h, w, c] = batch.shape;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  const base = i * h * w * c;
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) img.data[p * 4 + k] = Math.round((batch.data[base + p * c + (c === 3 ? k : 0)] + 1) * 127.5);
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

vscode.postMessage({ type: 'ready' });
