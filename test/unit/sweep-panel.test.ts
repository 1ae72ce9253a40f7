/**
 * The guidance sweep panel's engine side: classifier-free guidance with a negative prompt (closed form),
 * the rows and cell jobs of a sweep (a clicked cell re-sampled alone gives the cell's pixels), and the
 * panel protocol's sweep and forward-strip messages.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { openDataset } from '../../engine/data';
import { diffusionTables } from '../../engine/diffusion';
import { type GaussianMixture, mixtureOracle } from '../../engine/oracle';
import { type SweepJob, parseFromPanel, parseJob, parseScalesText, parseToPanel } from '../../engine/protocol';
import { Rng } from '../../engine/random';
import { guidedDenoiser } from '../../engine/samplers/guidance';
import { makeBetas } from '../../engine/schedules';
import { conditionTensors } from '../../engine/train/conditioning';
import type { LoadedRun } from '../../engine/train/load';
import { newRunManifest } from '../../engine/train/newRun';
import { sampleFromRun } from '../../engine/train/sample';
import { sweepRun } from '../../engine/train/sweep';
import { cellSample, sweepRowLabels, sweepRows } from '../../engine/train/sweepRows';
import { unetModel } from '../../engine/user/model';
import { backend, maxAbsDiff, values } from '../helpers';

const tables = diffusionTables(makeBetas('linear', 1000));

describe('classifier-free guidance with a negative prompt', () => {
  before(backend);
  // Components far apart with a small std: the exact per-component eps is a closed form.
  const mixture: GaussianMixture = { weights: [0.5, 0.5], means: [[-2, 1], [3, -1]], std: 0.5 };
  const oracle = mixtureOracle(mixture, tables);

  /**
   * eps of one Gaussian component N(mu, std^2 I) noised to t: x_t ~ N(sqrt(ab) mu, (ab std^2 + 1 - ab) I), so
   * E[eps | x_t] = sqrt(1 - ab) (x_t - sqrt(ab) mu) / (ab std^2 + 1 - ab)  (Tweedie, per component).
   */
  const epsOf = (x: number[], k: number, ab: number) => x.map((xi, d) => (Math.sqrt(1 - ab) * (xi - Math.sqrt(ab) * mixture.means[k][d])) / (ab * mixture.std ** 2 + 1 - ab));

  it('is eps_neg + s (eps_cond - eps_neg): the negative condition replaces the unconditional branch', async () => {
    const t = 300;
    const ab = tables.alphasCumprod[t];
    const xs = [[0.5, 0.2], [-1, 1.5]];
    const x = tf.tensor2d(xs);
    const cond = tf.tensor1d([1, 1]);
    const negative = tf.tensor1d([0]);
    for (const s of [0, 1, 3, 7.5]) {
      const out = guidedDenoiser(oracle, { scale: s, cond, uncond: negative })(x, t) as { eps: tf.Tensor; epsCond: tf.Tensor; epsUncond: tf.Tensor };
      const want = xs.flatMap((xi) => {
        const [eNeg, eCond] = [epsOf(xi, 0, ab), epsOf(xi, 1, ab)];
        return eNeg.map((e, d) => e + s * (eCond[d] - e));
      });
      assert.ok(maxAbsDiff(await values(out.eps), want) < 1e-4, `s = ${s}: ${await values(out.eps)} vs ${want}`);
      assert.ok(maxAbsDiff(await values(out.epsUncond), xs.flatMap((xi) => epsOf(xi, 0, ab))) < 1e-4);
      tf.dispose([out.eps, out.epsCond, out.epsUncond]);
    }
    // With the null condition instead, the "unconditional" branch is the mixture's eps: a different line.
    const plain = guidedDenoiser(oracle, { scale: 3, cond, uncond: tf.tensor1d([-1]) })(x, t) as { eps: tf.Tensor };
    const negated = guidedDenoiser(oracle, { scale: 3, cond, uncond: negative })(x, t) as { eps: tf.Tensor };
    assert.ok(maxAbsDiff(await values(plain.eps), await values(negated.eps)) > 0.1);
    tf.dispose([x, cond, negative, plain.eps, negated.eps]);
  });

  it("reaches the model: a text run's unconditional branch is the negative prompt's tokens, not the empty caption", async () => {
    const m = newRunManifest('/tmp/dlens-neg', await openDataset('shapes', { size: 64 }), { datasetSpec: 'shapes', preset: 'tiny', cond: 'text', schedule: 'linear', T: 1000, training: TRAINING });
    const { cond, uncond } = await conditionTensors(m, { prompt: 'large red circle top left', negativePrompt: 'green' }, 2);
    const empty = await conditionTensors(m, { prompt: 'large red circle top left' }, 2);
    // Token ids are vocabulary positions + 2 (0 is padding, 1 an unknown word).
    const green = m.tokenizer!.vocabulary.indexOf('green') + 2;
    assert.ok(green >= 2);
    const rows = (await uncond!.array()) as number[][];
    assert.deepEqual(rows.map((r) => r.filter((id) => id !== 0)), [[green], [green]], 'the negative branch carries the negative prompt');
    assert.deepEqual(((await empty.uncond!.array()) as number[][]).map((r) => r.filter((id) => id !== 0)), [[], []], 'without one it is the empty caption');
    tf.dispose([cond!, uncond!, empty.cond!, empty.uncond!]);
  });
});

const TRAINING = { steps: 1, batchSize: 4, microBatch: 4, learningRate: 1e-3, warmupSteps: 0, gradClip: 1, emaDecay: 0.999, condDropout: 0.1, seed: 0, checkpointEvery: 1, previewEvery: 0 };

describe('sweep rows and cell jobs', () => {
  before(backend);

  it("a clicked cell re-sampled alone, with its trajectory, gives exactly the sweep's image", async () => {
    const m = newRunManifest('/tmp/dlens-cell', await openDataset('shapes', { size: 64 }), { datasetSpec: 'shapes', preset: 'tiny', cond: 'text', schedule: 'linear', T: 1000, training: TRAINING });
    // Untrained weights are as good as trained ones for this: the question is whether the same request gives the same pixels.
    const model = unetModel(m.model, new Rng(7));
    const run: LoadedRun = { manifest: m, model, tables, step: 0, warnings: [], dispose: () => model.dispose() };
    const sweep = parseJob({ kind: 'sweep', backend: 'wasm', runDir: '/r', outDir: '/r/sweeps/a', scales: [0, 4], seeds: 2, steps: 3, seed: 11, negativePrompt: 'green', prompts: ['large red circle top left', 'small blue square'] }) as SweepJob;
    const columns: number[][] = [];
    const result = await sweepRun(run, {
      scales: sweep.scales, rows: sweepRows(m, sweep.seeds, sweep), seed: sweep.seed, steps: sweep.steps,
      onColumn: async (_c, _s, images) => void columns.push(Array.from(await images.data())),
    });
    result.grid.dispose();
    const cellSize = 16 * 16 * 3;
    for (const [row, col] of [[1, 1], [0, 0]]) {
      const job = cellSample(sweep, m, row, col);
      assert.deepEqual({ n: job.n, seed: job.seed, guidance: job.guidance, prompt: job.prompt, negativePrompt: job.negativePrompt, sampler: job.sampler, eta: job.eta, steps: job.steps },
        { n: 1, seed: 11 + row, guidance: sweep.scales[col], prompt: sweep.prompts![row], negativePrompt: 'green', sampler: 'ddim', eta: 0, steps: 3 });
      let probes = 0;
      const { images } = await sampleFromRun(run, { ...job, probe: () => void probes++ });
      assert.equal(probes, 3, 'the trajectory has every step');
      const want = columns[col].slice(row * cellSize, (row + 1) * cellSize);
      assert.ok(maxAbsDiff(await values(images), want) < 1e-5, `cell (${row}, ${col}) differs from the sweep's image`);
      images.dispose();
    }
    assert.throws(() => cellSample(sweep, m, 2, 0), /cell \(2, 0\) is outside the 2 x 2 sweep/);
    assert.deepEqual(sweepRowLabels(m, sweep), ['seed 11 "large red circle top left"', 'seed 12 "small blue square"']);
    run.dispose();
  });
});

describe('protocol: the sweep panel and the forward strips', () => {
  const grid = { type: 'sweepGrid', scales: [0, 1, 7.5], rows: ['seed 0', 'seed 1'], prompt: 'red', negativePrompt: '', cond: 'text' };
  const strip = { type: 'forwardStrip', schedule: 'linear', T: 1000, timesteps: [0, 999], alphasCumprod: [0.9999, 4e-5], images: { shape: [2, 4, 4, 3], data: new Float32Array(96) } };

  it('accepts well-formed grids, strips and panel requests', () => {
    assert.deepEqual(parseToPanel(grid), grid);
    assert.deepEqual(parseToPanel(strip), strip);
    assert.deepEqual(parseFromPanel({ type: 'runSweep', prompt: 'a', negativePrompt: 'b', scales: [0, 3] }), { type: 'runSweep', prompt: 'a', negativePrompt: 'b', scales: [0, 3] });
    assert.deepEqual(parseFromPanel({ type: 'openCell', row: 3, col: 6 }), { type: 'openCell', row: 3, col: 6 });
  });

  it('rejects malformed ones, naming the field', () => {
    assert.throws(() => parseToPanel({ ...grid, rows: [] }), /field 'rows' is empty/);
    assert.throws(() => parseToPanel({ ...grid, cond: 'none' }), /field 'cond' is "none"; expected one of class, text, clip/);
    assert.throws(() => parseToPanel({ ...strip, timesteps: [0] }), /field 'alphasCumprod' has 2 values for 1 timesteps/);
    assert.throws(() => parseToPanel({ ...strip, images: { shape: [3, 4, 4, 3], data: new Float32Array(144) } }), /'images' holds 3 images for 2 timesteps/);
    assert.throws(() => parseFromPanel({ type: 'runSweep', prompt: 'a', negativePrompt: 'b', scales: [0, 101] }), /field 'scales' is an array of 2; expected 1\.\.32 numbers in \[-100, 100\]/);
    assert.throws(() => parseFromPanel({ type: 'runSweep', prompt: 'a', scales: [1] }), /field 'negativePrompt' is missing/);
    assert.throws(() => parseFromPanel({ type: 'openCell', row: -1, col: 0 }), /field 'row' is number -1; expected an integer in 0\.\.63/);
    assert.throws(() => parseFromPanel({ type: 'openCell', row: 0, col: 1.5 }), /field 'col' is number 1.5/);
  });

  it('reads the scales field as typed, explaining what is wrong', () => {
    assert.deepEqual(parseScalesText('0, 1,3 ;7.5  -2'), [0, 1, 3, 7.5, -2]);
    assert.match(String(parseScalesText(' , ')), /at least one guidance scale/);
    assert.match(String(parseScalesText('1, two')), /"two" is not a scale/);
    assert.match(String(parseScalesText('1, 1e3')), /"1e3" is not a scale; use numbers from -100 to 100/);
    assert.match(String(parseScalesText(Array(33).fill(1).join(','))), /At most 32 scales; remove 1/);
  });

  it('a sweep job with one prompt per row needs as many rows as prompts', () => {
    const job = { kind: 'sweep', backend: 'auto', runDir: '/r', outDir: '/r/o', scales: [1], seeds: 2, steps: 5, seed: 0 };
    assert.deepEqual((parseJob({ ...job, prompts: ['a', 'b'] }) as SweepJob).prompts, ['a', 'b']);
    assert.throws(() => parseJob({ ...job, prompts: ['a', 'b', 'c'] }), /'seeds' is 2 but 'prompts' has 3; .* set seeds to 3/);
    assert.throws(() => parseJob({ ...job, prompts: [] }), /'prompts' is empty/);
    assert.throws(() => parseJob({ ...job, prompts: ['a', 'x'.repeat(501)] }), /'prompts' has a prompt of 501 characters at 1/);
  });
});
