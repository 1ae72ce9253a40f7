/**
 * Does an image show what its shapes caption says? Decided from pixel statistics alone, so a
 * generated sample can be graded with no learned classifier. Only the largest connected blob of
 * foreground counts: a sampler's stray speckles should not move the centroid or stretch the box.
 */
import { DlensError } from '../errors';
import {
  COLOURS,
  type Colour,
  type Position,
  type Shape,
  type ShapesAttributes,
  type Size,
  SHAPES_BACKGROUND,
  SHAPES_PALETTE,
  parseShapesCaption,
  shapesHalfExtent,
} from './shapes';

export interface ShapesScore {
  colour: boolean;
  position: boolean;
  size: boolean;
  shape: boolean;
  /** what the pixels show; null when no pixel stands out from the background */
  detected: ShapesAttributes | null;
  /** the statistics behind the decisions, for display */
  stats: { area: number; extent: number; fill: number; asymmetry: number } | null;
}

/** A triangle's centroid sits below its box centre (1/6 of the height in the continuum, ~0.12 at
 * h = 2..3 on the pixel grid); circles and squares are symmetric (0). Halfway between. */
const TRIANGLE_ASYMMETRY = 0.06;
/** A square fills its box (1); the fullest grid circle with h >= 2 (h = 4) fills 69/81 = 0.85. */
const SQUARE_FILL = 0.92;

/**
 * image: HWC RGB in [-1, 1], imageSize x imageSize. The caption is parsed first, so an ill-formed
 * caption throws rather than scoring false.
 */
export function scoreShapes(image: Float32Array, imageSize: number, caption: string): ShapesScore {
  const want = parseShapesCaption(caption);
  const S = imageSize;
  if (image.length !== S * S * 3) {
    throw new DlensError('shape-mismatch', `Expected a ${S}x${S}x3 image (${S * S * 3} values), got ${image.length} values.`, 'pass one HWC RGB image of the dataset\'s imageSize.');
  }
  const blob = largestBlob(image, S);
  if (blob.length === 0) {
    return { colour: false, position: false, size: false, shape: false, detected: null, stats: null };
  }

  const mean = [0, 0, 0];
  let sx = 0;
  let sy = 0;
  let [x0, y0, x1, y1] = [S, S, -1, -1];
  for (const p of blob) {
    const x = p % S;
    const y = (p - x) / S;
    for (let c = 0; c < 3; c++) mean[c] += image[p * 3 + c] / blob.length;
    sx += x;
    sy += y;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const cx = sx / blob.length;
  const cy = sy / blob.length;
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;

  const colour = nearestColour(mean);
  const centre = (S - 1) / 2;
  const position = `${cy < centre ? 'top' : 'bottom'} ${cx < centre ? 'left' : 'right'}` as Position;
  // Every shape of one size has the same (2h+1) box, so the box separates sizes whatever the shape;
  // area would not (a small square, 25 px at 16 px, is close to a large triangle, 31 px).
  const extent = Math.max(width, height);
  const split = shapesHalfExtent(S, 'small') + shapesHalfExtent(S, 'large') + 1;
  const size: Size = extent > split ? 'large' : 'small';
  const fill = blob.length / (width * height);
  const asymmetry = (cy - (y0 + y1) / 2) / height;
  const shape: Shape = asymmetry > TRIANGLE_ASYMMETRY ? 'triangle' : fill > SQUARE_FILL ? 'square' : 'circle';

  const detected = { colour, shape, size, position };
  return {
    colour: colour === want.colour,
    position: position === want.position,
    size: size === want.size,
    shape: shape === want.shape,
    detected,
    stats: { area: blob.length, extent, fill, asymmetry },
  };
}

function nearestColour(mean: number[]): Colour {
  let best: Colour = COLOURS[0];
  let bestD = Infinity;
  for (const c of COLOURS) {
    const d = SHAPES_PALETTE[c].reduce((acc, v, k) => acc + (v - mean[k]) ** 2, 0);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

/** Pixel indices of the largest 8-connected set of pixels that differ from the background by more
 * than 1 in some channel (halfway from the background, -1, to a colour's lit channel, +1). */
function largestBlob(image: Float32Array, S: number): number[] {
  const fg = new Uint8Array(S * S);
  for (let p = 0; p < S * S; p++) {
    for (let c = 0; c < 3; c++) if (Math.abs(image[p * 3 + c] - SHAPES_BACKGROUND) > 1) fg[p] = 1;
  }
  const seen = new Uint8Array(S * S);
  let best: number[] = [];
  for (let start = 0; start < S * S; start++) {
    if (!fg[start] || seen[start]) continue;
    const blob = [start];
    seen[start] = 1;
    for (let k = 0; k < blob.length; k++) {
      const x = blob[k] % S;
      const y = (blob[k] - x) / S;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= S || ny >= S) continue;
          const q = ny * S + nx;
          if (fg[q] && !seen[q]) {
            seen[q] = 1;
            blob.push(q);
          }
        }
      }
    }
    if (blob.length > best.length) best = blob;
  }
  return best;
}
