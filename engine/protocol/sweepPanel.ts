/**
 * The guidance sweep panel's own messages. The extension announces the grid (column scales, row labels,
 * the prompts it was run with) before any image exists, so the panel can draw headers and placeholders;
 * cells then arrive as CellMessages. The panel asks for a new sweep (its prompt fields and Run button)
 * and for one cell's trajectory (a click on the cell).
 */
import { type Fields, ProtocolError, int, numberList, oneOf, str, stringList } from './check';

/** A sweep's limits, shared by the sweep job (jobs.ts) and the panel's requests, so a request that passes makes a valid job. */
export const SWEEP_LIMITS = { scaleMin: -100, scaleMax: 100, maxScales: 32, maxRows: 64, promptMax: 500 } as const;

export interface SweepGridMessage {
  type: 'sweepGrid';
  /** guidance scale of each column */
  scales: number[];
  /** label of each row (its seed, and its prompt or class) */
  rows: string[];
  prompt: string;
  negativePrompt: string;
  /** what the prompt field means: a class name, a caption, or a CLIP prompt */
  cond: 'class' | 'text' | 'clip';
}

/** Run button: a new sweep of the same run with these prompts and scales. */
export interface RunSweepMessage {
  type: 'runSweep';
  prompt: string;
  negativePrompt: string;
  scales: number[];
}

/** A click on a cell: sample it again with its trajectory recorded. */
export interface OpenCellMessage {
  type: 'openCell';
  row: number;
  col: number;
}

const scales = (o: Fields, at: string) => numberList(o, 'scales', at, { min: SWEEP_LIMITS.scaleMin, max: SWEEP_LIMITS.scaleMax, maxLength: SWEEP_LIMITS.maxScales });
const prompt = (o: Fields, key: string, at: string) => str(o, key, at, { max: SWEEP_LIMITS.promptMax });

export function parseSweepGrid(o: Fields, at: string): SweepGridMessage {
  const rows = stringList(o, 'rows', at, SWEEP_LIMITS.maxRows);
  if (rows.length === 0) throw new ProtocolError(at, "field 'rows' is empty; a sweep has at least one row.");
  return {
    type: 'sweepGrid', scales: scales(o, at), rows, prompt: prompt(o, 'prompt', at), negativePrompt: prompt(o, 'negativePrompt', at),
    cond: oneOf(o, 'cond', ['class', 'text', 'clip'] as const, at),
  };
}

export function parseRunSweep(o: Fields, at: string): RunSweepMessage {
  return { type: 'runSweep', prompt: prompt(o, 'prompt', at), negativePrompt: prompt(o, 'negativePrompt', at), scales: scales(o, at) };
}

export function parseOpenCell(o: Fields, at: string): OpenCellMessage {
  return { type: 'openCell', row: int(o, 'row', at, 0, SWEEP_LIMITS.maxRows - 1), col: int(o, 'col', at, 0, SWEEP_LIMITS.maxScales - 1) };
}

/** Parses the scales field as typed ("0, 1, 3, 7.5"); the reason when it is not a list of scales. */
export function parseScalesText(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return 'Enter at least one guidance scale, e.g. 0, 1, 3, 7.5.';
  if (parts.length > SWEEP_LIMITS.maxScales) return `At most ${SWEEP_LIMITS.maxScales} scales; remove ${parts.length - SWEEP_LIMITS.maxScales}.`;
  const values = parts.map(Number);
  const bad = parts.find((p, i) => p.trim() === '' || !Number.isFinite(values[i]) || values[i] < SWEEP_LIMITS.scaleMin || values[i] > SWEEP_LIMITS.scaleMax);
  if (bad !== undefined) return `"${bad}" is not a scale; use numbers from ${SWEEP_LIMITS.scaleMin} to ${SWEEP_LIMITS.scaleMax}, separated by commas.`;
  return values;
}
