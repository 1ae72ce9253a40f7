/**
 * A user's implementation in the engine's own paths: their step inside the sampler loop (checked
 * against the built-in sampler, which is independent code), their addNoise against q_sample, and their
 * createModel trained, checkpointed and sampled.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createShapes } from '../../engine/data';
import { DlensError } from '../../engine/errors';
import { qSample } from '../../engine/forward';
import { mixtureOracle } from '../../engine/oracle';
import { Rng } from '../../engine/random';
import { listCheckpoints, readCheckpoint } from '../../engine/run/checkpoint';
import { readManifest } from '../../engine/run/manifest';
import { sampleDdim } from '../../engine/samplers/ddim';
import { sampleDdpm } from '../../engine/samplers/ddpm';
import type { ProbeEvent } from '../../engine/samplers/types';
import { inferenceTimesteps } from '../../engine/timesteps';
import { loadRun } from '../../engine/train/load';
import { newRunManifest } from '../../engine/train/newRun';
import { sampleFromRun } from '../../engine/train/sample';
import { sweepRun } from '../../engine/train/sweep';
import { train } from '../../engine/train/trainer';
import { loadImplementation } from '../../engine/user/load';
import { forwardNoiser, sampleWith, scheduleTables } from '../../engine/user/resolve';
import type { LoadedImplementation } from '../../engine/user/types';
import { backend, maxAbsDiff } from '../helpers';

const fixture = (name: string) => path.resolve(__dirname, '../fixtures/user', name);
const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-user-'));
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("the user's step and addNoise in the engine's loops", () => {
  let ddim: LoadedImplementation;
  before(async () => {
    await backend();
    ddim = await loadImplementation(fixture('ddim.ts'));
  });

  for (const eta of [0, 0.5]) {
    it(`a user step equal to DDIM (eta ${eta}) reproduces the built-in sampler's output exactly for the same seed, and the probe fires every step`, async () => {
      const tables = scheduleTables({ name: 'linear', T: 1000 }, ddim);
      const oracle = mixtureOracle({ weights: [0.3, 0.7], means: [[-1, 0.5], [1, -0.5]], std: 0.2 }, tables);
      const timesteps = inferenceTimesteps('trailing', 1000, 20);
      const xT = new Rng(7).normal([32, 2]);
      const events: { t: number; tPrev: number }[] = [];
      const probe = (e: ProbeEvent) => void events.push({ t: e.t, tPrev: e.tPrev });
      const theirs = await sampleWith('ddim', eta, oracle, xT, { tables, timesteps, rng: new Rng(11), probe }, ddim);
      const ours = await sampleDdim(oracle, xT, { tables, timesteps, rng: new Rng(11), eta });
      assert.equal(maxAbsDiff(await theirs.data(), await ours.data()), 0);
      assert.deepEqual(events.map((e) => e.t), timesteps);
      assert.deepEqual(events.map((e) => e.tPrev), [...timesteps.slice(1), -1]);
      tf.dispose([xT, theirs, ours]);
    });
  }

  it('asked for DDPM, a DDIM-style user step gets eta = 1, whose variance is the DDPM posterior variance: same mean and spread as the built-in DDPM', async () => {
    // Song et al.: DDIM with eta = 1 and DDPM with the posterior variance are the same process, but they
    // draw their noise in a different order of operations, so compare distributions, not samples.
    const tables = scheduleTables({ name: 'linear', T: 1000 }, ddim);
    const oracle = mixtureOracle({ weights: [1], means: [[0.8, -0.4]], std: 0.3 }, tables);
    const timesteps = inferenceTimesteps('trailing', 1000, 25);
    const xT = new Rng(1).normal([4000, 2]);
    const theirs = await sampleWith('ddpm', 0, oracle, xT, { tables, timesteps, rng: new Rng(2) }, ddim);
    const ours = await sampleDdpm(oracle, xT, { tables, timesteps, rng: new Rng(2) });
    const stats = async (t: tf.Tensor) => {
      const v = await t.data();
      const col = (d: number) => Array.from(v).filter((_, i) => i % 2 === d);
      const m = col(0).reduce((a, b) => a + b, 0) / col(0).length;
      const s = Math.sqrt(col(0).reduce((a, b) => a + (b - m) ** 2, 0) / col(0).length);
      return { m, s };
    };
    const [a, b] = [await stats(theirs), await stats(ours)];
    // Same process, different draws: with 4000 samples the Monte-Carlo error of each statistic is ~0.005.
    assert.ok(Math.abs(a.m - b.m) < 0.02 && Math.abs(a.s - b.s) < 0.02, `user ${JSON.stringify(a)} vs built-in ${JSON.stringify(b)}`);
    // and a step that ignored eta (DDIM eta 0, deterministic) would be far narrower than DDPM:
    const etaZero = await sampleWith('ddim', 0, oracle, xT, { tables, timesteps, rng: new Rng(2) }, ddim);
    const deterministic = await stats(etaZero);
    assert.ok(Math.abs(deterministic.s - b.s) > 0.02, `eta 0 spread ${deterministic.s} vs DDPM ${b.s}`);
    tf.dispose([xT, theirs, ours, etaZero]);
  });

  it('a step that returns x unchanged (a no-op) leaves x_T as the sample, without freeing it under the loop', async () => {
    const file = path.join(tmp(), 'noop.ts');
    fs.writeFileSync(file, 'export function step({ x }: { x: unknown }) {\n  return x;\n}\n');
    const noop = await loadImplementation(file);
    const tables = scheduleTables({ name: 'linear', T: 1000 });
    const xT = new Rng(5).normal([3, 2]);
    const out = await sampleWith('ddim', 0, mixtureOracle({ weights: [1], means: [[0, 0]], std: 0.5 }, tables), xT, { tables, timesteps: [999, 500, 0], rng: new Rng(0) }, noop);
    assert.deepEqual(Array.from(await out.data()), Array.from(await xT.data()));
    tf.dispose([xT, out]);
  });

  it("the user's addNoise, called per example, equals q_sample with one t per example", async () => {
    const tables = scheduleTables({ name: 'linear', T: 1000 }, ddim);
    const x0 = new Rng(3).normal([4, 3, 3, 1]) as tf.Tensor4D;
    const noise = new Rng(4).normal([4, 3, 3, 1]) as tf.Tensor4D;
    const ts = [0, 999, 500, 17];
    const theirs = forwardNoiser(tables, ddim)(x0, ts, noise);
    const ours = qSample(tables, x0, ts, noise);
    assert.ok(maxAbsDiff(await theirs.data(), await ours.data()) < 1e-6);
    tf.dispose([x0, noise, theirs, ours]);
  });
});

describe("training and sampling the user's createModel", () => {
  before(backend);
  const dataset = createShapes({ imageSize: 16, size: 40, seed: 0 });
  const manifestFor = (dir: string, steps: number, cond: 'none' | 'class' = 'none', checkpointEvery = 3) =>
    newRunManifest(dir, dataset, {
      datasetSpec: 'shapes', preset: 'tiny', cond, schedule: 'linear', T: 100,
      training: { steps, batchSize: 4, microBatch: 2, learningRate: 1e-2, warmupSteps: 0, gradClip: 1, emaDecay: 0.9, condDropout: cond === 'class' ? 0.25 : 0, seed: 5, checkpointEvery, previewEvery: 0 },
    });

  it('trains 3 steps with AdamW on the user variables, checkpoints them in order, records the file, and samples the run with them', async () => {
    const model = await loadImplementation(fixture('tiny-model.ts'));
    assert.deepEqual(model.provided, ['createModel']);
    const dir = tmp();
    const before = tf.memory().numTensors;
    const result = await train(dir, manifestFor(dir, 3), dataset, {}, model);
    assert.equal(result.status, 'completed');
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked, the user variables included');
    assert.deepEqual(listCheckpoints(dir), [3]);
    const C = dataset.channels;
    const ckpt = readCheckpoint(dir, 3);
    assert.deepEqual(ckpt.meta.index.map((e) => e.shape), [[C, C], [C], [C]]);
    const m = readManifest(dir);
    assert.deepEqual(m.implementation, { file: fixture('tiny-model.ts'), provided: ['createModel'] });
    assert.equal(m.parameters, C * C + 2 * C);
    // W starts at 0.5 I: with lr 1e-2, three AdamW steps move each entry by at most ~3e-2 (|Adam update| <= ~1).
    const W = ckpt.sections.weights!.subarray(0, C * C);
    const initial = Array.from({ length: C * C }, (_, i) => (i % (C + 1) === 0 ? 0.5 : 0));
    const moved = maxAbsDiff(W, initial);
    assert.ok(moved > 1e-4 && moved < 0.04, `W moved by ${moved}`);

    const run = loadRun(dir, 'raw', model);
    const steps: number[] = [];
    const { images } = await sampleFromRun(run, { sampler: 'ddim', steps: 4, eta: 0, spacing: 'trailing', guidance: 0, n: 2, seed: 0, probe: (e) => void steps.push(e.t) });
    assert.deepEqual(images.shape, [2, 16, 16, C]);
    assert.equal(steps.length, 4);
    // The loaded variables are the checkpoint's.
    assert.deepEqual(Array.from(await run.model.variables[0].data()), Array.from(W));
    images.dispose();
    run.dispose();
  });

  it('resuming a user-model run ends with exactly the weights of an uninterrupted run (variables restored by order)', async () => {
    const model = await loadImplementation(fixture('tiny-model.ts'));
    const straight = tmp();
    await train(straight, manifestFor(straight, 4, 'none', 2), dataset, {}, model);
    const resumed = tmp();
    await train(resumed, manifestFor(resumed, 2, 'none', 2), dataset, {}, model);
    const m = readManifest(resumed);
    m.training.steps = 4;
    const result = await train(resumed, m, dataset, {}, model);
    assert.equal(result.resumedFrom, 2);
    const [a, b] = [readCheckpoint(straight, 4).sections, readCheckpoint(resumed, 4).sections];
    assert.ok(maxAbsDiff(a.weights!, b.weights!) < 1e-7 && maxAbsDiff(a.adamV!, b.adamV!) < 1e-9);
  });

  it('a class-conditioned user model with the user step and timesteps drives a guidance sweep', async () => {
    const both = path.join(tmp(), 'both.ts');
    fs.writeFileSync(both, `export { createModel } from ${JSON.stringify(fixture('tiny-model.ts'))};\nexport { step, timesteps } from ${JSON.stringify(fixture('ddim.ts'))};\n`);
    const impl = await loadImplementation(both);
    assert.deepEqual(impl.provided, ['timesteps', 'step', 'createModel']);
    const dir = tmp();
    await train(dir, manifestFor(dir, 3, 'class'), dataset, {}, impl);
    const run = loadRun(dir, 'ema', impl);
    const columns: number[] = [];
    const result = await sweepRun(run, { scales: [0, 3], rows: [{ classIndex: 0 }, { classIndex: 1 }], seed: 0, steps: 3, onColumn: (col) => void columns.push(col) });
    assert.deepEqual(result.grid.shape, [4, 16, 16, dataset.channels]);
    assert.deepEqual(columns, [0, 1]);
    result.grid.dispose();
    run.dispose();
  });

  it('a run trained with the user\'s betas, sampled without them, is sampled with a warning that says so', async () => {
    const ddim = await loadImplementation(fixture('ddim.ts'));
    const dir = tmp();
    await train(dir, manifestFor(dir, 3), dataset, {}, ddim);
    assert.deepEqual(readManifest(dir).implementation?.provided, ['betas', 'addNoise', 'timesteps', 'step']);
    const run = loadRun(dir);
    assert.equal(run.warnings.length, 1);
    assert.match(run.warnings[0], /trained with the betas\(\) of .*ddim\.ts; without it the reference 'linear' schedule is used/);
    run.dispose();
  });

  it('a run trained with createModel cannot be sampled without that file: the error names the file and the flag', async () => {
    const model = await loadImplementation(fixture('tiny-model.ts'));
    const dir = tmp();
    await train(dir, manifestFor(dir, 3), dataset, {}, model);
    let error: unknown;
    try {
      loadRun(dir);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof DlensError && error.code === 'impl-required', String(error));
    assert.match(error.message, /was trained with the model from .*tiny-model\.ts/);
    assert.match(error.fix, /--impl .*tiny-model\.ts/);
  });
});
