/**
 * Axial slices of one real T1 brain MRI (the Colin27 "ch2" template, 181x217x181 at 1 mm, in MNI space)
 * with captions from the AAL atlas registered to it, both from Debian's mricron-data. Each slice is
 * captioned with the atlas regions it holds and labelled by which region set is present:
 *
 *   "deep grey present"   any of thalamus, caudate, putamen, pallidum (the basal-ganglia level)
 *   "cerebellum present"  else any cerebellar hemisphere or vermis region (the slices below it)
 *   "cortex only"         neither (everything above the basal ganglia)
 *
 * Deep grey is tested first because the top of the cerebellum reaches up beside the basal ganglia.
 *
 * A label that the atlas defines exactly, so a classifier's accuracy on it needs no human reader. Slices
 * are shown radiologically upright: anterior at the top, the subject's left on the image's left
 * (MNI x grows to the subject's right), the 181-voxel x axis centred in a 217-wide square.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DlensError, assertInteger } from '../errors';
import { type NiftiVolume, readNifti } from './nifti';
import type { Batch, Dataset } from './types';

export const MRICRON_TEMPLATES = '/usr/share/mricron/templates';
export const MRI_CLASS_NAMES = ['deep grey present', 'cerebellum present', 'cortex only'] as const;
/** Voxels (mm² at 1 mm) a region needs in a slice to count as present: a few stray voxels are registration noise. */
export const MRI_REGION_MIN_VOXELS = 10;
/** Slices with fewer labelled voxels hold only the tips of the brain: too little anatomy to caption. */
const MIN_BRAIN_VOXELS = 1500;
const CAPTION_REGIONS = 3;

const DEEP_GREY = /^(Thalamus|Caudate|Putamen|Pallidum)_/;
const CEREBELLUM = /^(Cerebelum|Vermis)_/;

export interface MriRegion {
  /** the atlas's name, e.g. "Frontal_Sup_L" */
  name: string;
  voxels: number;
}

export interface MriSliceInfo {
  /** axial index into the volume (0 = most inferior) */
  z: number;
  /** regions present, largest first */
  regions: MriRegion[];
  label: number;
  caption: string;
}

export interface MriDataset extends Dataset {
  readonly name: 'mri';
  readonly channels: 1;
  readonly classNames: readonly string[];
  slice(index: number): MriSliceInfo;
}

export interface MriOptions {
  /** 32 or 64 (default 32) */
  imageSize?: number;
  /** folder holding ch2.nii.gz, aal.nii.gz and aal.nii.txt */
  dir?: string;
}

/** "Frontal_Sup_Orb_L" -> "frontal sup orb left": words the text encoder can share across regions. */
export function regionWords(name: string): string {
  return name
    .split('_')
    .map((w) => (w === 'L' ? 'left' : w === 'R' ? 'right' : w.toLowerCase()))
    .join(' ');
}

/** Reads aal.nii.txt: one "index name code" per line; index is the voxel value in aal.nii.gz. */
export function readAtlasNames(file: string): Map<number, string> {
  const names = new Map<number, string>();
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, k) => {
      if (line.trim() === '') return;
      const [index, name] = line.trim().split(/\s+/);
      if (!/^\d+$/.test(index) || !name) {
        throw new DlensError('bad-atlas', `${file} line ${k + 1} is not "index name code": ${JSON.stringify(line.slice(0, 80))}.`, 'reinstall mricron-data, or give an atlas label file in that format.');
      }
      names.set(Number(index), name);
    });
  return names;
}

/** Regions present in axial slice z, largest first. */
export function atlasRegions(atlas: NiftiVolume, names: Map<number, string>, z: number): MriRegion[] {
  const [nx, ny] = atlas.dims;
  const counts = new Map<number, number>();
  const base = nx * ny * z;
  for (let i = 0; i < nx * ny; i++) {
    const v = atlas.voxels[base + i];
    if (v > 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()]
    .filter(([, n]) => n >= MRI_REGION_MIN_VOXELS)
    .map(([v, n]) => ({ name: names.get(v) ?? `region ${v}`, voxels: n }))
    .sort((a, b) => b.voxels - a.voxels || a.name.localeCompare(b.name));
}

export function mriLabel(regions: readonly MriRegion[]): number {
  if (regions.some((r) => DEEP_GREY.test(r.name))) return 0;
  if (regions.some((r) => CEREBELLUM.test(r.name))) return 1;
  return 2;
}

export function mriCaption(regions: readonly MriRegion[]): string {
  const top = regions.slice(0, CAPTION_REGIONS).map((r) => regionWords(r.name));
  return ['axial slice', MRI_CLASS_NAMES[mriLabel(regions)], ...top].join(', ');
}

export async function loadMri(options: MriOptions = {}): Promise<MriDataset> {
  const imageSize = options.imageSize ?? 32;
  if (imageSize !== 32 && imageSize !== 64) {
    throw new DlensError('bad-argument', `mri slices come at 32 or 64 px, got ${imageSize}.`, 'pass --image-size 32 or 64.');
  }
  const dir = options.dir ?? MRICRON_TEMPLATES;
  const t1 = await readNifti(path.join(dir, 'ch2.nii.gz'));
  if (t1.datatype !== 'uint8') {
    throw new DlensError('bad-nifti', `${t1.file} stores ${t1.datatype} voxels; the slicer maps uint8 intensities 0..255 to [-1, 1].`, 'use the ch2.nii.gz shipped by mricron-data (uint8).');
  }
  const atlas = await readNifti(path.join(dir, 'aal.nii.gz'));
  if (t1.dims.join() !== atlas.dims.join()) {
    throw new DlensError('bad-atlas', `The T1 (${t1.dims.join('x')}) and the atlas (${atlas.dims.join('x')}) are not on the same grid.`, 'use an atlas resampled to the T1 volume.');
  }
  const names = readAtlasNames(path.join(dir, 'aal.nii.txt'));
  const nz = t1.dims[2];
  const slices: MriSliceInfo[] = [];
  for (let z = 0; z < nz; z++) {
    const regions = atlasRegions(atlas, names, z);
    if (regions.reduce((s, r) => s + r.voxels, 0) < MIN_BRAIN_VOXELS) continue;
    slices.push({ z, regions, label: mriLabel(regions), caption: mriCaption(regions) });
  }
  const per = imageSize * imageSize;
  const pixels = new Float32Array(slices.length * per);
  for (let k = 0; k < slices.length; k++) pixels.set(await renderSlice(t1, slices[k].z, imageSize), k * per);

  const get = (indices: readonly number[]): Batch => {
    const images = new Float32Array(indices.length * per);
    const labels = new Int32Array(indices.length);
    const captions: string[] = [];
    indices.forEach((index, k) => {
      assertInteger('mri index', index, 0, slices.length - 1);
      images.set(pixels.subarray(index * per, (index + 1) * per), k * per);
      labels[k] = slices[index].label;
      captions.push(slices[index].caption);
    });
    return { images, labels, captions };
  };
  const slice = (index: number): MriSliceInfo => {
    assertInteger('mri index', index, 0, slices.length - 1);
    return slices[index];
  };
  return { name: 'mri', imageSize, channels: 1, size: slices.length, classNames: MRI_CLASS_NAMES, get, slice };
}

/** Axial slice z as imageSize² values in [-1, 1]: anterior up, x centred in a square, area-averaged down. */
async function renderSlice(volume: NiftiVolume, z: number, imageSize: number): Promise<Float32Array> {
  const [nx, ny] = volume.dims;
  const side = Math.max(nx, ny);
  const square = new Uint8Array(side * side);
  const [padX, padY] = [Math.floor((side - nx) / 2), Math.floor((side - ny) / 2)];
  for (let y = 0; y < ny; y++) {
    const row = side - 1 - (y + padY);
    for (let x = 0; x < nx; x++) {
      const v = volume.slope * volume.voxels[x + nx * (y + ny * z)] + volume.inter;
      square[row * side + x + padX] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  // Without greyscale() libvips hands a one-band raw input back as three interleaved sRGB bands.
  const { data, info } = await sharp(square, { raw: { width: side, height: side, channels: 1 } })
    .resize(imageSize, imageSize, { kernel: 'lanczos3', fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Float32Array(imageSize * imageSize);
  for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels] / 127.5 - 1;
  return out;
}
