/**
 * The forward-process strips under the Schedules panel's plots: the built-in example image noised by
 * q(x_t | x_0) at t = 0, 250, 500, 750, 999 under each schedule, with the same noise (a fixed seed), so
 * the strips differ only by the schedule. Each strip is a forward job in a runner (the engine's qSample,
 * recorded like any forward job); a strip already recorded with the same request is read back instead,
 * since the same request gives the same pixels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffusionTables } from '../engine/diffusion';
import { type ForwardJob, type ForwardStripMessage, parseJob } from '../engine/protocol';
import { readJobRecord } from '../engine/runner/jobRecord';
import { readFrameRecord } from '../engine/runner/frameRecord';
import { SCHEDULE_NAMES, type ScheduleName, makeBetas } from '../engine/schedules';
import { forwardFolder } from './paths';
import type { Services } from './services';

export const STRIP_TIMESTEPS = [0, 250, 500, 750, 999];
const STRIP_SEED = 0;
/** examples/shapes.png's own size */
const STRIP_SIZE = 64;

/** Strips computed in this session, by schedule; a Schedules panel opened later gets them at once. */
const done = new Map<string, ForwardStripMessage>();
let computing: Promise<void> | undefined;

/**
 * Sends every strip to the panel `target()` returns when it is ready (the open Schedules panel, which
 * may be closed and reopened meanwhile); strips already known go out at once.
 */
export function showForwardStrips(s: Services, T: number, target: () => { keep(key: string, current: () => ForwardStripMessage): void } | undefined): Promise<void> {
  for (const strip of done.values()) if (strip.T === T) target()?.keep(stripKey(strip.schedule), () => strip);
  computing ??= computeStrips(s, T, (strip) => target()?.keep(stripKey(strip.schedule), () => strip)).finally(() => (computing = undefined));
  return computing;
}

export const stripKey = (schedule: string) => `forwardStrip:${schedule}`;

async function computeStrips(s: Services, T: number, ready: (strip: ForwardStripMessage) => void): Promise<void> {
  const settings = s.settings();
  for (const schedule of SCHEDULE_NAMES) {
    if (done.get(schedule)?.T === T) continue;
    const outDir = path.join(forwardFolder(settings.runsFolder), 'schedules', schedule);
    const job = parseJob({ kind: 'forward', backend: settings.backend, outDir, image: s.builtinImage, size: STRIP_SIZE, schedule, T, timesteps: STRIP_TIMESTEPS, seed: STRIP_SEED }) as ForwardJob;
    if (!recordedAlready(job)) {
      fs.rmSync(outDir, { recursive: true, force: true });
      const r = await s.jobs.run(job, { title: `forward process, ${schedule} schedule` }).done;
      if (r.status !== 'completed') throw new Error(`the forward process of the ${schedule} schedule ${r.status === 'failed' ? `failed: ${r.error}` : 'was cancelled'}`);
    }
    const strip = stripFromRecord(job);
    done.set(schedule, strip);
    ready(strip);
  }
}

/** A completed record of the same request (the backend aside: every backend computes q(x_t | x_0) alike). */
function recordedAlready(job: ForwardJob): boolean {
  const record = readJobRecord(job.outDir);
  if (record?.status !== 'completed' || record.job.kind !== 'forward') return false;
  const what = (j: ForwardJob) => JSON.stringify([j.image, j.size, j.schedule, j.T, j.timesteps, j.seed]);
  return what(record.job) === what(job);
}

/** The recorded x_t of each timestep, as one batch, with alphaBar_t from the schedule's float64 table. */
export function stripFromRecord(job: ForwardJob): ForwardStripMessage {
  const { frames, problems } = readFrameRecord(job.outDir);
  const xs = job.timesteps.map((t) => frames.find((f) => f.t === t)?.load().x);
  if (xs.some((x) => !x)) throw new Error(`the record in ${job.outDir} lacks some of t = ${job.timesteps.join(', ')}${problems.length ? ` (${problems.join('; ')})` : ''}`);
  const [, h, w, c] = xs[0]!.shape;
  const data = new Float32Array(xs.length * h * w * c);
  xs.forEach((x, i) => data.set(x!.data, i * h * w * c));
  const { alphasCumprod } = diffusionTables(makeBetas(job.schedule as ScheduleName, job.T));
  return { type: 'forwardStrip', schedule: job.schedule, T: job.T, timesteps: job.timesteps, alphasCumprod: job.timesteps.map((t) => alphasCumprod[t]), images: { shape: [xs.length, h, w, c], data } };
}
