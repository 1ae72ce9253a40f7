/** What a job may do besides computing: report, stream and notice cancellation. */
import type { DoctorReport } from '../doctor/types';
import type { CellMessage, DoneMessage, FrameMessage, HeatmapMessage, TrainProgressMessage } from '../protocol/runner';

export interface JobContext {
  signal: AbortSignal;
  log(message: string, level?: 'info' | 'warn'): void;
  progress(p: Omit<TrainProgressMessage, 'type'>): void;
  preview(step: number, file: string, rawFile?: string): void;
  /** coalesced on the way out (latest wins); record it on disk before calling */
  frame(f: FrameMessage): void;
  /** never dropped: each cell is a different image */
  cell(c: CellMessage): void;
  /** never dropped: one per model */
  heatmap(h: HeatmapMessage): void;
  /** the doctor job's one result */
  doctorReport(r: DoctorReport): void;
}

export type JobOutcome = Omit<DoneMessage, 'type'>;
