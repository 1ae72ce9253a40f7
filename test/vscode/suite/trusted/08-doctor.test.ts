/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, run, waitFor, workspace } from '../helpers';

/** A user's DDPM step with the classic bug: noise is added on the last step too. */
const LAST_STEP_NOISE = `// my DDPM sampler
export function step({ tf, x, eps, t, tPrev, alphasCumprod, noise }) {
  const ab = alphasCumprod[t];
  const abPrev = tPrev >= 0 ? alphasCumprod[tPrev] : 1;
  const beta = 1 - ab / abPrev;
  const x0 = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
  const mean = tf.add(tf.mul(x0, (Math.sqrt(abPrev) * beta) / (1 - ab)), tf.mul(x, (Math.sqrt(1 - beta) * (1 - abPrev)) / (1 - ab)));
  return tf.add(mean, tf.mul(noise, Math.sqrt(beta)));
}
`;

describe('Check My Implementation', () => {
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('runs the doctor on a broken file: the finding is in the result, the panel and the Problems view at the export', async () => {
    const file = path.join(workspace(), 'my-ddpm', 'last-step.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, LAST_STEP_NOISE);
    const r = await run('checkImplementation', { file: 'my-ddpm/last-step.js' });
    assert.equal(r.status, 'completed', r.error);
    assert.deepEqual(r.findings?.find((f) => f.check === 'sampler.final-noise'), { check: 'sampler.final-noise', severity: 'error' });
    const lens = await api();
    const panel = await waitFor('the findings panel', () => lens.panels().find((p) => p.title === 'Check last-step.js' && p.findings.includes('sampler.final-noise')));
    assert.deepEqual(panel.rejected, []);
    const problems = vscode.languages.getDiagnostics(vscode.Uri.file(file));
    const d = problems.find((p) => p.code === 'sampler.final-noise');
    assert.ok(d, JSON.stringify(problems.map((p) => p.code)));
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.range.start.line, 1, 'on the line that exports step');
    assert.match(d.message, /adds noise of std .*Fix: add sigma \* noise only when tPrev >= 0/s);
  });

  it('a correct file: no errors, the Problems view is cleared for it', async () => {
    const file = path.join(workspace(), 'my-ddpm', 'last-step.js');
    fs.writeFileSync(file, LAST_STEP_NOISE.replace('return tf.add(mean,', 'return tPrev < 0 ? mean : tf.add(mean,'));
    const r = await run('checkImplementation', { file });
    assert.equal(r.status, 'completed', r.error);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(file)), []);
  });

  it('a file that does not exist is an error with a fix', async () => {
    const r = await run('checkImplementation', { file: 'my-ddpm/missing.ts' });
    assert.equal(r.status, 'error');
    assert.match(r.error ?? '', /missing\.ts is not a file.*Fix: choose the \.ts or \.js file/);
  });
});
