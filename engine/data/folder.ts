/**
 * A folder of PNG/JPEG images, optionally captioned, decoded once at load so that get() is synchronous
 * and cheap inside a training loop. Only the folder's top level is read: sub-folders are not walked.
 *
 * Captions come from captions.jsonl (`{"file": "a.png", "caption": "..."}` per line) or captions.csv
 * (header `file,caption`, RFC 4180 quoting) in the folder, or from an explicit file; images that no
 * line names get the caption ''.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import sharp from 'sharp';
import { DlensError, assertInteger } from '../errors';
import type { Batch, Dataset } from './types';

export interface ImageFolderOptions {
  imageSize: number;
  /** 1 = greyscale, 3 = RGB (default) */
  channels?: 1 | 3;
  /** a .jsonl or .csv captions file; default: captions.jsonl or captions.csv inside the folder */
  captions?: string;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export async function loadImageFolder(dir: string, options: ImageFolderOptions): Promise<Dataset> {
  const { imageSize } = options;
  const channels = options.channels ?? 3;
  assertInteger('imageSize', imageSize, 1, 4096);
  if (channels !== 1 && channels !== 3) {
    throw new DlensError('bad-argument', `channels must be 1 or 3, got ${String(channels)}.`, 'pass 1 (greyscale) or 3 (RGB).');
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new DlensError('folder-not-found', `Image folder not found: ${dir}.`, 'check the path (relative paths are read from the current folder).');
  }
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
  if (files.length === 0) {
    throw new DlensError('no-images', `Image folder ${dir} holds no .png, .jpg or .jpeg files.`, 'put the images directly in the folder (sub-folders are not read).');
  }

  const captionsFile = findCaptionsFile(dir, options.captions);
  const captionOf = captionsFile ? readCaptions(captionsFile, dir, new Set(files)) : new Map<string, string>();

  const per = imageSize * imageSize * channels;
  const pixels = new Float32Array(files.length * per);
  for (let k = 0; k < files.length; k++) {
    pixels.set(await decode(path.join(dir, files[k]), imageSize, channels), k * per);
  }
  const captions = files.map((f) => captionOf.get(f) ?? '');

  const get = (indices: readonly number[]): Batch => {
    const images = new Float32Array(indices.length * per);
    indices.forEach((index, k) => {
      assertInteger('image folder index', index, 0, files.length - 1);
      images.set(pixels.subarray(index * per, (index + 1) * per), k * per);
    });
    return { images, labels: new Int32Array(indices.length).fill(-1), captions: indices.map((i) => captions[i]) };
  };

  return { name: `folder:${dir}`, imageSize, channels, size: files.length, get };
}

function findCaptionsFile(dir: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) {
    if (!fs.existsSync(explicit)) {
      throw new DlensError('file-not-found', `Captions file not found: ${explicit}.`, 'check the path, or leave captions out to use captions.jsonl or captions.csv in the folder.');
    }
    return explicit;
  }
  const found = ['captions.jsonl', 'captions.csv'].map((n) => path.join(dir, n)).filter((f) => fs.existsSync(f));
  if (found.length > 1) {
    throw new DlensError('ambiguous-captions', `Image folder ${dir} holds both captions.jsonl and captions.csv.`, 'remove one, or pass the one to use as captions.');
  }
  return found[0];
}

/** file name -> caption, checking that every named file is one of the folder's images. */
function readCaptions(file: string, dir: string, images: Set<string>): Map<string, string> {
  const entries = path.extname(file).toLowerCase() === '.csv' ? readCsv(file) : readJsonl(file);
  const out = new Map<string, string>();
  const lineOf = new Map<string, number>();
  for (const { line, file: name, caption } of entries) {
    if (!images.has(name)) {
      const why = fs.existsSync(path.join(dir, name)) ? 'which is not a .png, .jpg or .jpeg file' : 'which does not exist';
      throw new DlensError('bad-captions', `${file} line ${line} names "${name}" in ${dir}, ${why}.`, 'fix the file name in that line or remove the line.');
    }
    if (out.has(name)) {
      throw new DlensError('bad-captions', `${file} line ${line} captions "${name}" again (first at line ${lineOf.get(name)}).`, 'keep one caption per image.');
    }
    out.set(name, caption);
    lineOf.set(name, line);
  }
  return out;
}

interface CaptionEntry {
  line: number;
  file: string;
  caption: string;
}

function readJsonl(file: string): CaptionEntry[] {
  const entries: CaptionEntry[] = [];
  const fix = 'write one JSON object per line: {"file": "a.png", "caption": "..."}.';
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((text, k) => {
      if (text.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new DlensError('bad-captions', `${file} line ${k + 1} is not valid JSON (${(err as Error).message}).`, fix);
      }
      const v = value as { file?: unknown; caption?: unknown } | null;
      if (typeof v !== 'object' || v === null || typeof v.file !== 'string' || typeof v.caption !== 'string') {
        throw new DlensError('bad-captions', `${file} line ${k + 1} lacks a string "file" or "caption".`, fix);
      }
      entries.push({ line: k + 1, file: v.file, caption: v.caption });
    });
  return entries;
}

function readCsv(file: string): CaptionEntry[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // With info: true each row is { record, info }; csv-parse's typings only know plain rows.
    rows = parseCsv(fs.readFileSync(file, 'utf8'), { bom: true, skip_empty_lines: true, info: true }) as unknown as typeof rows;
  } catch (err) {
    throw new DlensError('bad-captions', `${file} is not valid CSV (${(err as Error).message}).`, 'quote fields that hold commas, quotes or line breaks ("a, b"; a quote inside doubles: "").');
  }
  const header = rows[0]?.record.map((h) => h.trim());
  const fileCol = header?.indexOf('file') ?? -1;
  const captionCol = header?.indexOf('caption') ?? -1;
  if (fileCol < 0 || captionCol < 0) {
    throw new DlensError('bad-captions', `${file} has no header row naming the columns file and caption.`, 'start the file with the line: file,caption');
  }
  return rows.slice(1).map(({ record, info }) => ({ line: info.lines, file: record[fileCol], caption: record[captionCol] }));
}

/** HWC in [-1, 1], resized to cover imageSize x imageSize around the centre. */
async function decode(file: string, imageSize: number, channels: 1 | 3): Promise<Float32Array> {
  let data: Buffer;
  let info: { channels: number };
  try {
    // Transparent pixels hide arbitrary colours; flatten puts them on black before anything else.
    let pipeline = sharp(file).flatten({ background: '#000000' }).resize(imageSize, imageSize, { fit: 'cover', position: 'centre' });
    pipeline = channels === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
    ({ data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw new DlensError('unreadable-image', `Cannot read ${file} as an image (${(err as Error).message}).`, 'replace or remove the file; PNG and JPEG are read.');
  }
  const out = new Float32Array(imageSize * imageSize * channels);
  for (let p = 0; p < imageSize * imageSize; p++) {
    for (let c = 0; c < channels; c++) out[p * channels + c] = data[p * info.channels + Math.min(c, info.channels - 1)] / 127.5 - 1;
  }
  return out;
}
