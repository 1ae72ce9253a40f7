/**
 * The Guidance Sweep panel: a grid with a column per guidance scale and a row per seed or prompt, each
 * cell a placeholder until its image arrives; the prompt, negative-prompt and scales fields with a Run
 * button (a new sweep); a click on a finished image asks for its trajectory. Controls are VS Code's own
 * look from @vscode-elements/elements; every request is checked with the shared protocol before it goes.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { type CellMessage, ProtocolError, type SweepGridMessage, parseFromPanel, parseScalesText } from '../engine/protocol';
import { drawImage } from './draw';
import type { StateStore, SweepDraft } from './state';

/** What the prompt field takes, by the run's conditioning. */
const PROMPT_HINT: Record<SweepGridMessage['cond'], string> = {
  class: 'a class name; empty: one class per row',
  text: 'a caption; several separated by | make one row each',
  clip: 'a prompt; several separated by | make one row each',
};

type TextField = HTMLElement & { value: string; placeholder: string; disabled: boolean };

export class SweepView {
  private readonly fields: { prompt: TextField; negativePrompt: TextField; scales: TextField };
  private readonly table: HTMLTableElement;
  private readonly formError: HTMLElement;
  private readonly progress: HTMLElement;
  /** the grid's size once announced (or inferred from the first cell) */
  private size: { rows: number; cols: number } | undefined;

  constructor(private readonly section: HTMLElement, private readonly state: StateStore, private readonly post: (msg: unknown) => void) {
    const q = <T extends HTMLElement>(sel: string) => section.querySelector(sel) as T;
    this.fields = { prompt: q('#sweepPrompt'), negativePrompt: q('#sweepNegative'), scales: q('#sweepScales') };
    this.table = q('#sweepGrid');
    this.formError = q('#sweepFormError');
    this.progress = q('#sweepProgress');
    for (const f of Object.values(this.fields)) f.addEventListener('input', () => this.saveDraft());
    q('#sweepRun').addEventListener('click', () => this.run());
    section.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.target as HTMLElement).tagName === 'VSCODE-TEXTFIELD') this.run();
    });
    // One listener for every cell; a placeholder (no image yet) is not a trajectory to open.
    this.table.addEventListener('click', (e) => {
      const cell = (e.target as HTMLElement).closest<HTMLElement>('button.cell');
      if (cell?.dataset.filled === 'true') this.send({ type: 'openCell', row: Number(cell.dataset.row), col: Number(cell.dataset.col) });
    });
  }

  /** A new sweep: headers from its scales and row labels, a placeholder in every cell, the fields filled. */
  showGrid(msg: SweepGridMessage): void {
    this.section.hidden = false;
    this.build(msg.scales.length, msg.rows.length, (c) => `s = ${msg.scales[c]}`, (r) => msg.rows[r]);
    const draft = this.state.get().sweepDraft;
    // What the user typed wins over what the last sweep ran with: they may not have pressed Run yet.
    this.fill(draft ?? { prompt: msg.prompt, negativePrompt: msg.negativePrompt, scales: msg.scales.join(', ') });
    this.fields.prompt.placeholder = PROMPT_HINT[msg.cond];
    this.fields.negativePrompt.disabled = msg.cond === 'class';
    this.fields.negativePrompt.placeholder = msg.cond === 'class' ? 'class models have no negative prompt' : 'replaces the unconditional branch of guidance';
  }

  drawCell(c: CellMessage): void {
    if (!this.size) {
      // Cells without an announced grid (an older host): the cells carry their own scale and label.
      this.section.hidden = false;
      this.build(c.cols, c.rows, () => '', () => '');
    } else if (this.size.rows !== c.rows || this.size.cols !== c.cols) {
      throw new ProtocolError("panel 'cell' message", `cell (${c.row}, ${c.col}) belongs to a ${c.rows} x ${c.cols} grid but the sweep shown is ${this.size.rows} x ${this.size.cols}.`);
    }
    const button = this.table.querySelector<HTMLButtonElement>(`button.cell[data-row="${c.row}"][data-col="${c.col}"]`)!;
    drawImage(button.querySelector('canvas')!, c.image, 0);
    button.dataset.filled = 'true';
    button.disabled = false;
    button.setAttribute('aria-label', `${c.label} at guidance scale ${c.scale}: open its trajectory`);
    button.title = `${c.label}, s = ${c.scale}: click to step through its trajectory`;
    const colHead = this.table.tHead!.rows[0].cells[c.col + 1];
    if (!colHead.textContent) colHead.textContent = `s = ${c.scale}`;
    const rowHead = this.table.tBodies[0].rows[c.row].cells[0];
    if (!rowHead.textContent) rowHead.textContent = c.label;
    this.showProgress();
  }

  private showProgress(): void {
    const done = this.table.querySelectorAll('button.cell[data-filled=true]').length;
    const all = this.size!.rows * this.size!.cols;
    this.progress.textContent = `${done} of ${all} images${done ? '; click one to step through its trajectory' : ''}`;
  }

  private build(cols: number, rows: number, colLabel: (c: number) => string, rowLabel: (r: number) => string): void {
    this.size = { rows, cols };
    const head = document.createElement('tr');
    head.append(document.createElement('th'), ...Array.from({ length: cols }, (_, c) => Object.assign(document.createElement('th'), { scope: 'col', textContent: colLabel(c) })));
    const body = Array.from({ length: rows }, (_, r) => {
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: rowLabel(r) }));
      for (let c = 0; c < cols; c++) {
        const button = Object.assign(document.createElement('button'), { className: 'cell', disabled: true });
        Object.assign(button.dataset, { row: String(r), col: String(c), filled: 'false' });
        button.setAttribute('aria-label', 'waiting for this image');
        button.append(document.createElement('canvas'));
        const td = document.createElement('td');
        td.append(button);
        tr.append(td);
      }
      return tr;
    });
    const thead = document.createElement('thead');
    const tbody = document.createElement('tbody');
    thead.append(head);
    tbody.append(...body);
    this.table.replaceChildren(thead, tbody);
    this.showProgress();
  }

  private fill(d: SweepDraft): void {
    this.fields.prompt.value = d.prompt;
    this.fields.negativePrompt.value = d.negativePrompt;
    this.fields.scales.value = d.scales;
  }

  private draft(): SweepDraft {
    return { prompt: this.fields.prompt.value, negativePrompt: this.fields.negativePrompt.value, scales: this.fields.scales.value };
  }

  private saveDraft(): void {
    this.state.update({ sweepDraft: this.draft() });
  }

  private run(): void {
    const d = this.draft();
    const scales = parseScalesText(d.scales);
    if (typeof scales === 'string') {
      this.formError.textContent = scales;
      return;
    }
    this.formError.textContent = '';
    this.saveDraft();
    this.send({ type: 'runSweep', prompt: d.prompt.trim(), negativePrompt: d.negativePrompt.trim(), scales });
  }

  /** Checked with the extension's own validator first: a request the host would reject is shown here instead. */
  private send(msg: unknown): void {
    try {
      this.post(parseFromPanel(msg));
    } catch (err) {
      this.formError.textContent = (err as Error).message;
    }
  }
}
