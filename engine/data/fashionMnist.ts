/**
 * Fashion-MNIST (Xiao et al. 2017, MIT) as packaged by Debian's `dataset-fashion-mnist`: gzip'd IDX
 * files, 60,000 training and 10,000 test greyscale 28x28 images in 10 classes. The raw bytes are kept
 * and converted per batch, so the training split costs 47 MB rather than 188 MB of floats.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DlensError, assertInteger } from '../errors';
import type { Batch, Dataset } from './types';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

export interface FashionMnistOptions {
  split: 'train' | 'test';
  /** folder holding the four .gz files; default FASHION_MNIST_DIR */
  dir?: string;
  /** 28 (native) or 32 (2 background pixels added on each side, for U-Nets that halve three times) */
  imageSize?: 28 | 32;
  /** keep only the first `limit` examples */
  limit?: number;
}

const IMAGES_MAGIC = 0x00000803; // unsigned byte, 3 dimensions
const LABELS_MAGIC = 0x00000801; // unsigned byte, 1 dimension
const SIDE = 28;
const INSTALL = `install it with \`sudo apt-get install dataset-fashion-mnist\` (Debian/Ubuntu), or pass dir: a folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`;

export function loadFashionMnist(options: FashionMnistOptions): Dataset {
  const { split } = options;
  if (split !== 'train' && split !== 'test') {
    throw new DlensError('bad-argument', `Fashion-MNIST split must be 'train' or 'test', got '${String(split)}'.`, "pass split: 'train' or 'test'.");
  }
  const imageSize = options.imageSize ?? 28;
  if (imageSize !== 28 && imageSize !== 32) {
    throw new DlensError('bad-argument', `Fashion-MNIST imageSize must be 28 or 32, got ${String(imageSize)}.`, 'pass 28 (native) or 32 (padded with background).');
  }
  const dir = options.dir ?? FASHION_MNIST_DIR;
  if (!fs.existsSync(dir)) {
    throw new DlensError('dataset-missing', `Fashion-MNIST folder not found: ${dir}.`, INSTALL + '.');
  }
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = path.join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const labelsFile = path.join(dir, `${prefix}-labels-idx1-ubyte.gz`);

  const images = readIdx(imagesFile, IMAGES_MAGIC, 3);
  const labels = readIdx(labelsFile, LABELS_MAGIC, 1);
  if (images.dims[1] !== SIDE || images.dims[2] !== SIDE) {
    throw corrupt(imagesFile, `holds ${images.dims[1]}x${images.dims[2]} images, expected ${SIDE}x${SIDE}`);
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw corrupt(labelsFile, `has ${labels.dims[0]} labels but ${imagesFile} has ${images.dims[0]} images`);
  }
  const bad = labels.data.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw corrupt(labelsFile, `has label ${labels.data[bad]} at index ${bad}, expected 0..9`);

  let size = images.dims[0];
  if (options.limit !== undefined) {
    assertInteger('Fashion-MNIST limit', options.limit, 1);
    size = Math.min(size, options.limit);
  }

  const pad = (imageSize - SIDE) / 2;
  const get = (indices: readonly number[]): Batch => {
    const per = imageSize * imageSize;
    // Padding takes the background value: Fashion-MNIST's background is byte 0, i.e. -1.
    const out = new Float32Array(indices.length * per).fill(-1);
    const outLabels = new Int32Array(indices.length);
    const captions: string[] = [];
    indices.forEach((index, k) => {
      assertInteger('Fashion-MNIST index', index, 0, size - 1);
      const src = index * SIDE * SIDE;
      for (let y = 0; y < SIDE; y++) {
        const row = k * per + (y + pad) * imageSize + pad;
        for (let x = 0; x < SIDE; x++) out[row + x] = images.data[src + y * SIDE + x] / 127.5 - 1;
      }
      outLabels[k] = labels.data[index];
      captions.push(FASHION_MNIST_CLASSES[labels.data[index]]);
    });
    return { images: out, labels: outLabels, captions };
  };

  return { name: 'fashion-mnist', imageSize, channels: 1, size, classNames: FASHION_MNIST_CLASSES, get };
}

interface Idx {
  dims: number[];
  data: Uint8Array;
}

/** IDX: big-endian int32 magic (0x0000, type 0x08 = ubyte, rank), then one int32 per dimension, then data. */
function readIdx(file: string, magic: number, rank: number): Idx {
  if (!fs.existsSync(file)) {
    throw new DlensError('dataset-missing', `Fashion-MNIST file not found: ${file}.`, INSTALL + '.');
  }
  let bytes: Buffer;
  try {
    bytes = gunzipSync(fs.readFileSync(file));
  } catch (err) {
    throw corrupt(file, `is not a readable gzip file (${(err as Error).message})`);
  }
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw corrupt(file, `is ${bytes.length} bytes, shorter than its ${header}-byte header`);
  const found = bytes.readUInt32BE(0);
  if (found !== magic) {
    throw corrupt(file, `starts with magic 0x${found.toString(16).padStart(8, '0')}, expected 0x${magic.toString(16).padStart(8, '0')}`);
  }
  const dims = Array.from({ length: rank }, (_, k) => bytes.readUInt32BE(4 + 4 * k));
  const expected = header + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw corrupt(file, `has ${bytes.length} bytes, but its header [${dims.join(', ')}] implies ${expected}`);
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, expected - header) };
}

function corrupt(file: string, what: string): DlensError {
  return new DlensError('dataset-corrupt', `Fashion-MNIST file ${file} ${what}.`, `reinstall it (\`sudo apt-get install --reinstall dataset-fashion-mnist\`) or pass dir pointing at intact files.`);
}
