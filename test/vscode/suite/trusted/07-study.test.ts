/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { api, run, screenshot, waitFor } from '../helpers';

describe('Augmentation Study', () => {
  it('runs a tiny study on phantoms in the runner, synthetic images filtered by a classifier, and opens its report panel', async function () {
    this.timeout(180_000);
    const r = await run('augmentationStudy', { dataset: 'phantoms', quick: true, generatorSteps: 3, synthetic: 6, samplerSteps: 2, classifierSteps: 3, seeds: 2, filter: 'judge' });
    assert.equal(r.status, 'completed', r.error);
    const report = JSON.parse(fs.readFileSync(path.join(r.outDir!, 'study.json'), 'utf8'));
    assert.equal(report.arms.real.accuracy.length, 2);
    assert.equal(report.filter.method, 'judge');
    assert.equal(report.filter.requested, 6);
    // What the synthetic arm trained on is what the filter kept; every rejected image was drawn again.
    assert.equal(report.arms.synthetic.trainSize, report.filter.kept);
    assert.ok(report.filter.drawn >= 6 + (6 - report.filter.kept), JSON.stringify(report.filter));
    assert.equal(report.label, 'synthetic — not for diagnosis');
    assert.ok(fs.existsSync(path.join(r.outDir!, 'synthetic-not-for-diagnosis-samples.png')));
    const lens = await api();
    const panel = await waitFor('the study report panel', () => lens.panels().find((p) => p.title === 'Augmentation study phantoms' && p.study === 'phantoms' && p.ready));
    // A report the panel could not validate would come back as a rejection.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(panel.rejected, []);
    assert.deepEqual(lens.panels().find((p) => p.title === 'Augmentation study phantoms')?.rejected, []);
    await screenshot('augmentation-study');
  });
});
