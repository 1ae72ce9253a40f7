#!/usr/bin/env node
/** `dlens`: the engine from the command line. Every command has --help; --json prints one JSON object. */
import { Command } from 'commander';
import { doctorCommand } from './doctor';
import { forwardCommand } from './forward';
import { heatmapCommand } from './heatmap';
import { oracleCommand } from './oracle';
import { fail } from './output';
import { evalCommand } from './evaluate';
import { sampleCommand } from './sample';
import { trainCommand } from './train';
import { studyCommand } from './study';
import { sweepCommand } from './sweep';
import { backendCommand, scheduleCommand, timestepsCommand } from './schedule';

async function run(fn: (json: boolean) => Promise<void> | void, json: boolean): Promise<void> {
  try {
    await fn(json);
  } catch (err) {
    fail(err, json);
  }
}

const program = new Command('dlens')
  .description('Diffusion Lens engine: schedules, timesteps, exact-oracle sampling, forward process, implementation checks')
  .version(require('../../package.json').version)
  .showHelpAfterError('(run with --help for usage)')
  .showSuggestionAfterError(true);

for (const make of [trainCommand, sampleCommand, sweepCommand, evalCommand, heatmapCommand, studyCommand, scheduleCommand, timestepsCommand, oracleCommand, forwardCommand, doctorCommand, backendCommand]) {
  program.addCommand(make(run).showHelpAfterError('(run with --help for usage)'));
}

program.parseAsync(process.argv).catch((err) => fail(err, process.argv.includes('--json')));
