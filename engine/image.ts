/**
 * Images in and out: files decode to NHWC float tensors in [-1, 1]; batches encode to a PNG grid.
 * sharp (libvips) does the decoding, resizing and encoding.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { DlensError } from './errors';

export interface LoadImageOptions {
  /** Resize to size x size (cover, centre crop). */
  size?: number;
  /** 1 = greyscale, 3 = RGB. Default: 3 unless the file is greyscale. */
  channels?: 1 | 3;
}

export async function loadImage(file: string, options: LoadImageOptions = {}): Promise<tf.Tensor4D> {
  if (!fs.existsSync(file)) {
    throw new DlensError('file-not-found', `Image file not found: ${file}`, 'check the path (relative paths are read from the current folder).');
  }
  let pipeline = sharp(file);
  let meta: Awaited<ReturnType<typeof pipeline.metadata>>;
  try {
    meta = await pipeline.metadata();
  } catch (err) {
    throw new DlensError('unreadable-image', `Cannot read ${file} as an image (${(err as Error).message}).`, 'give a PNG or JPEG file.');
  }
  const channels = options.channels ?? (meta.channels !== undefined && meta.channels <= 2 ? 1 : 3);
  if (options.size) pipeline = pipeline.resize(options.size, options.size, { fit: 'cover' });
  pipeline = channels === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pixels = new Float32Array(info.width * info.height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = data[i * (info.channels / channels)] / 127.5 - 1;
  return tf.tensor4d(pixels, [1, info.height, info.width, channels]);
}

/** [-1, 1] float -> 0..255 bytes, clamped. */
export function toBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i] + 1) * 127.5);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

export interface GridOptions {
  columns?: number;
  /** pixels between cells */
  gap?: number;
  /** upscale each cell by this integer factor (nearest neighbour), for small images */
  scale?: number;
  /** written into the PNG's EXIF ImageDescription (e.g. a "synthetic, not for diagnosis" notice) */
  description?: string;
}

/** Lays a batch [B, H, W, C] out in a grid and writes it as PNG. */
export async function saveGrid(images: tf.Tensor, file: string, options: GridOptions = {}): Promise<void> {
  if (images.rank !== 4) {
    throw new DlensError('shape-mismatch', `Expected images as [batch, height, width, channels], got [${images.shape}].`, 'reshape to NHWC.');
  }
  const [B, H, W, C] = images.shape;
  if (C !== 1 && C !== 3) throw new DlensError('shape-mismatch', `Cannot write ${C}-channel images as PNG.`, 'give 1 (greyscale) or 3 (RGB) channels.');
  const columns = Math.max(1, Math.min(options.columns ?? Math.ceil(Math.sqrt(B)), B));
  const rows = Math.ceil(B / columns);
  const gap = options.gap ?? 2;
  const bytes = toBytes(await images.data());
  const gridW = columns * W + (columns - 1) * gap;
  const gridH = rows * H + (rows - 1) * gap;
  const grid = new Uint8Array(gridW * gridH * C).fill(255);
  for (let b = 0; b < B; b++) {
    const x0 = (b % columns) * (W + gap);
    const y0 = Math.floor(b / columns) * (H + gap);
    for (let y = 0; y < H; y++) {
      const src = ((b * H + y) * W) * C;
      grid.set(bytes.subarray(src, src + W * C), ((y0 + y) * gridW + x0) * C);
    }
  }
  const scale = options.scale ?? 1;
  let image = sharp(grid, { raw: { width: gridW, height: gridH, channels: C } });
  if (scale > 1) image = image.resize(gridW * scale, gridH * scale, { kernel: 'nearest' });
  if (options.description) image = image.withExif({ IFD0: { ImageDescription: options.description } });
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await image.png().toFile(file);
}
