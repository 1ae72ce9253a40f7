import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { openDataset } from '../../engine/data';
import { MRICRON_TEMPLATES, MRI_CLASS_NAMES, loadMri, mriCaption, mriLabel, regionWords } from '../../engine/data/mri';
import { readNifti, voxelAt } from '../../engine/data/nifti';
import { DlensError } from '../../engine/errors';

// Needs Debian's mricron-data (see .ci/run). The expected values are read from the raw bytes by a
// separate Python program (gzip + struct from its standard library), never by our reader.
const CH2 = path.join(MRICRON_TEMPLATES, 'ch2.nii.gz');
const AAL = path.join(MRICRON_TEMPLATES, 'aal.nii.gz');

function python(source: string): string {
  const r = spawnSync('python3', ['-c', source], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** NIfTI-1 by the spec: dim[8] int16 at byte 40, datatype int16 at 70, bitpix at 72, vox_offset float32 at 108. */
function rawHeader(file: string): { dims: number[]; datatype: number; bitpix: number; voxOffset: number } {
  return JSON.parse(python(`
import gzip, struct, json
b = gzip.open(${JSON.stringify(file)}).read()
dim = struct.unpack('<8h', b[40:56])
datatype, bitpix = struct.unpack('<hh', b[70:74])
vox = struct.unpack('<f', b[108:112])[0]
print(json.dumps({'dims': list(dim[1:1 + dim[0]]), 'datatype': datatype, 'bitpix': bitpix, 'voxOffset': vox}))
`));
}

function rawVoxel(file: string, x: number, y: number, z: number): number {
  return Number(python(`
import gzip, struct
b = gzip.open(${JSON.stringify(file)}).read()
nx, ny = struct.unpack('<hh', b[42:46])
off = int(struct.unpack('<f', b[108:112])[0])
print(b[off + x_ + nx * (y_ + ny * z_)])
`.replace(/x_/g, String(x)).replace(/y_/g, String(y)).replace(/z_/g, String(z))));
}

describe('NIfTI reader (real ch2 T1 and AAL atlas from mricron-data)', () => {
  it('reads the dimensions, datatype and spacing the header bytes hold', async () => {
    const raw = rawHeader(CH2);
    const v = await readNifti(CH2);
    assert.deepEqual(v.dims, raw.dims);
    assert.deepEqual(v.dims, [181, 217, 181]); // the documented MNI 1 mm grid
    assert.equal(v.datatypeCode, raw.datatype);
    assert.equal(v.datatype, 'uint8');
    assert.equal(raw.bitpix, 8);
    assert.deepEqual(v.spacing, [1, 1, 1]);
    assert.equal(v.voxels.length, 181 * 217 * 181);
  });

  it('returns the voxel at (x, y, z) that the raw bytes hold at vox_offset + x + nx (y + ny z)', async () => {
    const v = await readNifti(CH2);
    for (const [x, y, z] of [[90, 108, 90], [60, 150, 100], [0, 0, 0], [120, 80, 40]] as const) {
      assert.equal(voxelAt(v, x, y, z), rawVoxel(CH2, x, y, z), `(${x}, ${y}, ${z})`);
    }
    // The centre of the head is brain, not background.
    assert.ok(voxelAt(v, 90, 108, 90) > 0);
  });

  it('reads an uncompressed .nii the same as its .nii.gz, and rejects a file that is not NIfTI', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-nifti-'));
    try {
      const plain = path.join(dir, 'aal.nii');
      fs.writeFileSync(plain, (await import('node:zlib')).gunzipSync(fs.readFileSync(AAL)));
      const [a, b] = [await readNifti(AAL), await readNifti(plain)];
      assert.deepEqual(a.dims, b.dims);
      assert.equal(voxelAt(a, 70, 110, 78), voxelAt(b, 70, 110, 78));
      const bogus = path.join(dir, 'bogus.nii.gz');
      fs.writeFileSync(bogus, gzipSync(Buffer.alloc(400, 7)));
      await assert.rejects(readNifti(bogus), (e: unknown) => e instanceof DlensError && e.code === 'bad-nifti' && /NIfTI/.test(e.message));
      await assert.rejects(readNifti(path.join(dir, 'missing.nii.gz')), (e: unknown) => e instanceof DlensError && e.code === 'file-not-found');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mri dataset (axial slices captioned from the AAL atlas)', () => {
  it('captions the slice through the thalamus (MNI z = +6 mm, voxel z = 78) with both thalami and labels it deep grey', async () => {
    const d = await loadMri();
    const k = Array.from({ length: d.size }, (_, i) => i).find((i) => d.slice(i).z === 78);
    assert.ok(k !== undefined, 'slice z = 78 is in the dataset');
    const names = d.slice(k).regions.map((r) => r.name);
    assert.ok(names.includes('Thalamus_L') && names.includes('Thalamus_R'), names.join(', '));
    // Voxel counts per label in that slice, counted by Python from the raw atlas bytes (label 77 = Thalamus_L).
    const counts = JSON.parse(python(`
import gzip, struct, json
from collections import Counter
b = gzip.open(${JSON.stringify(AAL)}).read()
off = int(struct.unpack('<f', b[108:112])[0])
n = 181 * 217
c = Counter(b[off + n * 78: off + n * 79])
print(json.dumps({'77': c[77], '78': c[78]}))
`));
    assert.equal(d.slice(k).regions.find((r) => r.name === 'Thalamus_L')!.voxels, counts['77']);
    assert.equal(d.slice(k).regions.find((r) => r.name === 'Thalamus_R')!.voxels, counts['78']);
    assert.equal(d.slice(k).label, MRI_CLASS_NAMES.indexOf('deep grey present'));
    assert.match(d.get([k]).captions[0], /^axial slice, deep grey present, /);
  });

  it('renders a slice whose quadrant means match the raw slice (anterior up, subject left on the left, x centred)', async () => {
    const d = await loadMri();
    const k = Array.from({ length: d.size }, (_, i) => i).find((i) => d.slice(i).z === 90)!;
    const image = d.get([k]).images;
    // Means of the four quadrants of the 217 x 217 padded slice, in [-1, 1] units, by Python from the raw bytes.
    const raw = JSON.parse(python(`
import gzip, struct, json
b = gzip.open(${JSON.stringify(CH2)}).read()
off = int(struct.unpack('<f', b[108:112])[0])
nx, ny, z = 181, 217, 90
pad = (217 - 181) // 2
q = [[0.0, 0.0], [0.0, 0.0]]
for y in range(ny):
    row = 216 - y
    for x in range(nx):
        col = x + pad
        if row == 108 or col == 108: continue
        q[row > 108][col > 108] += b[off + x + nx * (y + ny * z)]
half = 108 * 108
print(json.dumps([[v / half / 127.5 - 1 for v in r] for r in q]))
`));
    const S = 32;
    for (const [qy, qx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
      let sum = 0;
      for (let y = qy * 16; y < qy * 16 + 16; y++) for (let x = qx * 16; x < qx * 16 + 16; x++) sum += image[y * S + x];
      assert.ok(Math.abs(sum / 256 - raw[qy][qx]) < 0.03, `quadrant (${qy}, ${qx}): ${sum / 256} vs raw ${raw[qy][qx]}`);
    }
  });

  it('labels by region set in a fixed order and spells region names as words', () => {
    assert.equal(regionWords('Frontal_Sup_Orb_L'), 'frontal sup orb left');
    const r = (name: string, voxels = 50) => ({ name, voxels });
    assert.equal(mriLabel([r('Cerebelum_6_L'), r('Putamen_R')]), 0);
    assert.equal(mriLabel([r('Temporal_Inf_L'), r('Vermis_3')]), 1);
    assert.equal(mriLabel([r('Precentral_L')]), 2);
    assert.equal(mriCaption([r('Precentral_L', 90), r('Postcentral_R', 80), r('Frontal_Sup_L', 70), r('Cuneus_L', 60)]), 'axial slice, cortex only, precentral left, postcentral right, frontal sup left');
  });

  it('gives 32 and 64 px slices in [-1, 1] with every class present, low slices cerebellar and high ones cortical', async () => {
    for (const size of [32, 64]) {
      const d = await openDataset('mri', { imageSize: size });
      assert.equal(d.imageSize, size);
      assert.equal(d.channels, 1);
      const all = Array.from({ length: d.size }, (_, i) => i);
      const batch = d.get(all);
      assert.equal(batch.images.length, d.size * size * size);
      assert.ok(batch.images.every((v) => v >= -1 && v <= 1));
      assert.deepEqual([...new Set(batch.labels)].sort(), [0, 1, 2]);
      // z rises through the dataset: the first slice is below the basal ganglia, the last above them.
      assert.equal(batch.labels[0], MRI_CLASS_NAMES.indexOf('cerebellum present'));
      assert.equal(batch.labels[d.size - 1], MRI_CLASS_NAMES.indexOf('cortex only'));
    }
    await assert.rejects(loadMri({ imageSize: 28 }), (e: unknown) => e instanceof DlensError && /32 or 64/.test(e.message));
  });
});
