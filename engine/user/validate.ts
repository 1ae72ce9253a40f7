/**
 * Checks on what the user's functions return: the right kind of value, shape and dtype, said as
 * "expected ..., got ...". Used on every call the engine makes (training, sampling) and by the doctor.
 */
import type * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { validateBetas } from '../schedules';
import { validateTimesteps } from '../timesteps';

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
};

const isTensor = (v: unknown): v is tf.Tensor =>
  typeof v === 'object' && v !== null && Array.isArray((v as tf.Tensor).shape) && typeof (v as tf.Tensor).dtype === 'string' && typeof (v as tf.Tensor).dataSync === 'function';

/**
 * `value` must be a tensor of `expectedShape` (null = any size on that axis) and `dtype`.
 * `name` says who returned it, e.g. "step() in my-ddpm.ts at t = 500".
 */
export function assertTensorLike(name: string, value: unknown, expectedShape: readonly (number | null)[], dtype: tf.DataType = 'float32'): asserts value is tf.Tensor {
  if (!isTensor(value)) {
    throw new DlensError('impl-output-type', `${name} returned ${describe(value)}; expected a tf.Tensor of shape [${expectedShape.map((n) => n ?? '?')}].`, 'return a tensor made with the tf passed in the arguments (e.g. tf.add(...)), not a number, array or promise.');
  }
  const shapeOk = value.shape.length === expectedShape.length && expectedShape.every((n, i) => n === null || n === value.shape[i]);
  if (!shapeOk) {
    throw new DlensError('impl-output-shape', `${name} returned shape [${value.shape}]; expected [${expectedShape.map((n) => n ?? '?')}].`, 'return one value per input element, in NHWC order (batch, height, width, channels), without squeezing or transposing axes.');
  }
  if (value.dtype !== dtype) {
    throw new DlensError('impl-output-dtype', `${name} returned dtype ${value.dtype}; expected ${dtype}.`, `cast the result: tf.cast(result, '${dtype}').`);
  }
}

/** betas(T): T finite numbers in (0, 1); returned as float64 for the tables. */
export function checkBetasOutput(name: string, value: unknown, T: number): Float64Array {
  const arrayLike = Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array;
  if (!arrayLike) {
    throw new DlensError('impl-output-type', `${name} returned ${describe(value)}; expected an array of ${T} numbers.`, 'return number[], Float32Array or Float64Array of length T (one beta per timestep).');
  }
  const list = value as ArrayLike<unknown>;
  if (list.length !== T) {
    throw new DlensError('impl-output-shape', `${name} returned ${list.length} betas; expected ${T} (one per timestep 0..${T - 1}).`, 'return exactly T betas; an off-by-one here shifts every timestep.');
  }
  const bad = Array.prototype.findIndex.call(list, (b: unknown) => typeof b !== 'number');
  if (bad >= 0) {
    throw new DlensError('impl-output-type', `${name} returned ${describe(list[bad])} at index ${bad}; expected numbers.`, 'return plain numbers (read a tensor with dataSync() first).');
  }
  try {
    validateBetas(list as ArrayLike<number>);
  } catch (err) {
    throw rephrase(err, name);
  }
  return Float64Array.from(list as ArrayLike<number>);
}

/** timesteps(): integers, strictly descending, inside 0..T-1. */
export function checkTimestepsOutput(name: string, value: unknown, T: number): number[] {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    throw new DlensError('impl-output-type', `${name} returned ${describe(value)}; expected an array of timesteps.`, `return a descending number[] of integers in 0..${T - 1}.`);
  }
  try {
    return validateTimesteps(Array.from(value as ArrayLike<number>), T);
  } catch (err) {
    throw rephrase(err, name);
  }
}

/** Our generic check's message, said about the user's function. */
function rephrase(err: unknown, name: string): unknown {
  if (!(err instanceof DlensError)) return err;
  return new DlensError(err.code, `${name} returned a bad value: ${err.problem}`, err.fix);
}
