/**
 * `dlens eval`: the loss-vs-t profile, guidance adherence per scale, and (class models) a Fréchet
 * distance in the judge's feature space with a real-vs-real baseline, plus sample diversity.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDataset } from '../data';
import type { Dataset } from '../data/types';
import { diversityRatio } from '../metrics/diversity';
import { frechetDistance } from '../metrics/frechet';
import { type Judge, loadJudge, trainJudge } from '../metrics/judge';
import { Rng } from '../random';
import type { LoadedRun } from '../train/load';
import { type AdherenceRow, guidedSamples, judgeAdherence, shapesAdherence } from './adherence';
import { lossProfile } from './lossProfile';

export interface EvalOptions {
  scales: number[];
  n: number;
  steps: number;
  seed: number;
  judgeSteps: number;
  log: (msg: string) => void;
}

export interface EvalReport {
  run: string;
  step: number;
  sampler: string;
  lossProfile: { t: number[]; mse: number[] };
  adherence: AdherenceRow[];
  adherenceBy: 'shapes-scorer' | 'judge';
  judge?: { testAccuracy: number; steps: number; note: string };
  /** Fréchet distance in the judge's feature space (not Inception FID) per scale, and between two real sets */
  frechet?: { byScale: Record<string, number>; realVsReal: number; note: string };
  /** mean pairwise feature distance of samples / of real images (1 = as varied as the data) */
  diversity?: Record<string, number>;
  chance: number;
}

export async function evaluateRun(runDir: string, run: LoadedRun, o: EvalOptions): Promise<EvalReport> {
  const m = run.manifest;
  const train = await openDataset(m.dataset.spec, { imageSize: m.dataset.imageSize, seed: m.training.seed });
  const held = m.dataset.spec === 'fashion-mnist' ? await openDataset('fashion-mnist', { split: 'test', imageSize: m.dataset.imageSize }) : train;
  o.log('loss-vs-t profile on real images');
  const profile = await lossProfile(run.model, run.manifest, run.tables, held, 64, 10, 0, run.implementation);
  const report: EvalReport = {
    run: runDir, step: run.step, sampler: `DDIM-${o.steps} (trailing, eta 0, x0 clipped)`, lossProfile: profile, adherence: [],
    adherenceBy: m.model.cond === 'class' ? 'judge' : 'shapes-scorer', chance: 0,
  };
  if (m.model.cond === 'none') return report;
  if ((m.model.cond === 'text' || m.model.cond === 'clip') && !m.dataset.spec.startsWith('shapes')) {
    o.log('adherence needs the shapes scorer or class labels; only the loss profile is reported');
    return report;
  }
  let judge: Judge | undefined;
  if (m.model.cond === 'class') {
    judge = await judgeFor(runDir, train, held, o, report);
    report.chance = 1 / judge.numClasses;
  } else {
    report.chance = 1 / (4 * 4 * 2 * 3); // all four attributes right by luck
  }
  const realFeatures = judge ? (await judge.embedDataset(held, sampleIndices(held.size, o.n, o.seed + 1))).features : undefined;
  const realFeatures2 = judge ? (await judge.embedDataset(held, sampleIndices(held.size, o.n, o.seed + 2))).features : undefined;
  const byScale: Record<string, number> = {};
  const diversity: Record<string, number> = {};
  for (const scale of o.scales) {
    o.log(`guidance ${scale}: sampling ${o.n} images`);
    const batch = await guidedSamples(run, scale, o.n, o.steps, o.seed);
    if (judge) {
      const row = await judgeAdherence(batch, scale, judge);
      report.adherence.push({ scale: row.scale, all: row.all, parts: row.parts });
      byScale[String(scale)] = frechetDistance(row.features, realFeatures!);
      diversity[String(scale)] = diversityRatio(row.features, realFeatures!);
    } else {
      report.adherence.push(await shapesAdherence(batch, scale, m.dataset.imageSize));
    }
    batch.images.dispose();
  }
  if (judge) {
    report.frechet = { byScale, realVsReal: frechetDistance(realFeatures!, realFeatures2!), note: `Fréchet distance in the judge classifier's ${realFeatures![0].length}-d feature space, ${o.n} vs ${o.n} images; not Inception FID, comparable only with the same judge` };
    report.diversity = diversity;
    judge.dispose();
  }
  return report;
}

async function judgeFor(runDir: string, train: Dataset, held: Dataset, o: EvalOptions, report: EvalReport): Promise<Judge> {
  const dir = path.join(runDir, 'judge');
  let judge: Judge;
  if (fs.existsSync(path.join(dir, 'judge.json'))) {
    judge = await loadJudge(dir);
    o.log(`using the judge cached in ${dir}`);
  } else {
    o.log(`training the judge classifier (${o.judgeSteps} steps)`);
    judge = await trainJudge(train, { steps: o.judgeSteps, seed: o.seed });
    await judge.save(dir);
  }
  const testAccuracy = await judge.accuracy(held, sampleIndices(held.size, 2000, 99));
  report.judge = { testAccuracy, steps: o.judgeSteps, note: 'accuracy on 2000 held-out real images' };
  return judge;
}

function sampleIndices(size: number, n: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.int(size));
}
