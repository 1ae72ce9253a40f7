/**
 * model.*: the user's createModel. An untrained model is all the doctor has, so "depends on t" is shown
 * structurally: when the outputs for t = 0 and t = T - 1 coincide (a zero-initialised output layer does
 * that), the trainable variables are perturbed with seeded noise and the question asked again; a model
 * whose output never moves with t under any weights ignores t.
 */
import * as tf from '@tensorflow/tfjs';
import type { UserModel } from '../user/types';
import { type DoctorContext, checkRng, fmt } from './results';
import { allFinite, maxAbs } from './stats';

const IMAGE_SIZE = 16;
const CHANNELS = 1;
const NUM_CLASSES = 3;
const MODEL_IDS = ['model.output-shape', 'model.output-dtype', 'model.finite', 'model.depends-on-t', 'model.depends-on-cond'] as const;

/** Largest difference between two outputs, relative to their size; 0 when bitwise equal. */
async function difference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [va, vb] = [(await a.data()) as Float32Array, (await b.data()) as Float32Array];
  let d = 0;
  for (let i = 0; i < va.length; i++) d = Math.max(d, Math.abs(va[i] - vb[i]));
  return d / Math.max(maxAbs(va), maxAbs(vb), 1e-30);
}

/** Runs `ask` on the model as created, then (if it says "no") with every trainable variable perturbed. */
async function withPerturbation(ctx: DoctorContext, model: UserModel, ask: () => Promise<boolean>): Promise<{ yes: boolean; perturbed: boolean }> {
  if (await ask()) return { yes: true, perturbed: false };
  const vars = model.trainableVariables ?? [];
  if (vars.length === 0) return { yes: false, perturbed: false };
  const rng = checkRng(ctx, 900);
  const saved = vars.map((v) => tf.clone(v));
  try {
    // 0.1 relative to a unit-scale weight: enough to wake a zero-initialised layer, small enough to stay finite.
    for (const v of vars) v.assign(tf.tidy(() => tf.add(v, tf.mul(rng.normal(v.shape), 0.1))));
    return { yes: await ask(), perturbed: true };
  } finally {
    vars.forEach((v, i) => v.assign(saved[i]));
    tf.dispose(saved);
  }
}

export async function checkModel(ctx: DoctorContext): Promise<void> {
  const { impl, results, settings } = ctx;
  if (!impl.createModel) {
    for (const id of MODEL_IDS) results.skip(id, 'no createModel export: the reference U-Net is used.');
    return;
  }
  const T = settings.T;
  const rng = checkRng(ctx, 800);
  const shape: [number, number, number, number] = [2, IMAGE_SIZE, IMAGE_SIZE, CHANNELS];
  const x = rng.normal(shape) as tf.Tensor4D;
  const tensors: tf.Tensor[] = [x];
  const at = (t: number) => {
    const tt = tf.tensor1d([t, t], 'int32') as tf.Tensor1D;
    tensors.push(tt);
    return tt;
  };
  try {
    const model = impl.createModel({ tf, imageSize: IMAGE_SIZE, channels: CHANNELS });
    const out = model.predict(x, at(T >> 1)) as unknown;
    if (!(out instanceof tf.Tensor) || out.shape.join() !== shape.join()) {
      const measured = out instanceof tf.Tensor ? `[${out.shape}]` : String(out);
      results.find({
        check: 'model.output-shape', severity: 'error', export: 'createModel',
        message: `predict(x, t) returned ${measured} for x of shape [${shape}] (createModel({ imageSize: ${IMAGE_SIZE}, channels: ${CHANNELS} })).`,
        expected: `[${shape}]`, measured, evidence: { values: { imageSize: IMAGE_SIZE, channels: CHANNELS } },
        fix: 'predict eps for every input value: an NHWC tensor of x\'s shape (check the last layer\'s channel count and the up-sampling path).',
      });
      return;
    }
    tensors.push(out);
    results.pass('model.output-shape');
    results.record('model.output-dtype', out.dtype === 'float32' ? undefined : {
      severity: 'error', export: 'createModel', message: `predict returned dtype ${out.dtype}.`, expected: 'float32', measured: out.dtype, evidence: {},
      fix: 'cast the output to float32 (tf.cast(y, "float32")).',
    });
    const outputs = [out, model.predict(x, at(0)), model.predict(x, at(T - 1))];
    tensors.push(outputs[1], outputs[2]);
    const bad = (await Promise.all(outputs.map(async (o) => allFinite((await o.data()) as Float32Array)))).findIndex((ok) => !ok);
    results.record('model.finite', bad < 0 ? undefined : {
      severity: 'error', export: 'createModel',
      message: `predict returned NaN or Infinity at t = ${[T >> 1, 0, T - 1][bad]} for a unit-Gaussian x.`, expected: 'finite values', measured: 'NaN or Infinity', evidence: { values: { t: [T >> 1, 0, T - 1][bad] } },
      fix: 'look for a division by a norm that can be 0, a log of a non-positive number, or an exp of a large timestep (scale t to [0, 1] or use a sinusoidal embedding).',
    });

    let gap = 0;
    const dependsOnT = await withPerturbation(ctx, model, async () => {
      const a = model.predict(x, at(0));
      const b = model.predict(x, at(T - 1));
      tensors.push(a, b);
      gap = await difference(a, b);
      // Any t-dependence through float32 arithmetic moves the output by far more than a few roundings.
      return gap > 1e-6;
    });
    results.record('model.depends-on-t', dependsOnT.yes ? undefined : {
      severity: 'error', export: 'createModel',
      message: `predict(x, t) gives the same output for t = 0 and t = ${T - 1}${dependsOnT.perturbed ? ', even with every trainable variable perturbed' : ''} (largest relative difference ${fmt(gap)}): the model ignores t, so it cannot tell how much noise to remove (at t = 0 eps is almost invisible in x_t, at t = ${T - 1} x_t is almost all eps).`,
      expected: 'outputs that change with t', measured: `relative difference ${fmt(gap)}`, evidence: { values: { relativeDifference: gap, perturbed: dependsOnT.perturbed } },
      fix: 'embed t (sinusoidal features, then an MLP) and add it inside every residual block (Ho et al. 2020, appendix B); check that predict passes t on.',
    });

    // A model takes a condition when predict declares a third parameter or numClasses adds weights (an embedding).
    const conditional = impl.createModel({ tf, imageSize: IMAGE_SIZE, channels: CHANNELS, numClasses: NUM_CLASSES });
    const moreWeights = (conditional.trainableVariables?.length ?? 0) > (model.trainableVariables?.length ?? 0);
    if (conditional.predict.length < 3 && !moreWeights) {
      results.skip('model.depends-on-cond', 'predict(x, t) declares no cond parameter and numClasses adds no weights: an unconditional model.');
      return;
    }
    let condGap = 0;
    const dependsOnCond = await withPerturbation(ctx, conditional, async () => {
      const c0 = tf.tensor1d([0, 0], 'int32');
      const c1 = tf.tensor1d([1, 1], 'int32');
      const a = conditional.predict(x, at(T >> 1), c0);
      const b = conditional.predict(x, at(T >> 1), c1);
      tensors.push(c0, c1, a, b);
      condGap = await difference(a, b);
      return condGap > 1e-6;
    });
    results.record('model.depends-on-cond', dependsOnCond.yes ? undefined : {
      severity: 'error', export: 'createModel',
      message: `createModel({ numClasses: ${NUM_CLASSES} }).predict(x, t, cond) gives the same output for class 0 and class 1${dependsOnCond.perturbed ? ', even with every trainable variable perturbed' : ''}: the model ignores cond, so guidance has nothing to work with.`,
      expected: 'outputs that change with cond', measured: `relative difference ${fmt(condGap)}`, evidence: { values: { relativeDifference: condGap } },
      fix: 'embed the class label (one row per class plus a null row for -1) and add it to the time embedding.',
    });
  } finally {
    tf.dispose(tensors);
  }
}
