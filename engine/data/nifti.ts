/**
 * NIfTI-1/2 volumes (.nii or .nii.gz) through nifti-reader-js: the header parsing, byte order and
 * datatype table are the library's; this file only gunzips (node:zlib, much faster than the library's
 * pure-JS inflate on a 7 MB volume), checks that the volume is one we can slice, and hands back voxels
 * as a typed array in the file's own index order: x fastest, then y, then z.
 */
import * as fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DlensError } from '../errors';

/** NIfTI datatype codes (nifti1.h) that map onto a JavaScript typed array. */
const TYPED_ARRAYS: Record<number, { name: string; make: (b: ArrayBuffer) => ArrayLike<number> }> = {
  2: { name: 'uint8', make: (b) => new Uint8Array(b) },
  4: { name: 'int16', make: (b) => new Int16Array(b) },
  8: { name: 'int32', make: (b) => new Int32Array(b) },
  16: { name: 'float32', make: (b) => new Float32Array(b) },
  64: { name: 'float64', make: (b) => new Float64Array(b) },
  256: { name: 'int8', make: (b) => new Int8Array(b) },
  512: { name: 'uint16', make: (b) => new Uint16Array(b) },
  768: { name: 'uint32', make: (b) => new Uint32Array(b) },
};

export interface NiftiVolume {
  file: string;
  /** voxels along x, y, z */
  dims: [number, number, number];
  /** voxel size in mm along x, y, z */
  spacing: [number, number, number];
  datatypeCode: number;
  /** e.g. 'uint8' */
  datatype: string;
  /** stored values (before scl_slope/scl_inter), index x + nx * (y + ny * z) */
  voxels: ArrayLike<number>;
  /** real value = slope * stored + inter (slope 1, inter 0 when the header leaves them unset) */
  slope: number;
  inter: number;
}

export async function readNifti(file: string): Promise<NiftiVolume> {
  // nifti-reader-js ships as an ES module only (its exports map has no require entry): import() it.
  const nifti = await import('nifti-reader-js');
  if (!fs.existsSync(file)) {
    throw new DlensError('file-not-found', `NIfTI file not found: ${file}.`, file.startsWith('/usr/share/mricron') ? 'install the Debian package mricron-data (apt-get install mricron-data).' : 'check the path.');
  }
  let bytes: Buffer = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DlensError('bad-nifti', `${file} starts like gzip but does not decompress (${(err as Error).message}).`, 'the download is probably truncated: fetch or reinstall the file.');
    }
  }
  // The library wants an ArrayBuffer of exactly the file's bytes, not Node's shared pool slab.
  const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (!nifti.isNIFTI(data)) {
    throw new DlensError('bad-nifti', `${file} is not a NIfTI-1 or NIfTI-2 image (no "n+1"/"n+2" magic).`, 'give a .nii or .nii.gz file (a separate .hdr/.img pair is not read).');
  }
  const header = nifti.readHeader(data);
  const [rank, nx, ny, nz] = header.dims;
  const extra = header.dims.slice(4, 1 + rank).filter((d) => d > 1);
  if (rank < 3 || extra.length > 0) {
    throw new DlensError('bad-nifti', `${file} has ${rank} dimensions [${header.dims.slice(1, 1 + rank).join(', ')}]; only single 3-D volumes are sliced.`, 'extract one 3-D volume first (e.g. fslroi or nibabel).');
  }
  const type = TYPED_ARRAYS[header.datatypeCode];
  if (!type) {
    throw new DlensError('bad-nifti', `${file} stores voxels as NIfTI datatype ${header.datatypeCode}, which is not read here.`, `convert it to one of ${Object.values(TYPED_ARRAYS).map((t) => t.name).join(', ')}.`);
  }
  const image = nifti.readImage(header, data);
  const count = nx * ny * nz;
  const bytesPer = header.numBitsPerVoxel / 8;
  if (image.byteLength < count * bytesPer) {
    throw new DlensError('bad-nifti', `${file} is truncated: ${image.byteLength} voxel bytes for ${nx}x${ny}x${nz} ${type.name} voxels.`, 'fetch or reinstall the file.');
  }
  // Typed arrays read the machine's byte order (little-endian everywhere we run); swap big-endian files.
  const copy = image.slice(0, count * bytesPer);
  if (!header.littleEndian && bytesPer > 1) swapBytes(new Uint8Array(copy), bytesPer);
  const slope = header.scl_slope && Number.isFinite(header.scl_slope) ? header.scl_slope : 1;
  const inter = Number.isFinite(header.scl_inter) && header.scl_slope ? header.scl_inter : 0;
  return {
    file,
    dims: [nx, ny, nz],
    spacing: [header.pixDims[1], header.pixDims[2], header.pixDims[3]],
    datatypeCode: header.datatypeCode,
    datatype: type.name,
    voxels: type.make(copy),
    slope,
    inter,
  };
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** The stored value at voxel (x, y, z). */
export function voxelAt(volume: NiftiVolume, x: number, y: number, z: number): number {
  const [nx, ny] = volume.dims;
  return volume.voxels[x + nx * (y + ny * z)];
}
