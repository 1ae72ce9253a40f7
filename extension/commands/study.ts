/**
 * Diffusion: Augmentation Study — runs the study (engine/study) in a runner, then opens its report panel:
 * accuracy per arm, realism, near-copies, pictures; Export writes report.md with the panel's charts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type StudyJob, type StudyView, parseJob } from '../../engine/protocol';
import type { StudyFilter } from '../../engine/study/config';
import { writeStudyMarkdown } from '../../engine/study/markdown';
import { ARMS, type StudyReport } from '../../engine/study/report';
import { stamp } from '../paths';
import { pick } from '../prompts';
import type { Services } from '../services';
import { isArgObject, parseArgs } from './args';
import type { CommandResult } from './result';

const NAME = 'Diffusion: Augmentation Study';

const SCHEMA = {
  dataset: { type: 'string', values: ['phantoms', 'mri'] },
  quick: { type: 'bool' },
  generatorSteps: { type: 'int', min: 1, max: 1_000_000 },
  synthetic: { type: 'int', min: 2, max: 10_000 },
  samplerSteps: { type: 'int', min: 1, max: 1000 },
  classifierSteps: { type: 'int', min: 1, max: 1_000_000 },
  seeds: { type: 'int', min: 1, max: 20 },
  filter: { type: 'string', values: ['none', 'judge', 'scorer'] },
  hangTimeoutMs: { type: 'int', min: 1000 },
} as const;

interface StudyChoices {
  dataset: 'phantoms' | 'mri';
  quick: boolean;
  filter: StudyFilter;
}

export async function studyCommand(s: Services, arg: unknown): Promise<CommandResult> {
  const a = isArgObject(arg) ? parseArgs(NAME, arg, SCHEMA) : undefined;
  const last = s.memory.recall<Partial<StudyChoices>>('study');
  const choices = a?.dataset ? { dataset: a.dataset as StudyChoices['dataset'], quick: a.quick ?? true, filter: (a.filter ?? 'none') as StudyFilter } : await ask(last);
  if (!choices) return { status: 'dismissed' };
  s.memory.remember('study', choices);
  const settings = s.settings();
  // Beside the runs folder, not in it: the Runs view lists every folder there as a run (.diffusion-lens/studies, as the CLI).
  const outDir = path.join(path.dirname(settings.runsFolder), 'studies', `${choices.dataset}${choices.quick ? '-quick' : ''}-${stamp()}`);
  const job = parseJob({
    kind: 'study', backend: settings.backend, outDir, dataset: choices.dataset, quick: choices.quick,
    generatorSteps: a?.generatorSteps, synthetic: a?.synthetic, samplerSteps: a?.samplerSteps, classifierSteps: a?.classifierSteps, seeds: a?.seeds,
    ...(choices.filter !== 'none' ? { filter: choices.filter } : {}),
  }) as StudyJob;
  fs.mkdirSync(outDir, { recursive: true });
  const panel = s.panels.create(`Augmentation study ${choices.dataset}`, outDir);
  panel.setHeader(`Augmentation study: ${choices.dataset}${choices.quick ? ' (quick)' : ''}`, ['synthetic — not for diagnosis', 'classifier arms: real, real + synthetic, synthetic only; tested on held-out real images', `record: ${outDir}`]);
  const r = await s.jobs.run(job, { title: `augmentation study ${choices.dataset}`, panel, hangTimeoutMs: a?.hangTimeoutMs }).done;
  if (r.status !== 'completed') return { status: r.status, error: r.error, outDir, files: r.files };
  const report = JSON.parse(fs.readFileSync(path.join(outDir, 'study.json'), 'utf8')) as StudyReport;
  const pictures = [
    { file: report.files.synthetic, caption: `${report.label}: generated samples` },
    { file: report.files.real, caption: 'the real training set' },
    ...(report.files.inpainted ? [{ file: report.files.inpainted, caption: `${report.label}: lesions inpainted into real lesion-free phantoms` }] : []),
    ...(report.files.nearCopies ? [{ file: report.files.nearCopies, caption: `${report.label}: near-copies beside their nearest training image` }] : []),
  ].map((p) => ({ file: vscode.Uri.file(path.join(outDir, p.file)), caption: p.caption }));
  panel.showStudy(studyView(report), pictures);
  panel.onExportStudy = (msg) => {
    try {
      const png = (url: string) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
      const file = writeStudyMarkdown(outDir, report, { accuracy: png(msg.charts.accuracy), nearest: png(msg.charts.nearest) });
      panel.setStatus('completed', `exported ${file}`);
      s.log.line(`augmentation study report: ${file}`);
    } catch (err) {
      const message = `Could not write the report into ${outDir}: ${(err as Error).message}. Fix: check that the folder is writable and the disk is not full.`;
      panel.setStatus('failed', message);
      s.log.error(message);
    }
  };
  const mean = (arm: (typeof ARMS)[number]) => `${arm} ${(report.arms[arm].mean * 100).toFixed(1)}%`;
  const text = `${report.label}: ${ARMS.map(mean).join(', ')}; Fréchet ${report.frechet.toFixed(2)}; ${report.nearestNeighbour.nearCopies} near-copies`;
  s.log.line(text);
  return { status: 'completed', outDir, files: r.files, text };
}

async function ask(last: Partial<StudyChoices>): Promise<StudyChoices | undefined> {
  const dataset = await pick(`${NAME}: data`, [
    { label: 'Lesion phantoms', description: 'procedural, exact ground truth', value: 'phantoms' as const },
    { label: 'Brain MRI slices', description: 'mricron-data ch2 + AAL atlas', value: 'mri' as const },
  ], last.dataset);
  if (!dataset) return undefined;
  const quick = await pick(`${NAME}: size`, [
    { label: 'Quick', description: 'a few minutes; numbers only show that it runs', value: true },
    { label: 'Full', description: 'about half an hour; the README\'s settings', value: false },
  ], last.quick);
  if (quick === undefined) return undefined;
  const filter = await pick(`${NAME}: synthetic images`, [
    { label: 'All', description: 'every generated image goes to the classifiers (the headline study)', value: 'none' as const },
    { label: 'Filtered by a classifier', description: 'only those a classifier trained on the real set says show their caption; the rest drawn again', value: 'judge' as const },
    ...(dataset === 'phantoms' ? [{ label: 'Filtered by the exact scorer', description: 'only those the phantoms\' pixel scorer says show exactly their caption; the rest drawn again', value: 'scorer' as const }] : []),
  ], last.filter === 'scorer' && dataset !== 'phantoms' ? 'none' : last.filter);
  if (filter === undefined) return undefined;
  return { dataset, quick, filter };
}

/** The report as the panel protocol carries it. */
export function studyView(r: StudyReport): StudyView {
  const n = r.nearestNeighbour;
  return {
    label: r.label, dataset: r.dataset, quick: r.quick, classNames: r.classNames,
    arms: ARMS.map((name) => ({ name, ...r.arms[name] })).map(({ name, accuracy, mean, std, trainSize }) => ({ name, accuracy, mean, std, trainSize })),
    frechet: r.frechet, frechetRealVsReal: r.frechetRealVsReal, adherence: r.adherence,
    nearest: { min: n.min, threshold: n.threshold, nearCopies: n.nearCopies, count: n.distances.length, edges: n.histogram.edges, synthetic: n.histogram.synthetic, realToReal: n.histogram.realToReal },
    inpainting: r.inpainting,
    filter: r.filter,
    seconds: r.seconds,
  };
}
