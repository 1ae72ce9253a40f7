/**
 * Reads the runs folder for the Runs view. Never throws: a folder that is not a readable run becomes an
 * entry that says what is wrong with it, so one damaged run cannot break the list. No vscode import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listCheckpoints } from '../engine/run/checkpoint';
import { type RunManifest, manifestPath, readManifest } from '../engine/run/manifest';

export type RunState = 'running' | 'completed' | 'cancelled' | 'failed' | 'corrupt' | 'partial';

export interface RunInfo {
  dir: string;
  name: string;
  state: RunState;
  /** why a corrupt or partial record cannot be used, or what is odd about a usable one */
  problem?: string;
  /** what to do about the problem */
  fix?: string;
  manifest?: RunManifest;
  step?: number;
  steps?: number;
  checkpointStep?: number;
  lastLoss?: number;
  /** newest first */
  sortKey: number;
}

export function scanRuns(folder: string): RunInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  } catch {
    return [];
  }
  return names.map((n) => readRunInfo(path.join(folder, n))).sort((a, b) => b.sortKey - a.sortKey || a.name.localeCompare(b.name));
}

export function readRunInfo(dir: string): RunInfo {
  const name = path.basename(dir);
  const sortKey = mtime(dir);
  if (!fs.existsSync(manifestPath(dir))) {
    return { dir, name, state: 'partial', sortKey, problem: 'it has no manifest.json: the run stopped before its first write, or the folder is not a run.', fix: 'delete it from the Runs view.' };
  }
  let m: RunManifest;
  try {
    m = readManifest(dir);
    const problem = shapeProblem(m);
    if (problem) throw new Error(`manifest.json ${problem}.`);
  } catch (err) {
    // The folder is in the tooltip already; keep the reason short enough for the view's description.
    const problem = (err as Error).message.replace(/ Fix: .*$/s, '').split(dir + path.sep).join('');
    return { dir, name, state: 'corrupt', sortKey, problem, fix: 'restore manifest.json from a backup, or delete the run from the Runs view.' };
  }
  const checkpoints = listCheckpoints(dir);
  const info: RunInfo = {
    dir, name, state: m.status, manifest: m, step: m.step, steps: m.training.steps, sortKey: Date.parse(m.createdAt) || sortKey,
    checkpointStep: checkpoints.length ? checkpoints[checkpoints.length - 1] : undefined, lastLoss: lastLoss(dir),
  };
  if (m.checkpoint && !checkpoints.length) {
    info.problem = `The manifest names ${m.checkpoint.file}, but checkpoints/ holds no checkpoint: sampling and resuming are impossible.`;
    info.fix = 'restore the checkpoints folder, or delete the run.';
  }
  else if (m.status === 'failed' && m.error) info.problem = m.error;
  return info;
}

/** readManifest checks the format tag; these are the fields the view and the commands rely on. */
function shapeProblem(m: RunManifest): string | undefined {
  if (!['running', 'completed', 'cancelled', 'failed'].includes(m.status)) return `has an unknown status ${JSON.stringify(m.status)}`;
  if (!Number.isInteger(m.step) || m.step < 0) return `has no valid 'step'`;
  if (!Number.isInteger(m.training?.steps) || m.training.steps < 1) return `has no valid 'training.steps'`;
  if (!m.dataset || typeof m.dataset.spec !== 'string') return `has no 'dataset'`;
  return undefined;
}

/** The loss of the last metrics line, reading only the end of metrics.jsonl. */
function lastLoss(dir: string): number | undefined {
  const file = path.join(dir, 'metrics.jsonl');
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(Math.min(size, 4096));
    fs.readSync(fd, buf, 0, buf.length, size - buf.length);
    fs.closeSync(fd);
    const lines = buf.toString('utf8').trim().split('\n');
    const loss = JSON.parse(lines[lines.length - 1]).loss;
    return typeof loss === 'number' ? loss : undefined;
  } catch {
    return undefined;
  }
}

function mtime(dir: string): number {
  try {
    return fs.statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

/** Sample/sweep output folders of a run, newest first. */
export function outputFolders(runDir: string, kind: 'samples' | 'sweeps'): string[] {
  const dir = path.join(runDir, kind);
  try {
    return fs.readdirSync(dir).filter((n) => !n.startsWith('.')).sort().reverse().map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}
