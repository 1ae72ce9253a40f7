/** Value maps onto canvases in viridis at their native resolution (CSS scales them up, pixelated); images: draw.ts. */
import { viridis } from '../engine/eval/viridis';

/**
 * w x h values (row-major, from `offset`) in viridis over [min, max]; NaN stays transparent, so a missing
 * value shows the panel's background rather than a colour that means a number.
 */
export function drawColormapped(canvas: HTMLCanvasElement, values: ArrayLike<number>, offset: number, w: number, h: number, min: number, max: number): void {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  for (let p = 0; p < w * h; p++) {
    const v = values[offset + p];
    if (Number.isNaN(v)) continue;
    const [r, g, b] = viridis(max > min ? (v - min) / (max - min) : 0);
    img.data.set([r, g, b, 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** A colour bar with its numeric range: what a colour in the maps means. */
export function colourLegend(host: HTMLElement, min: number, max: number, format: (v: number) => string = (v) => v.toPrecision(3)): void {
  host.classList.add('colour-legend');
  let bar = host.querySelector<HTMLCanvasElement>('canvas');
  if (!bar) {
    bar = document.createElement('canvas');
    bar.setAttribute('role', 'img');
    const lo = Object.assign(document.createElement('span'), { className: 'min' });
    const hi = Object.assign(document.createElement('span'), { className: 'max' });
    host.replaceChildren(lo, bar, hi);
  }
  const steps = 256;
  drawColormapped(bar, Float32Array.from({ length: steps }, (_, i) => i / (steps - 1)), 0, steps, 1, 0, 1);
  host.querySelector('.min')!.textContent = format(min);
  host.querySelector('.max')!.textContent = format(max);
  bar.setAttribute('aria-label', `viridis colour scale from ${format(min)} (dark purple) to ${format(max)} (yellow)`);
  host.dataset.min = String(min);
  host.dataset.max = String(max);
}
