/** Image batches onto canvases, straight from the Float32Array payloads (no PNG round trip). */
import type { TensorPayload } from '../engine/protocol';

/**
 * Image i of an NHWC batch in [-1, 1] onto a canvas, greyscale or RGB: v -> round((v + 1) * 127.5),
 * values beyond [-1, 1] (a noised x_t) clipped to black or white by the canvas's clamped bytes.
 */
export function drawImage(canvas: HTMLCanvasElement, batch: TensorPayload, i: number): void {
  const [, h, w, c] = batch.shape;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  const base = i * h * w * c;
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) img.data[p * 4 + k] = Math.round((batch.data[base + p * c + (c === 3 ? k : 0)] + 1) * 127.5);
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
