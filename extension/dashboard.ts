/**
 * The training dashboard's host side. Progress arrives as often as the trainer logs (10+ times a second
 * on a small model); the panel gets it in batches at most every FLUSH_MS, and a rebuilt or reopened panel
 * gets the whole history at once. Memory stays bounded: TrainHistory keeps a downsampled history.
 * A run that is not training shows its record: metrics.jsonl and the newest previews on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Batcher, type FromRunner, type TrainPreviewMessage } from '../engine/protocol';
import type { RunManifest } from '../engine/run/manifest';
import { readMetricsLog } from '../engine/run/metricsLog';
import { TrainHistory, type TrainPoint, metricsMessage } from '../engine/run/trainHistory';
import type { LensPanel } from './panel';
import type { Panels } from './panels';

export const FLUSH_MS = 250;

export class TrainDashboard {
  private readonly history = new TrainHistory();
  private readonly batches = new Batcher<TrainPoint>(FLUSH_MS, (points) => this.panel?.send(metricsMessage(points, this.steps, false)));
  private preview: { step: number; ema: string; raw?: string } | undefined;
  private steps: number;
  private current: LensPanel | undefined;

  /** `lines`: what the header says about the run; `steps`: its length, when known before progress arrives */
  constructor(private readonly panels: Panels, private readonly runDir: string, private readonly runsFolder: string, private readonly lines: string[], steps?: number) {
    const log = readMetricsLog(runDir);
    this.history.addAll(log.points);
    this.steps = steps ?? log.steps ?? Math.max(1, this.history.latest?.step ?? 1);
    this.preview = newestPreview(runDir);
  }

  /** The dashboard's panel, opened (or revealed) now. */
  show(): LensPanel {
    const name = path.basename(this.runDir);
    const panel = this.panels.single(`dashboard:${this.runDir}`, `Training ${name}`, this.runsFolder);
    if (panel !== this.current) {
      this.current = panel;
      panel.setHeader(`Training ${name}`, this.lines);
      panel.keep('trainMetrics', () => metricsMessage(this.history.points, this.steps, true));
      panel.keep('trainPreview', () => this.previewMessage(panel));
    }
    return panel;
  }

  get panel(): LensPanel | undefined {
    return this.current?.isDisposed ? undefined : this.current;
  }

  /** Runner messages of the training job. */
  receive(msg: FromRunner): void {
    if (msg.type === 'trainProgress') {
      this.steps = msg.steps;
      const p: TrainPoint = { step: msg.step, loss: msg.loss, lr: msg.lr, gradNorm: msg.gradNorm, stepsPerSecond: msg.stepsPerSecond, lossByBucket: Array.from(msg.lossByBucket) };
      this.history.add(p);
      this.batches.add(p);
    } else if (msg.type === 'preview') {
      this.preview = { step: msg.step, ema: msg.file, raw: msg.rawFile };
      const panel = this.panel;
      const m = panel && this.previewMessage(panel);
      if (m) panel.send(m);
    }
  }

  /** Sends what arrived since the last batch; the job's end calls it so the last point is never held back. */
  flush(): void {
    this.batches.flush();
  }

  private previewMessage(panel: LensPanel): TrainPreviewMessage | undefined {
    const p = this.preview;
    if (!p) return undefined;
    const uri = (f: string) => panel.resourceUri(vscode.Uri.file(f));
    return { type: 'trainPreview', step: p.step, ema: uri(p.ema), raw: p.raw ? uri(p.raw) : undefined };
  }
}

/** One dashboard per run: a live one while it trains here, otherwise one read from its record. */
export class TrainDashboards {
  private readonly live = new Map<string, TrainDashboard>();

  constructor(private readonly panels: Panels) {}

  /** The live dashboard of a run training here, or one showing the run's record. */
  open(runDir: string, runsFolder: string, m: RunManifest): TrainDashboard {
    const dashboard = this.live.get(path.resolve(runDir)) ?? new TrainDashboard(this.panels, runDir, runsFolder, manifestLines(m), m.training.steps);
    dashboard.show();
    return dashboard;
  }

  /** A training job starts: its dashboard begins from what the record holds (a resumed run's past). */
  startLive(runDir: string, runsFolder: string, lines: string[], steps: number): TrainDashboard {
    const dashboard = new TrainDashboard(this.panels, runDir, runsFolder, lines, steps);
    this.live.set(path.resolve(runDir), dashboard);
    return dashboard;
  }

  endLive(runDir: string): void {
    this.live.get(path.resolve(runDir))?.flush();
    this.live.delete(path.resolve(runDir));
  }

  get(runDir: string): TrainDashboard | undefined {
    return this.live.get(path.resolve(runDir));
  }
}

export function manifestLines(m: RunManifest): string[] {
  return [
    `${m.preset} U-Net, ${(m.parameters / 1e6).toFixed(2)}M parameters, conditioning ${m.model.cond}; ${m.dataset.spec} ${m.dataset.imageSize}px`,
    `batch ${m.training.batchSize}, learning rate ${m.training.learningRate}, EMA decay ${m.training.emaDecay}; schedule ${m.schedule.name}, T = ${m.schedule.T}; ${m.status} at step ${m.step} of ${m.training.steps}`,
  ];
}

/** previews/step-N.png with its step-N-raw.png, the newest step first. */
function newestPreview(runDir: string): { step: number; ema: string; raw?: string } | undefined {
  const dir = path.join(runDir, 'previews');
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const steps = names.map((n) => /^step-(\d+)\.png$/.exec(n)).filter((m): m is RegExpExecArray => m !== null).map((m) => m[1]).sort();
  const newest = steps.pop();
  if (!newest) return undefined;
  const raw = path.join(dir, `step-${newest}-raw.png`);
  return { step: Number(newest), ema: path.join(dir, `step-${newest}.png`), raw: fs.existsSync(raw) ? raw : undefined };
}
