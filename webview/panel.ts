/**
 * The panel script (browser). Validates every message with the shared protocol, draws image batches
 * straight from the Float32Array payloads (no PNG round trip), and acknowledges each drawn frame so the
 * extension sends the next; a rejected message is reported back and the panel keeps working.
 * The schedule plots live in schedules.ts (with the forward-process strips of forwardStrip.ts), the
 * guidance sweep grid in sweep.ts; the trajectory player and the other panels of issue 5 are to come.
 */
import { type PanelFrameMessage, type TensorPayload, type ToPanel, parseToPanel } from '../engine/protocol';
import { drawImage } from './draw';
import { showForwardStrip } from './forwardStrip';
import { showSchedules } from './schedules';
import { StateStore, type VsCodeApi } from './state';
import { SweepView } from './sweep';

declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
const state = new StateStore(vscode);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const sweep = new SweepView($('sweep'), state, (msg) => vscode.postMessage(msg));

window.addEventListener('message', (event: MessageEvent) => {
  try {
    // handle() may reject too: a sweep cell that does not fit the grid announced.
    handle(parseToPanel(event.data));
  } catch (err) {
    $('error').textContent = (err as Error).message;
    vscode.postMessage({ type: 'panelError', message: (err as Error).message });
  }
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
    case 'sweepGrid':
      sweep.showGrid(msg);
      break;
    case 'cell':
      sweep.drawCell(msg);
      break;
    case 'schedules':
      showSchedules(msg, $('schedules'), state);
      break;
    case 'forwardStrip':
      showForwardStrip(msg, $('schedules'), state);
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

vscode.postMessage({ type: 'ready' });
