import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, parseFromPanel, parseJob, parseToPanel } from '../../engine/protocol';

const arm = (name: string) => ({ name, accuracy: [0.5, 0.75], mean: 0.625, std: 0.18, trainSize: 10 });
const study = {
  label: 'synthetic — not for diagnosis', dataset: 'phantoms', quick: false, classNames: ['no lesion', 'bright lesion'],
  arms: [arm('real'), arm('real+synthetic'), arm('synthetic')], frechet: 3, frechetRealVsReal: 1, adherence: { rate: 0.5, by: 'pixel scorer' },
  nearest: { min: 0.1, threshold: 0.05, nearCopies: 0, count: 4, edges: [0, 0.1, 0.2], synthetic: [1, 3], realToReal: [2, 2] }, seconds: 1,
};

describe('study panel messages', () => {
  it('accepts a well-formed report and keeps its numbers', () => {
    const m = parseToPanel({ type: 'study', study, pictures: [{ src: 'vscode-resource://x/a.png', caption: 'a' }] });
    assert.equal(m.type, 'study');
    if (m.type === 'study') assert.deepEqual(m.study.arms.map((a) => a.name), ['real', 'real+synthetic', 'synthetic']);
    if (m.type === 'study') assert.equal(m.study.filter, undefined, 'no filter unless the study used one');
  });

  it('carries a filtered study\'s filter, and rejects one without its counts', () => {
    const filter = { method: 'scorer', requested: 180, drawn: 290, kept: 150, rounds: 3 };
    const m = parseToPanel({ type: 'study', study: { ...study, filter }, pictures: [] });
    if (m.type === 'study') assert.deepEqual(m.study.filter, filter);
    assert.throws(() => parseToPanel({ type: 'study', study: { ...study, filter: { method: 'scorer', requested: 180, drawn: 290, rounds: 3 } }, pictures: [] }), (e: unknown) => e instanceof ProtocolError && /'kept'/.test(e.message));
  });

  it('rejects a histogram whose bins do not fit its edges, an accuracy above 1, and a non-URI picture', () => {
    assert.throws(() => parseToPanel({ type: 'study', study: { ...study, nearest: { ...study.nearest, synthetic: [1, 2, 3] } }, pictures: [] }), (e: unknown) => e instanceof ProtocolError && /3 bins for 3 edges/.test(e.message));
    assert.throws(() => parseToPanel({ type: 'study', study: { ...study, arms: [{ ...arm('real'), accuracy: [1.5] }, arm('real+synthetic'), arm('synthetic')] }, pictures: [] }), ProtocolError);
    assert.throws(() => parseToPanel({ type: 'study', study, pictures: [{ src: 'a.png', caption: '' }] }), (e: unknown) => e instanceof ProtocolError && /asWebviewUri/.test(e.message));
  });

  it('a study job may ask for a filter, and only a known one', () => {
    const job = { kind: 'study', backend: 'wasm', outDir: '/tmp/study', dataset: 'phantoms', quick: true };
    assert.equal((parseJob(job) as { filter?: string }).filter, undefined);
    assert.equal((parseJob({ ...job, filter: 'judge' }) as { filter?: string }).filter, 'judge');
    assert.throws(() => parseJob({ ...job, filter: 'best' }), (e: unknown) => e instanceof ProtocolError && /'filter' is "best"/.test(e.message) && /none, judge, scorer/.test(e.message));
  });

  it('takes exported charts only as PNG data URLs', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    assert.deepEqual(parseFromPanel({ type: 'exportStudy', charts: { accuracy: png, nearest: png } }), { type: 'exportStudy', charts: { accuracy: png, nearest: png } });
    assert.throws(() => parseFromPanel({ type: 'exportStudy', charts: { accuracy: png, nearest: 'data:text/html;base64,PHA+' } }), (e: unknown) => e instanceof ProtocolError && /PNG data URL/.test(e.message));
  });
});
