/**
 * The panel script (browser). Validates every message with the shared protocol, draws image batches
 * straight from the Float32Array payloads (no PNG round trip), and acknowledges each drawn frame so the
 * extension sends the next; a rejected message is reported back and the panel keeps working.
 * The schedule plots live in schedules.ts, the trajectory player (frames, seeks, statistics) in trajectory/.
 */
import { type CellMessage, type JobState, type ToPanel, parseToPanel } from '../engine/protocol';
import { drawImage } from './draw';
import { showSchedules } from './schedules';
import { StateStore, type VsCodeApi } from './state';
import { Player } from './trajectory/player';

declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
const state = new StateStore(vscode);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let player: Player | undefined;
let jobState: JobState | undefined;
/** Built on the first trajectory message: other panels never pay for the chart and controls. */
function trajectory(): Player {
  if (!player) {
    player = new Player($('frame'), state, (m) => vscode.postMessage(m));
    player.setLive(jobState === 'starting' || jobState === 'running');
  }
  return player;
}

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
      jobState = msg.state;
      player?.setLive(msg.state === 'starting' || msg.state === 'running');
      break;
    case 'picture': {
      const fig = $('picture');
      fig.hidden = false;
      (fig.querySelector('img') as HTMLImageElement).src = msg.src;
      (fig.querySelector('figcaption') as HTMLElement).textContent = msg.caption;
      break;
    }
    case 'frame':
      // Drawn on the next animation frame, then acknowledged: the extension sends nothing newer before.
      requestAnimationFrame(() => {
        trajectory().liveFrame(msg);
        vscode.postMessage({ type: 'frameShown', seq: msg.seq, step: msg.step });
      });
      break;
    case 'trajectoryStats':
      trajectory().stats(msg);
      break;
    case 'stepFrame':
      trajectory().stepFrame(msg);
      break;
    case 'seekError':
      trajectory().seekError(msg);
      break;
    case 'cell':
      drawCell(msg);
      break;
    case 'schedules':
      showSchedules(msg, $('schedules'), state);
      break;
  }
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

vscode.postMessage({ type: 'ready' });
