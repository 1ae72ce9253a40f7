/**
 * The panel script (browser). Validates every message with the shared protocol, draws image batches
 * straight from the Float32Array payloads (no PNG round trip), and acknowledges each drawn frame so the
 * extension sends the next; a rejected message is reported back and the panel keeps working.
 * The schedule plots live in schedules.ts (with the forward-process strips of forwardStrip.ts), the guidance
 * sweep grid in sweep.ts, the trajectory player (frames, seeks, statistics) in trajectory/, the error
 * heatmaps in heatmaps.ts, the training dashboard in dashboard.ts, the doctor's findings in doctor.ts.
 */
import { type JobState, type ToPanel, parseToPanel } from '../engine/protocol';
import { showForwardStrip } from './forwardStrip';
import { showDashboardMetrics, showDashboardPreview } from './dashboard';
import { showHeatmap } from './heatmaps';
import { showDoctor } from './doctor';
import { showSchedules } from './schedules';
import { showStudy } from './study';
import { StateStore, type VsCodeApi } from './state';
import { SweepView } from './sweep';
import { Player } from './trajectory/player';

declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
const state = new StateStore(vscode);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const sweep = new SweepView($('sweep'), state, (msg) => vscode.postMessage(msg));
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
  try {
    // handle() may reject too: a sweep cell that does not fit the grid announced.
    handle(parseToPanel(event.data));
  } catch (err) {
    $('error').textContent = (err as Error).message;
    vscode.postMessage({ type: 'panelError', message: (err as Error).message });
  }
});

/**
 * The next animation frame, or 250 ms, whichever comes first: Chromium suspends animation frames in an
 * iframe it does not render (a webview not laid out yet, or occluded), and a frame never acknowledged
 * would stall the stream for good, since the extension sends nothing newer before the acknowledgement.
 */
function nextFrame(draw: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    draw();
  };
  const timer = setTimeout(once, 250);
  requestAnimationFrame(once);
}

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
      nextFrame(() => {
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
    case 'heatmap':
      showHeatmap(msg, $('heatmaps'), state);
      break;
    case 'trainMetrics':
      showDashboardMetrics(msg, $('dashboard'), state);
      break;
    case 'trainPreview':
      showDashboardPreview(msg, $('dashboard'));
      break;
    case 'doctor':
      showDoctor(msg, $('doctor'));
      break;
    case 'study':
      showStudy(msg, vscode);
      break;
  }
}

vscode.postMessage({ type: 'ready' });
