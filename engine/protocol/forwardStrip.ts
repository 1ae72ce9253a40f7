/**
 * The forward-process strip under the Schedules panel's plots: one image noised by q(x_t | x_0) at a few
 * timesteps of one schedule, with the same noise at each, plus alphaBar_t at those timesteps (float64, from
 * the schedule's table) so hover can show alphaBar_t and SNR(t) = alphaBar_t / (1 - alphaBar_t).
 */
import { type Fields, ProtocolError, int, numberList, str } from './check';
import { type TensorPayload, imageBatchField } from './tensor';

export interface ForwardStripMessage {
  type: 'forwardStrip';
  schedule: string;
  T: number;
  timesteps: number[];
  /** alphaBar_t at each of `timesteps` */
  alphasCumprod: number[];
  /** x_t at each of `timesteps`, [timesteps.length, H, W, C] in [-1, 1] (values beyond are clipped when drawn) */
  images: TensorPayload;
}

export function parseForwardStrip(o: Fields, at: string): ForwardStripMessage {
  const T = int(o, 'T', at, 2, 100_000);
  const timesteps = numberList(o, 'timesteps', at, { min: 0, max: T - 1, integer: true, maxLength: 16 });
  const alphasCumprod = numberList(o, 'alphasCumprod', at, { min: 0, max: 1, maxLength: 16 });
  if (alphasCumprod.length !== timesteps.length) throw new ProtocolError(at, `field 'alphasCumprod' has ${alphasCumprod.length} values for ${timesteps.length} timesteps; send one per timestep.`);
  const images = imageBatchField(o, 'images', at);
  if (images.shape[0] !== timesteps.length) throw new ProtocolError(at, `field 'images' holds ${images.shape[0]} images for ${timesteps.length} timesteps; send one per timestep.`);
  return { type: 'forwardStrip', schedule: str(o, 'schedule', at, { nonEmpty: true, max: 40 }), T, timesteps, alphasCumprod, images };
}
