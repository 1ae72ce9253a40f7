import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { presetConfig } from '../../engine/nn/presets';
import { UNet } from '../../engine/nn/unet';
import { Rng } from '../../engine/random';
import { clipCondition, clipEncoder } from '../../engine/train/clipConditioning';
import { writeTinyClip } from '../fixtures/tiny-clip';
import { backend, dlens, maxAbsDiff, values } from '../helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-clipcond-'));
const clipDir = writeTinyClip(path.join(dir, 'clip'));

let hasTransformers = true;
try {
  require.resolve('@huggingface/transformers');
} catch {
  hasTransformers = false;
}

describe('conditioning on a local CLIP export', { skip: hasTransformers ? false : '@huggingface/transformers (an optional dependency) is not installed' }, () => {
  before(backend);

  it('packs hidden states with the mask as the last feature; the empty prompt is the all-zero null condition', async () => {
    const enc = await clipEncoder(clipDir);
    const clip = { dir: clipDir, inputDim: enc.dim, maxLength: enc.maxLength };
    const direct = await enc.encode(['a b']);
    const packed = await values(await clipCondition(clip, ['a b', '']));
    const D = enc.dim;
    const L = enc.maxLength;
    for (let s = 0; s < L; s++) {
      assert.deepEqual(packed.slice(s * (D + 1), s * (D + 1) + D), Array.from(direct.tokens.subarray(s * D, (s + 1) * D)), `token ${s}`);
      assert.equal(packed[s * (D + 1) + D], direct.mask[s]);
    }
    assert.ok(packed.slice(L * (D + 1)).every((v) => v === 0), 'empty prompt is all zeros');
  });

  it('different prompts steer the U-Net differently, and all zeros selects the learned null token', async () => {
    const enc = await clipEncoder(clipDir);
    const clip = { dir: clipDir, inputDim: enc.dim, maxLength: enc.maxLength };
    const net = new UNet(presetConfig('tiny', { imageSize: 16, channels: 3, cond: 'clip', clip: { inputDim: enc.dim, maxLength: enc.maxLength } }), new Rng(0));
    for (const v of net.params.list()) v.assign(tf.add(v, tf.mul(new Rng(v.size).normal(v.shape), 0.05)));
    const x = new Rng(1).normal([1, 16, 16, 3]);
    const predict = async (p: string) => values(net.predict(x, 400, await clipCondition(clip, [p])));
    const [ab, cd, empty] = [await predict('a b'), await predict('c d'), await predict('')];
    assert.ok(maxAbsDiff(ab, cd) > 1e-4 && maxAbsDiff(ab, empty) > 1e-4);
    assert.deepEqual(empty, await values(net.predict(x, 400)));
    tf.dispose(net.params.list());
  });

  it('trains and samples from the CLI with --cond clip', async () => {
    const imgs = path.join(dir, 'imgs');
    fs.mkdirSync(imgs);
    const captions: string[] = [];
    for (const [i, colour] of ['#ff0000', '#0000ff', '#ff0000', '#0000ff'].entries()) {
      await sharp({ create: { width: 16, height: 16, channels: 3, background: colour } }).png().toFile(path.join(imgs, `${i}.png`));
      captions.push(JSON.stringify({ file: `${i}.png`, caption: colour === '#ff0000' ? 'a b' : 'c d' }));
    }
    fs.writeFileSync(path.join(imgs, 'captions.jsonl'), captions.join('\n'));
    const run = path.join(dir, 'run');
    const trained = dlens('train', '--dataset', `folder:${imgs}`, '--image-size', '16', '--cond', 'clip', '--clip', clipDir, '--steps', '2', '--batch', '2', '--preview-every', '2', '--out', run, '--json');
    assert.equal(trained.code, 0, trained.stderr);
    const manifest = JSON.parse(fs.readFileSync(path.join(run, 'manifest.json'), 'utf8'));
    assert.equal(manifest.clip.dir, clipDir);
    const sample = (out: string) => dlens('sample', '--run', run, '--prompt', 'a b', '--negative-prompt', 'c d', '--steps', '3', '--n', '2', '--out', path.join(dir, out));
    assert.equal(sample('s1.png').code, 0);
    assert.equal(sample('s2.png').code, 0);
    assert.ok(fs.readFileSync(path.join(dir, 's1.png')).equals(fs.readFileSync(path.join(dir, 's2.png'))));
    const missing = dlens('train', '--dataset', `folder:${imgs}`, '--image-size', '16', '--cond', 'clip', '--out', path.join(dir, 'r2'));
    assert.match(missing.stderr, /CLIP conditioning needs a local CLIP text export\. Fix: pass --clip PATH/);
  });
});
