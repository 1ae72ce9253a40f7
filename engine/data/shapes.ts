/**
 * Procedural captioned shapes: one flat-coloured shape on a black background, with a caption that
 * names all four of its attributes. Example i is a pure function of (seed, i), so any index is drawn
 * on demand with nothing stored, and a pixel-statistics scorer can check a generated image against
 * its caption without any learned model.
 *
 * Caption grammar (exactly five lower-case words, single spaces):
 *   <size> <colour> <shape> <vertical> <horizontal>
 *   size ∈ {small, large}, colour ∈ {red, green, blue, yellow}, shape ∈ {circle, square, triangle},
 *   vertical ∈ {top, bottom}, horizontal ∈ {left, right}          e.g. "large red circle top left"
 */
import seedrandom from 'seedrandom';
import { DlensError, assertInteger } from '../errors';
import type { Batch, Dataset } from './types';

export const COLOURS = ['red', 'green', 'blue', 'yellow'] as const;
export const SHAPES = ['circle', 'square', 'triangle'] as const;
export const SIZES = ['small', 'large'] as const;
export const POSITIONS = ['top left', 'top right', 'bottom left', 'bottom right'] as const;

export type Colour = (typeof COLOURS)[number];
export type Shape = (typeof SHAPES)[number];
export type Size = (typeof SIZES)[number];
export type Position = (typeof POSITIONS)[number];

export interface ShapesAttributes {
  colour: Colour;
  shape: Shape;
  size: Size;
  position: Position;
}

/** Every channel of every background pixel. Black, so each colour sits a full 2 away in some channel. */
export const SHAPES_BACKGROUND = -1;

/** Saturated RGB in [-1, 1]: each pair of colours differs by 2 in at least one channel. */
export const SHAPES_PALETTE: Record<Colour, readonly [number, number, number]> = {
  red: [1, -1, -1],
  green: [-1, 1, -1],
  blue: [-1, -1, 1],
  yellow: [1, 1, -1],
};

/** Shapes are drawn on whole pixels around a centre pixel, so every shape of one size has the same
 * (2h+1)-pixel bounding box and the scorer can read size off the box whatever the shape. */
export function shapesHalfExtent(imageSize: number, size: Size): number {
  // Below h = 2 a circle, a square and a triangle cannot be told apart on the pixel grid.
  return size === 'large' ? Math.round(imageSize * 0.2) : Math.max(2, Math.round(imageSize * 0.11));
}

export function shapesCaption(a: ShapesAttributes): string {
  return `${a.size} ${a.colour} ${a.shape} ${a.position}`;
}

/** The inverse of shapesCaption; throws a DlensError naming the first word it does not know. */
export function parseShapesCaption(caption: string): ShapesAttributes {
  const words = caption.trim().split(/\s+/);
  const grammar = 'captions read "<small|large> <red|green|blue|yellow> <circle|square|triangle> <top|bottom> <left|right>"';
  if (words.length !== 5) {
    throw new DlensError('bad-caption', `Shapes caption "${caption}" has ${words.length} words, expected 5.`, `${grammar}, e.g. "large red circle top left".`);
  }
  const pick = <T extends string>(word: string, choices: readonly T[], role: string): T => {
    if ((choices as readonly string[]).includes(word)) return word as T;
    throw new DlensError('bad-caption', `Unknown ${role} word "${word}" in shapes caption "${caption}".`, `use one of ${choices.join(', ')}; ${grammar}.`);
  };
  const size = pick(words[0], SIZES, 'size');
  const colour = pick(words[1], COLOURS, 'colour');
  const shape = pick(words[2], SHAPES, 'shape');
  const vertical = pick(words[3], ['top', 'bottom'] as const, 'position');
  const horizontal = pick(words[4], ['left', 'right'] as const, 'position');
  return { size, colour, shape, position: `${vertical} ${horizontal}` };
}

/** Draws one example as HWC RGB in [-1, 1]. */
export function renderShape(a: ShapesAttributes, imageSize: number, out = new Float32Array(imageSize * imageSize * 3), offset = 0): Float32Array {
  const S = imageSize;
  const h = shapesHalfExtent(S, a.size);
  const [top, left] = [a.position.startsWith('top'), a.position.endsWith('left')];
  const cx = left ? Math.floor(S / 4) : Math.floor((3 * S) / 4);
  const cy = top ? Math.floor(S / 4) : Math.floor((3 * S) / 4);
  const rgb = SHAPES_PALETTE[a.colour];
  out.fill(SHAPES_BACKGROUND, offset, offset + S * S * 3);
  for (let dy = -h; dy <= h; dy++) {
    for (let dx = -h; dx <= h; dx++) {
      if (!inside(a.shape, dx, dy, h)) continue;
      const p = offset + ((cy + dy) * S + cx + dx) * 3;
      out[p] = rgb[0];
      out[p + 1] = rgb[1];
      out[p + 2] = rgb[2];
    }
  }
  return out;
}

function inside(shape: Shape, dx: number, dy: number, h: number): boolean {
  switch (shape) {
    case 'square':
      return true;
    case 'circle':
      // Radius h + 1/2 on the integer grid (h² + h = (h + 1/2)² - 1/4): touches all four box edges.
      return dx * dx + dy * dy <= h * h + h;
    case 'triangle':
      // Apex up at dy = -h, base 2h + 1 wide at dy = +h: the half-width grows by 1/2 per row.
      return Math.abs(dx) <= Math.round((dy + h) / 2);
  }
}

export interface ShapesOptions {
  imageSize?: number;
  /** number of examples */
  size?: number;
  seed?: number;
}

export interface ShapesDataset extends Dataset {
  readonly channels: 3;
  readonly classNames: readonly string[];
  readonly seed: number;
  attributes(index: number): ShapesAttributes;
}

/** The 16 class names, "colour position" (e.g. "red top left"); label = colour * 4 + position. */
export const SHAPES_CLASS_NAMES: readonly string[] = COLOURS.flatMap((c) => POSITIONS.map((p) => `${c} ${p}`));

export function shapesLabel(a: ShapesAttributes): number {
  return COLOURS.indexOf(a.colour) * POSITIONS.length + POSITIONS.indexOf(a.position);
}

export function createShapes(options: ShapesOptions = {}): ShapesDataset {
  const imageSize = options.imageSize ?? 16;
  const size = options.size ?? 10000;
  const seed = options.seed ?? 0;
  // Two quadrants of 2h + 1 pixels around floor(S/4) must fit: S >= 16 keeps them apart.
  assertInteger('shapes imageSize', imageSize, 16, 1024);
  assertInteger('shapes size', size, 1);
  if (!Number.isSafeInteger(seed)) {
    throw new DlensError('bad-seed', `Shapes seed must be an integer, got ${seed}.`, 'pass an integer seed such as 0 or 1234.');
  }

  const attributes = (index: number): ShapesAttributes => {
    assertInteger('shapes index', index, 0, size - 1);
    // A fresh generator per index, seeded by (seed, index): no state carries from one example to the next.
    const rand = seedrandom.alea(`${seed}:${index}`);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    return { colour: pick(COLOURS), shape: pick(SHAPES), size: pick(SIZES), position: pick(POSITIONS) };
  };

  const get = (indices: readonly number[]): Batch => {
    const per = imageSize * imageSize * 3;
    const images = new Float32Array(indices.length * per);
    const labels = new Int32Array(indices.length);
    const captions: string[] = [];
    indices.forEach((index, k) => {
      const a = attributes(index);
      renderShape(a, imageSize, images, k * per);
      labels[k] = shapesLabel(a);
      captions.push(shapesCaption(a));
    });
    return { images, labels, captions };
  };

  return { name: 'shapes', imageSize, channels: 3, size, seed, classNames: SHAPES_CLASS_NAMES, attributes, get };
}
