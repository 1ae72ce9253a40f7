/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readFrameRecord } from '../../../../engine/runner/frameRecord';
import { api, run, runsFolder, waitFor, workspace } from '../helpers';

/** A user's module as it would sit in their repository: DDIM (Song et al. eq. 12) and their own timestep list. */
const IMPLEMENTATION = `
export function timesteps({ numTrainSteps, numSteps }) {
  // every 7th timestep from the top: unlike any built-in spacing, so the record shows whose list ran
  return Array.from({ length: numSteps }, (_, i) => numTrainSteps - 1 - 7 * i);
}

export function step({ tf, x, eps, t, tPrev, alphasCumprod, eta, noise }) {
  const ab = alphasCumprod[t];
  const abPrev = tPrev >= 0 ? alphasCumprod[tPrev] : 1;
  const x0 = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
  const sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
  const mean = tf.add(tf.mul(x0, Math.sqrt(abPrev)), tf.mul(eps, Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma))));
  return sigma > 0 ? tf.add(mean, tf.mul(noise, sigma)) : mean;
}
`;

describe('Your own implementation', () => {
  const runDir = () => path.join(runsFolder(), 'tiny-class');
  after(() => run('selectImplementation', { file: '' }));

  it('Select Implementation File sets the setting; sampling then runs the file in the runner and streams every step to the panel', async () => {
    const dir = path.join(workspace(), 'my-ddim');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'ddim.js'), IMPLEMENTATION);
    const selected = await run('selectImplementation', { file: path.join(dir, 'ddim.js') });
    assert.equal(selected.status, 'completed', selected.error);
    assert.equal(vscode.workspace.getConfiguration('diffusionLens').get('implementation'), 'my-ddim/ddim.js', 'stored relative to the workspace');

    const r = await run('sample', { runDir: runDir(), sampler: 'ddim', steps: 6, n: 2, seed: 4, guidance: 3, classIndex: 0 });
    assert.equal(r.status, 'completed', r.error);
    assert.equal(r.frames, 6);
    assert.ok((r.framesReceived ?? 0) >= 1, 'frames streamed while sampling');
    assert.deepEqual(readFrameRecord(r.outDir!).frames.map((f) => f.t), [999, 992, 985, 978, 971, 964], "the user's timesteps ran, not the built-in spacing");
    const lens = await api();
    const panel = await waitFor('the sampling panel to reach the last step', () => lens.panels().find((p) => p.title === 'Sampling tiny-class' && p.lastStepShown === 5 && p.framesShown >= 1));
    assert.deepEqual(panel.rejected, []);
  });

  it('a syntax error in the implementation fails the job with the file and line, and the extension carries on', async () => {
    const file = path.join(workspace(), 'my-ddim', 'broken.ts');
    fs.writeFileSync(file, 'export function betas(T: number) {\n  return new Array(T).fill(0.01 *);\n}\n');
    assert.equal((await run('selectImplementation', { file })).status, 'completed');
    const r = await run('sample', { runDir: runDir(), sampler: 'ddim', steps: 3, n: 1, seed: 0, guidance: 0 });
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /broken\.ts:2:\d+: Unexpected "\)"/);
    assert.equal((await run('selectImplementation', { file: '' })).status, 'completed');
    assert.equal((await run('sample', { runDir: runDir(), sampler: 'ddim', steps: 2, n: 1, seed: 0, guidance: 0 })).status, 'completed', 'the reference again');
  });

  it("a type error fails the job with the file, line and column, found by VS Code's own TypeScript", async () => {
    const file = path.join(workspace(), 'my-ddim', 'mistyped.ts');
    fs.writeFileSync(file, "export function betas(T: number): number[] {\n  const start: number = 'linear';\n  return Array.from({ length: T }, (_, t) => start + t * 1e-5);\n}\n");
    assert.equal((await run('selectImplementation', { file })).status, 'completed');
    const r = await run('sample', { runDir: runDir(), sampler: 'ddim', steps: 3, n: 1, seed: 0, guidance: 0 });
    assert.equal(r.status, 'failed');
    // The workspace has no TypeScript of its own: the compiler is the one VS Code ships, passed to the runner.
    assert.match(r.error ?? '', /mistyped\.ts:2:9: Type 'string' is not assignable to type 'number'\. \(TS2322\), found by TypeScript [\d.]+ \(DLENS_TYPESCRIPT\)/);
    assert.equal((await run('selectImplementation', { file: '' })).status, 'completed');
  });
});
