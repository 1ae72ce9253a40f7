import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { dlens } from '../helpers';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

describe('dlens CLI', () => {
  it('is built (npm ci runs the build)', () => assert.ok(fs.existsSync(cli), `${cli} missing: run npm run build`));

  it('schedule --json prints betas and alphasCumprod', () => {
    const out = dlens('schedule', '--schedule', 'linear', '--timesteps', '1000', '--json').json();
    assert.equal(out.betas.length, 1000);
    assert.equal(out.betas[0], 1e-4);
    assert.equal(out.betas[999], 0.02);
    let prod = 1;
    for (let t = 0; t < 1000; t++) prod *= 1 - (1e-4 + ((0.02 - 1e-4) * t) / 999);
    assert.ok(Math.abs(out.alphasCumprod[999] - prod) < 1e-12);
    const z = dlens('schedule', '--schedule', 'cosine', '--timesteps', '100', '--zero-terminal-snr', '--json').json();
    assert.equal(z.alphasCumprod[99], 0);
  });

  it('timesteps --json prints the descending list', () => {
    assert.deepEqual(dlens('timesteps', '--spacing', 'trailing', '--timesteps', '1000', '--steps', '4', '--json').json().timesteps, [999, 749, 499, 249]);
    assert.deepEqual(dlens('timesteps', '--spacing', 'leading', '--timesteps', '1000', '--steps', '4', '--json').json().timesteps, [750, 500, 250, 0]);
  });

  it('oracle --json samples the mixture, byte-identical for the same seed', () => {
    const args = ['oracle', '--mixture', 'examples/mixture-2d.json', '--sampler', 'ddim', '--steps', '20', '--n', '800', '--seed', '3', '--json'];
    const a = dlens(...args);
    assert.equal(a.code, 0, a.stderr);
    const { samples } = a.json();
    assert.equal(samples.length, 800);
    assert.ok(samples.every((s: number[]) => s.length === 2));
    // The example mixture puts weight 0.5 at (-2, 0): about half the samples land within 1 of it.
    const near = samples.filter((s: number[]) => Math.hypot(s[0] + 2, s[1]) < 1).length / 800;
    assert.ok(Math.abs(near - 0.5) < 0.07, `share near (-2, 0): ${near}`);
    assert.equal(dlens(...args).stdout, a.stdout);
    const ddpm = dlens('oracle', '--mixture', 'examples/mixture-2d.json', '--sampler', 'ddpm', '--steps', '1000', '--variance', 'beta', '--n', '50', '--json');
    assert.equal(ddpm.json().samples.length, 50);
  });

  it('oracle without --json prints recovered weights, means and spread', () => {
    const r = dlens('oracle', '--mixture', 'examples/mixture-2d.json', '--n', '500');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /DDIM eta=0, 50 steps \(trailing\)/);
    assert.match(r.stdout, /std: true 0\.3000, recovered/);
  });

  it('forward writes one image at several noise levels side by side', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-'));
    const img = path.join(dir, 'gradient.png');
    const pixels = Buffer.alloc(16 * 16);
    for (let i = 0; i < 256; i++) pixels[i] = (i % 16) * 16;
    await sharp(pixels, { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(img);
    const out = path.join(dir, 'grid.png');
    const r = dlens('forward', '--image', img, '--timesteps', '0,999', '--out', out, '--json');
    assert.equal(r.code, 0, r.stderr);
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 16 * 2 + 2);
    assert.equal(info.height, 16);
    const cell = (col: number) => Array.from({ length: 256 }, (_, i) => data[((i >> 4) * info.width + col * 18 + (i % 16)) * info.channels]);
    // t = 0: signal 0.99995, noise 0.01 -> within a few grey levels of the original.
    assert.ok(cell(0).every((v, i) => Math.abs(v - pixels[i]) <= 5), 't=0 cell should be the image');
    // t = 999: signal sqrt(4e-5) = 0.006 -> no correlation left with the image.
    const noisy = cell(1);
    const mx = noisy.reduce((a, b) => a + b, 0) / 256;
    const mp = 120;
    const cov = noisy.reduce((s, v, i) => s + (v - mx) * (pixels[i] - mp), 0);
    const corr = cov / Math.sqrt(noisy.reduce((s, v) => s + (v - mx) ** 2, 0) * pixels.reduce((s, v) => s + (v - mp) ** 2, 0));
    assert.ok(Math.abs(corr) < 0.25, `t=999 correlation with the image ${corr}`);
    fs.rmSync(dir, { recursive: true });
  });

  it('backend reports the chosen backend, loading wasm binaries from the bundle\'s dist/wasm', () => {
    const report = dlens('backend', '--json').json();
    assert.equal(report.backend, 'wasm');
    assert.match(report.attempts.find((a: { backend: string }) => a.backend === 'wasm').reason, new RegExp(`binaries from ${path.join(root, 'dist', 'wasm')}`));
  });

  it('every command has --help', () => {
    for (const [cmd, flag] of [['schedule', '--zero-terminal-snr'], ['timesteps', '--spacing'], ['oracle', '--mixture'], ['forward', '--image'], ['backend', '--backend']]) {
      const r = dlens(cmd, '--help');
      assert.equal(r.code, 0);
      assert.ok(r.stdout.includes(flag), `${cmd} --help lacks ${flag}`);
    }
  });

  it('bad input exits non-zero with a message that names it', () => {
    const cases: [string[], RegExp][] = [
      [['schedule', '--bogus'], /unknown option '--bogus'/],
      [['schedule', '--schedule', 'quadratic'], /'quadratic' is invalid\. Allowed choices are linear, cosine/],
      [['timesteps', '--steps', '0'], /expected an integer >= 1, got '0'/],
      [['timesteps', '--steps', '2000'], /Cannot take 2000 sampling steps with a 1000-step schedule/],
      [['oracle', '--mixture', 'missing.json'], /Mixture file not found: missing.json/],
      [['oracle', '--mixture', 'package.json'], /Mixture: "weights" must be a non-empty array/],
      [['forward', '--image', 'nope.png'], /Image file not found: nope.png/],
      [['forward', '--image', 'package.json', '--timesteps', '0,1000'], /Timestep 1000 is outside 0..999/],
      [['sampel'], /unknown command 'sampel'/],
      [['sample'], /required option '--run <dir>' not specified/],
      [['train', '--out', 'x', '--dataset', 'cifar'], /Unknown dataset "cifar"/],
      [['sample', '--run', 'no/such/run'], /Run folder not found: no\/such\/run/],
    ];
    for (const [args, message] of cases) {
      const r = dlens(...args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
    }
    const json = dlens('oracle', '--mixture', 'missing.json', '--json');
    assert.equal(json.json().error.code, 'file-not-found');
  });
});
