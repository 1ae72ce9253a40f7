/**
 * Image batches onto canvases straight from their Float32Array payloads (no PNG round trip). A value
 * range [lo, hi] maps linearly to 0..255; non-finite values are painted in a signal colour so a NaN is
 * seen where it is, not hidden as black.
 */
import type { TensorPayload } from '../engine/protocol';

/** Magenta: no natural image or noise map is this colour, so a NaN/Inf pixel stands out. */
const NON_FINITE = [255, 0, 255] as const;

/** Image i of an NHWC batch (C = 1 or 3) onto a canvas, values in [lo, hi] to black..white. */
export function drawImage(canvas: HTMLCanvasElement, batch: TensorPayload, i: number, lo = -1, hi = 1): void {
  const [, h, w, c] = batch.shape;
  const { ctx, img } = surface(canvas, w, h);
  const base = i * h * w * c;
  const scale = 255 / (hi - lo);
  const data = batch.data;
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) {
      const v = data[base + p * c + (c === 3 ? k : 0)];
      img.data[p * 4 + k] = Number.isFinite(v) ? Math.round((v - lo) * scale) : NON_FINITE[k];
    }
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Each canvas's context and pixel buffer, kept: a scrubbing player redraws ~100 canvases per step. */
const surfaces = new WeakMap<HTMLCanvasElement, { ctx: CanvasRenderingContext2D; img: ImageData }>();

function surface(canvas: HTMLCanvasElement, w: number, h: number): { ctx: CanvasRenderingContext2D; img: ImageData } {
  let s = surfaces.get(canvas);
  if (!s || s.img.width !== w || s.img.height !== h) {
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d')!;
    s = { ctx, img: ctx.createImageData(w, h) };
    surfaces.set(canvas, s);
  }
  return s;
}

/** Keeps exactly n canvases in `grid`, in columns of at most `columns`, and returns them. */
export function canvases(grid: HTMLElement, n: number, columns = 8): HTMLCanvasElement[] {
  const template = `repeat(${Math.min(n, columns)}, auto)`;
  // Writing the same style again still costs a style recalculation on every redraw.
  if (grid.style.gridTemplateColumns !== template) grid.style.gridTemplateColumns = template;
  while (grid.children.length > n) grid.lastChild!.remove();
  while (grid.children.length < n) grid.appendChild(document.createElement('canvas'));
  return Array.from(grid.children) as HTMLCanvasElement[];
}

/** Draws every image of a batch into a grid of canvases. */
export function fillGrid(grid: HTMLElement, batch: TensorPayload, lo = -1, hi = 1): void {
  canvases(grid, batch.shape[0]).forEach((c, i) => drawImage(c, batch, i, lo, hi));
}
