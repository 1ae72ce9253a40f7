import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { exportLines } from '../../extension/commands/exportLines';

describe('exportLines (where a diagnostic points)', () => {
  it('finds declarations, const exports and names in export lists', () => {
    const src = ['// header', 'export function betas(T) {', '}', 'export const addNoise = (a) => a;', "export { step, timesteps as timesteps } from './other';", 'export async function createModel() {}', 'function stepHelper() {}'].join('\n');
    assert.deepEqual(exportLines(src), {
      betas: { line: 1, start: 16, end: 21 },
      addNoise: { line: 3, start: 13, end: 21 },
      step: { line: 4, start: 9, end: 13 },
      timesteps: { line: 4, start: 28, end: 37 },
      createModel: { line: 5, start: 22, end: 33 },
    });
  });

  it('does not take a longer name or a non-exported function for a contract export', () => {
    assert.deepEqual(exportLines('function step() {}\nexport function stepper() {}\nexport { betasTable };'), {});
  });

  it('points at the buggy export of each example', () => {
    const src = fs.readFileSync(path.join(__dirname, '../../examples/bug-fixed-stride.ts'), 'utf8');
    const at = exportLines(src).step!;
    assert.match(src.split('\n')[at.line], /^export function step\(/);
  });
});
