import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { initBackend } from '../backend';
import { STUDY_DATASETS, STUDY_FILTERS, type StudyConfig } from '../study/config';
import { writeStudyMarkdown } from '../study/markdown';
import { SYNTHETIC_LABEL } from '../study/label';
import { ARMS } from '../study/report';
import { runStudy } from '../study/study';
import { integer, number } from './options';
import { type Run, emit, table } from './output';

export function studyCommand(run: Run): Command {
  return new Command('study')
    .description(`Augmentation study: a classifier trained on real, real+synthetic and synthetic images, tested on held-out real ones; realism and near-copy checks (${SYNTHETIC_LABEL})`)
    .addOption(new Option('--dataset <name>', 'phantoms or mri').choices(STUDY_DATASETS).makeOptionMandatory())
    .option('--quick', 'small settings that finish in a few minutes', false)
    .option('--out <dir>', 'study folder (generator run, PNGs, study.json, report.md); default .diffusion-lens/studies/<dataset>[-quick]')
    .option('--seeds <n>', 'classifier seeds per arm', integer(1, 20))
    .option('--generator-steps <N>', 'generator training steps', integer(1))
    .option('--synthetic <n>', 'synthetic images to generate', integer(2, 10000))
    .option('--sampler-steps <N>', 'DDIM steps per synthetic image', integer(1, 1000))
    .option('--guidance <s>', 'classifier-free guidance scale', number(0, 50))
    .option('--classifier-steps <N>', 'classifier training steps per seed and arm', integer(1))
    .addOption(new Option('--filter <method>', "keep only the synthetic images a judge says show their caption: judge (a classifier trained on the real set) or scorer (the phantoms' exact pixel scorer)").choices(STUDY_FILTERS).default('none'))
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu')
    .option('--json', 'print progress to stderr and the report as one JSON object on the last line of stdout', false)
    .action((o) =>
      run(async () => {
        const log = (m: string) => process.stderr.write(m + '\n');
        await initBackend(o.backend);
        const out = path.resolve(o.out ?? path.join('.diffusion-lens', 'studies', `${o.dataset}${o.quick ? '-quick' : ''}`));
        const overrides: Partial<StudyConfig> = {};
        for (const [flag, key] of [['seeds', 'seeds'], ['generatorSteps', 'generatorSteps'], ['synthetic', 'synthetic'], ['samplerSteps', 'samplerSteps'], ['guidance', 'guidance'], ['classifierSteps', 'classifierSteps'], ['filter', 'filter']] as const) {
          if (o[flag] !== undefined) overrides[key] = o[flag];
        }
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        const report = await runStudy({ dataset: o.dataset, quick: o.quick, out, overrides, log, signal: controller.signal });
        fs.writeFileSync(path.join(out, 'study.json'), JSON.stringify(report) + '\n');
        const md = writeStudyMarkdown(out, report);
        emit(o.json, report, () =>
          [
            `${SYNTHETIC_LABEL.toUpperCase()}: augmentation study on ${report.dataset}${report.quick ? ' (quick)' : ''}, ${report.seconds.toFixed(0)} s`,
            table(['arm', 'train', 'accuracy per seed', 'mean'], ARMS.map((a) => [a, report.arms[a].trainSize, report.arms[a].accuracy.map((v) => v.toFixed(3)).join(' '), report.arms[a].mean.toFixed(3)])),
            `Fréchet (classifier features): synthetic vs real ${report.frechet.toFixed(2)}; real vs real ${report.frechetRealVsReal.toFixed(2)}`,
            `adherence (${report.adherence.by}): ${(report.adherence.rate * 100).toFixed(1)}%`,
            ...(report.filter ? [`${report.filter.method} filter: the classifiers got ${report.filter.kept} of ${report.filter.requested} requested synthetic images (${report.filter.drawn} drawn, ${report.filter.rounds} redraw rounds)`] : []),
            `nearest training image: min ${report.nearestNeighbour.min.toFixed(4)} RMS; ${report.nearestNeighbour.nearCopies} near-copies below ${report.nearestNeighbour.threshold.toFixed(4)}`,
            ...(report.inpainting ? [`inpainting: ${(report.inpainting.rate * 100).toFixed(1)}% of ${report.inpainting.n} lesions planted into real lesion-free phantoms show what was asked (pixel scorer)`] : []),
            `wrote ${md}, ${path.join(out, report.files.synthetic)}`,
          ].join('\n'),
        );
      }, o.json),
    );
}
