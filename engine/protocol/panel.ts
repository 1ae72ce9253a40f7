/**
 * Messages between the extension and a panel (webview). Frames and sweep cells are forwarded exactly as
 * the runner sent them. The panel acknowledges each drawn frame; the extension sends the next one only
 * then, keeping just the newest in between (see LatestWins), so a slow panel never builds a queue.
 */
import { ProtocolError, int, oneOf, record, str, stringList, tag } from './check';
import { type CellMessage, type FrameMessage, parseCell, parseFrame } from './runner';

export type JobState = 'starting' | 'running' | 'completed' | 'cancelled' | 'failed';

/** Title and text lines at the top of the panel. */
export interface HeaderMessage {
  type: 'header';
  title: string;
  lines: string[];
}
export interface StatusMessage {
  type: 'status';
  state: JobState;
  text: string;
}
/** A PNG from the run record, as a webview URI. */
export interface PictureMessage {
  type: 'picture';
  src: string;
  caption: string;
}
/** A frame to draw, numbered so the panel's acknowledgement names it. */
export interface PanelFrameMessage extends Omit<FrameMessage, 'type'> {
  type: 'frame';
  seq: number;
}
export type ToPanel = HeaderMessage | StatusMessage | PictureMessage | PanelFrameMessage | CellMessage;

export interface PanelReadyMessage {
  type: 'ready';
}
export interface FrameShownMessage {
  type: 'frameShown';
  seq: number;
  step: number;
}
/** The panel rejected a message; the extension logs it. */
export interface PanelErrorMessage {
  type: 'panelError';
  message: string;
}
export type FromPanel = PanelReadyMessage | FrameShownMessage | PanelErrorMessage;

const TO_PANEL = ['header', 'status', 'picture', 'frame', 'cell'] as const;
const FROM_PANEL = ['ready', 'frameShown', 'panelError'] as const;
const STATES = ['starting', 'running', 'completed', 'cancelled', 'failed'] as const;

export function parseToPanel(value: unknown): ToPanel {
  const o = record(value, 'message to the panel');
  const type = tag(o, TO_PANEL, 'message to the panel');
  const at = `panel '${type}' message`;
  switch (type) {
    case 'header':
      return { type, title: str(o, 'title', at, { max: 200 }), lines: stringList(o, 'lines', at, 50) };
    case 'status':
      return { type, state: oneOf(o, 'state', STATES, at), text: str(o, 'text', at, { max: 2000 }) };
    case 'picture': {
      const src = str(o, 'src', at, { nonEmpty: true, max: 4096 });
      // The CSP (img-src = the webview's own resource origin) is what keeps remote content out; this only
      // rejects values that cannot be a webview resource URI at all (data:, javascript:, relative paths).
      if (!/^(https?|vscode-[a-z-]+):\/\//.test(src)) {
        throw new ProtocolError(at, `field 'src' ${JSON.stringify(src.slice(0, 80))} is not a webview resource URI; build it with webview.asWebviewUri.`);
      }
      return { type, src, caption: str(o, 'caption', at, { max: 500 }) };
    }
    case 'frame': {
      const frame = parseFrame(o, at);
      return { ...frame, type: 'frame', seq: int(o, 'seq', at, 0) };
    }
    case 'cell':
      return parseCell(o, at);
  }
}

export function parseFromPanel(value: unknown): FromPanel {
  const o = record(value, 'message from the panel');
  const type = tag(o, FROM_PANEL, 'message from the panel');
  const at = `panel '${type}' message`;
  switch (type) {
    case 'ready':
      return { type };
    case 'frameShown':
      return { type, seq: int(o, 'seq', at, 0), step: int(o, 'step', at, 0) };
    case 'panelError':
      return { type, message: str(o, 'message', at, { max: 5000 }) };
  }
}

