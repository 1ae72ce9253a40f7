/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extension, run } from '../helpers';

describe('the packaged .vsix, installed like a user installs it', () => {
  it('is the installed copy, not the checkout', () => {
    const ext = extension();
    // Installed extensions live in <extensions-dir>/<publisher>.<name>-<version>[-<target>].
    assert.match(path.basename(ext.extensionPath), /^diffusion-lens\.diffusion-lens-\d+\.\d+\.\d+/, `loaded from ${ext.extensionPath}`);
    assert.ok(fs.existsSync(path.join(ext.extensionPath, 'dist', 'runner.js')));
    assert.ok(!fs.existsSync(path.join(ext.extensionPath, 'node_modules', '@tensorflow')), 'TensorFlow.js packages were shipped instead of bundled');
  });

  it('activates and runs a job in its own runner (bundled TensorFlow.js, dist/wasm, sharp)', async () => {
    const r = await run('visualizeForward', { timesteps: [0, 999], size: 16 });
    assert.equal(r.status, 'completed', r.error);
    assert.equal(extension().isActive, true);
    assert.ok(fs.existsSync(path.join(r.outDir!, 'forward.png')));
    const log = fs.readFileSync(path.join(r.outDir!, 'runner.log'), 'utf8');
    assert.ok(log.includes(`binaries from ${path.join(extension().extensionPath, 'dist', 'wasm')}`), `the runner did not use the installed dist/wasm:\n${log}`);
    assert.ok((await vscode.commands.getCommands(true)).includes('diffusionLens.train'));
  });
});
