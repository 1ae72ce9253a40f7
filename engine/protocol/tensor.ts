/**
 * Tensors cross every boundary as binary: a shape plus a Float32Array (sent as a typed array through
 * Node's advanced IPC serialization and the webview's postMessage, both of which keep it binary).
 * A JSON array of numbers is rejected: at 16 images of 32x32x3 per step it would be ~5x the bytes.
 */
import { type Fields, ProtocolError, describeValue } from './check';

export interface TensorPayload {
  /** NHWC for image batches, e.g. [16, 32, 32, 3] */
  shape: number[];
  data: Float32Array;
}

/** Largest tensor a message may carry (floats): 64 images of 256x256x3. */
export const MAX_TENSOR_FLOATS = 64 * 256 * 256 * 3;

export function tensorField(o: Fields, key: string, where: string): TensorPayload {
  const at = `${where}, field '${key}'`;
  const v = o[key];
  if (typeof v !== 'object' || v === null) throw new ProtocolError(at, `expected a tensor {shape, data: Float32Array}, got ${describeValue(v)}.`);
  const { shape, data } = v as { shape?: unknown; data?: unknown };
  if (!(data instanceof Float32Array)) {
    throw new ProtocolError(at, `'data' is ${describeValue(data)}; tensors travel as a Float32Array, never as a JSON array of numbers.`);
  }
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 6 || !shape.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new ProtocolError(at, `'shape' is ${describeValue(shape)}; expected 1 to 6 positive integers.`);
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size !== data.length) throw new ProtocolError(at, `'shape' [${shape.join(', ')}] holds ${size} values but 'data' has ${data.length}.`);
  if (size > MAX_TENSOR_FLOATS) throw new ProtocolError(at, `${size} values exceed the limit of ${MAX_TENSOR_FLOATS} per tensor.`);
  return { shape: [...shape], data };
}

export function optionalTensorField(o: Fields, key: string, where: string): TensorPayload | undefined {
  return o[key] === undefined ? undefined : tensorField(o, key, where);
}

/** Image batches are [B, H, W, C] with C = 1 or 3: what the panel can draw. */
export function imageBatchField(o: Fields, key: string, where: string): TensorPayload {
  const t = tensorField(o, key, where);
  if (t.shape.length !== 4 || (t.shape[3] !== 1 && t.shape[3] !== 3)) {
    throw new ProtocolError(`${where}, field '${key}'`, `shape [${t.shape.join(', ')}] is not an image batch [B, H, W, 1 or 3].`);
  }
  return t;
}
