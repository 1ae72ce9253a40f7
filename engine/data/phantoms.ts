/**
 * Procedural lesion phantoms: a textured, tissue-like ellipse on black with zero, one or two lesions
 * (discs brighter or darker than the tissue under them by exactly PHANTOM_CONTRAST) at set sites and of
 * set sizes, with a caption and a ground-truth mask. Example i is a pure function of (seed, i), so the
 * truth of every image is known exactly and a pixel scorer (phantomScore.ts) can grade generated ones.
 *
 * Caption grammar (comma-separated phrases):
 *   "axial slice, no lesion"
 *   "axial slice, <small|large> <bright|dark> lesion, <upper|lower> <left|right>[, <second lesion>, <its site>]"
 * Two lesions share one polarity (the class is the lesion type) and sit at different sites, listed in
 * PHANTOM_SITES order.
 */
import seedrandom from 'seedrandom';
import { DlensError, assertInteger } from '../errors';
import type { Batch, Dataset } from './types';

export const PHANTOM_SIZES = ['small', 'large'] as const;
export const PHANTOM_POLARITIES = ['bright', 'dark'] as const;
export const PHANTOM_SITES = ['upper left', 'upper right', 'lower left', 'lower right'] as const;
export const PHANTOM_CLASS_NAMES = ['no lesion', 'bright lesion', 'dark lesion'] as const;

export type PhantomSize = (typeof PHANTOM_SIZES)[number];
export type PhantomPolarity = (typeof PHANTOM_POLARITIES)[number];
export type PhantomSite = (typeof PHANTOM_SITES)[number];

/** Lesion minus tissue, in image units ([-1, 1]). Tissue texture stays within ±TEXTURE of its level, well under half of it. */
export const PHANTOM_CONTRAST = 0.4;
const TEXTURE = 0.06;
const TISSUE_LEVEL = -0.1;
export const PHANTOM_BACKGROUND = -1;

export interface PhantomLesion {
  size: PhantomSize;
  polarity: PhantomPolarity;
  site: PhantomSite;
}

export interface PhantomAttributes {
  /** ellipse centre and semi-axes in pixels */
  ellipse: { cx: number; cy: number; rx: number; ry: number };
  /** tissue level offset and three plane waves (cycles per image, phase) making the texture */
  level: number;
  waves: { fx: number; fy: number; phase: number }[];
  lesions: PhantomLesion[];
}

/** Lesion sites sit ±0.16 S from the image centre: inside every ellipse this file draws, even a large lesion. */
export function phantomSiteCentre(site: PhantomSite, imageSize: number): { x: number; y: number } {
  const c = (imageSize - 1) / 2;
  const d = 0.16 * imageSize;
  return { x: site.endsWith('left') ? c - d : c + d, y: site.startsWith('upper') ? c - d : c + d };
}

export function phantomLesionRadius(size: PhantomSize, imageSize: number): number {
  return (size === 'large' ? 0.11 : 0.06) * imageSize;
}

export function phantomLabel(lesions: readonly PhantomLesion[]): number {
  if (lesions.length === 0) return 0;
  return lesions[0].polarity === 'bright' ? 1 : 2;
}

export function phantomCaption(lesions: readonly PhantomLesion[]): string {
  if (lesions.length === 0) return 'axial slice, no lesion';
  return ['axial slice', ...lesions.flatMap((l) => [`${l.size} ${l.polarity} lesion`, l.site])].join(', ');
}

/** The inverse of phantomCaption; throws a DlensError naming what it does not understand. */
export function parsePhantomCaption(caption: string): PhantomLesion[] {
  const grammar = 'captions read "axial slice, no lesion" or "axial slice, <small|large> <bright|dark> lesion, <upper|lower> <left|right>" (one or two lesions)';
  const parts = caption.split(',').map((p) => p.trim().replace(/\s+/g, ' '));
  const bad = (why: string) => new DlensError('bad-caption', `Phantom caption "${caption}": ${why}.`, `${grammar}.`);
  if (parts[0] !== 'axial slice') throw bad('it must start with "axial slice"');
  if (parts.length === 2 && parts[1] === 'no lesion') return [];
  if (parts.length !== 3 && parts.length !== 5) throw bad(`${parts.length} phrases, expected 2, 3 or 5`);
  const lesions: PhantomLesion[] = [];
  for (let k = 1; k < parts.length; k += 2) {
    const m = /^(small|large) (bright|dark) lesion$/.exec(parts[k]);
    if (!m) throw bad(`"${parts[k]}" is not "<small|large> <bright|dark> lesion"`);
    if (!(PHANTOM_SITES as readonly string[]).includes(parts[k + 1])) throw bad(`"${parts[k + 1]}" is not a site (${PHANTOM_SITES.join(', ')})`);
    lesions.push({ size: m[1] as PhantomSize, polarity: m[2] as PhantomPolarity, site: parts[k + 1] as PhantomSite });
  }
  if (lesions.length === 2 && (lesions[0].polarity !== lesions[1].polarity || lesions[0].site === lesions[1].site)) {
    throw bad('two lesions must share a polarity and sit at different sites');
  }
  return lesions;
}

/** Tissue intensity at pixel (x, y), ignoring lesions; background outside the ellipse. */
function tissue(a: PhantomAttributes, S: number, x: number, y: number): number {
  const { cx, cy, rx, ry } = a.ellipse;
  if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 1) return PHANTOM_BACKGROUND;
  let t = 0;
  for (const w of a.waves) t += Math.cos((2 * Math.PI * (w.fx * x + w.fy * y)) / S + w.phase);
  return TISSUE_LEVEL + a.level + (TEXTURE / a.waves.length) * t;
}

/** Which lesion (index into a.lesions) covers pixel (x, y), or -1. */
function lesionAt(a: PhantomAttributes, S: number, x: number, y: number): number {
  return a.lesions.findIndex((l) => {
    const c = phantomSiteCentre(l.site, S);
    return (x - c.x) ** 2 + (y - c.y) ** 2 <= phantomLesionRadius(l.size, S) ** 2;
  });
}

/** One example as S x S greyscale in [-1, 1]; and its lesion mask (1 = lesion) when `mask` is given. */
export function renderPhantom(a: PhantomAttributes, S: number, out = new Float32Array(S * S), offset = 0, mask?: Uint8Array): Float32Array {
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const k = lesionAt(a, S, x, y);
      const sign = k < 0 ? 0 : a.lesions[k].polarity === 'bright' ? 1 : -1;
      out[offset + y * S + x] = tissue(a, S, x, y) + sign * PHANTOM_CONTRAST;
      if (mask) mask[y * S + x] = k < 0 ? 0 : 1;
    }
  }
  return out;
}

export interface PhantomOptions {
  /** 16 to 256 (default 32) */
  imageSize?: number;
  /** number of examples (default 10000) */
  size?: number;
  seed?: number;
}

export interface PhantomDataset extends Dataset {
  readonly name: 'phantoms';
  readonly channels: 1;
  readonly classNames: readonly string[];
  readonly seed: number;
  attributes(index: number): PhantomAttributes;
  /** ground-truth lesion mask, S x S, 1 = lesion */
  mask(index: number): Uint8Array;
}

export function createPhantoms(options: PhantomOptions = {}): PhantomDataset {
  const imageSize = options.imageSize ?? 32;
  const size = options.size ?? 10000;
  const seed = options.seed ?? 0;
  // Below 16 px a small lesion is under one pixel across.
  assertInteger('phantoms imageSize', imageSize, 16, 256);
  assertInteger('phantoms size', size, 1);
  if (!Number.isSafeInteger(seed)) {
    throw new DlensError('bad-seed', `Phantoms seed must be an integer, got ${seed}.`, 'pass an integer seed such as 0 or 1234.');
  }
  const S = imageSize;
  const attributes = (index: number): PhantomAttributes => {
    assertInteger('phantoms index', index, 0, size - 1);
    // A fresh generator per (seed, index): any example is drawn on demand, none depends on another.
    const rand = seedrandom.alea(`phantom:${seed}:${index}`);
    const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
    const centre = (S - 1) / 2;
    const ellipse = { cx: centre + between(-0.02, 0.02) * S, cy: centre + between(-0.02, 0.02) * S, rx: between(0.4, 0.46) * S, ry: between(0.36, 0.44) * S };
    const level = between(-0.05, 0.05);
    const waves = Array.from({ length: 3 }, () => ({ fx: between(-2, 2), fy: between(-2, 2), phase: between(0, 2 * Math.PI) }));
    const count = Math.floor(rand() * 3);
    const polarity = PHANTOM_POLARITIES[Math.floor(rand() * 2)];
    const sites = [...PHANTOM_SITES];
    const chosen: PhantomSite[] = [];
    for (let k = 0; k < count; k++) chosen.push(sites.splice(Math.floor(rand() * sites.length), 1)[0]);
    chosen.sort((p, q) => PHANTOM_SITES.indexOf(p) - PHANTOM_SITES.indexOf(q));
    const lesions = chosen.map((site) => ({ site, polarity, size: PHANTOM_SIZES[Math.floor(rand() * 2)] }));
    return { ellipse, level, waves, lesions };
  };
  const get = (indices: readonly number[]): Batch => {
    const images = new Float32Array(indices.length * S * S);
    const labels = new Int32Array(indices.length);
    const captions: string[] = [];
    indices.forEach((index, k) => {
      const a = attributes(index);
      renderPhantom(a, S, images, k * S * S);
      labels[k] = phantomLabel(a.lesions);
      captions.push(phantomCaption(a.lesions));
    });
    return { images, labels, captions };
  };
  const mask = (index: number): Uint8Array => {
    const m = new Uint8Array(S * S);
    renderPhantom(attributes(index), S, undefined, 0, m);
    return m;
  };
  return { name: 'phantoms', imageSize: S, channels: 1, size, seed, classNames: PHANTOM_CLASS_NAMES, attributes, get, mask };
}
