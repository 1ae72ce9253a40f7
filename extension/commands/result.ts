/** What every command resolves to, so callers (tests, other extensions) can tell how it went. */
export interface CommandResult {
  status: 'completed' | 'cancelled' | 'failed' | 'dismissed' | 'error' | 'restricted' | 'unavailable';
  error?: string;
  runDir?: string;
  outDir?: string;
  files?: string[];
  step?: number;
  resumedFrom?: number;
  warnings?: string[];
  /** frames recorded (sample, forward) or replayed (open) */
  frames?: number;
  /** frames that reached the extension while running (the runner coalesces: latest wins) */
  framesReceived?: number;
  /** stop: milliseconds from Stop until the runner was gone */
  stopMs?: number;
  text?: string;
  /** Check My Implementation: each finding's check id and severity */
  findings?: { check: string; severity: 'error' | 'warning' }[];
}
