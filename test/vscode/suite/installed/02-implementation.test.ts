/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TINY, extension, run, workspace } from '../helpers';

/** A user's createModel (per-pixel linear map plus a time term), as plain JavaScript in their workspace. */
const MODEL = `
import * as tf from '@tensorflow/tfjs';
export function createModel({ channels }) {
  const W = tf.variable(tf.mul(tf.eye(channels), 0.5));
  const wt = tf.variable(tf.fill([channels], 0.1));
  return {
    predict: (x, t) => tf.tidy(() => {
      const [B, H, Wd, C] = x.shape;
      const time = tf.mul(tf.reshape(tf.div(tf.cast(t, 'float32'), 1000), [B, 1, 1, 1]), wt);
      return tf.add(tf.reshape(tf.matMul(tf.reshape(x, [B * H * Wd, C]), W), [B, H, Wd, C]), time);
    }),
    trainableVariables: [W, wt],
  };
}
`;

describe('the installed extension runs a user implementation', () => {
  after(() => run('selectImplementation', { file: '' }));

  it('bundles the file with the esbuild it ships and trains the user model in its runner', async () => {
    assert.ok(fs.existsSync(path.join(extension().extensionPath, 'node_modules', 'esbuild', 'package.json')), 'esbuild is not in the .vsix');
    fs.writeFileSync(path.join(workspace(), 'my-model.mjs'), MODEL);
    assert.equal((await run('selectImplementation', { file: 'my-model.mjs' })).status, 'completed');
    const r = await run('train', { ...TINY, steps: 2, checkpointEvery: 2, previewEvery: 0, name: 'installed-user-model' });
    assert.equal(r.status, 'completed', r.error);
    const manifest = JSON.parse(fs.readFileSync(path.join(r.runDir!, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.implementation?.provided, ['createModel']);
    assert.equal(manifest.parameters, 3 * 3 + 3, 'the user model was trained, not the U-Net');
  });
});
