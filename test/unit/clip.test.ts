import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DlensError } from '../../engine/errors';
import { importTransformers, loadClipTextEncoder, type ClipTextEncoder, type ClipTextEncoding } from '../../engine/text/clip';
import { BOS, EOS, HIDDEN, MAX_POSITIONS, PAD, PROJECTION, positionWeight, projectionWeight, tokenWeight, writeTinyClip } from '../fixtures/tiny-clip';

const root = path.resolve(__dirname, '../..');
const hasTransformers = (() => {
  try {
    require.resolve('@huggingface/transformers');
    return true;
  } catch {
    return false;
  }
})();
const needsTransformers = hasTransformers ? false : '@huggingface/transformers (an optional dependency) is not installed';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-clip-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
/** A fresh folder holding the tiny export (variants as in writeTinyClip). */
const tiny = (options: Parameters<typeof writeTinyClip>[1] = {}) => writeTinyClip(path.join(tmp, `clip-${counter++}`), options);

/** What the tiny model must give for one prompt's token ids (padded to L), worked out from its weights. */
function expected(ids: number[], real: number, masked = false): { hidden: number[]; pooled: number[] } {
  const hidden: number[] = [];
  ids.forEach((id, s) => {
    for (let h = 0; h < HIDDEN; h++) hidden.push(masked && s >= real ? 0 : tokenWeight(id, h) + positionWeight(s, h));
  });
  // Pooled at the first <|endoftext|>, e: the states up to it, weighted by position + 1, then projected.
  const e = ids.indexOf(EOS);
  const summed = Array.from({ length: HIDDEN }, (_, h) => {
    let sum = 0;
    for (let s = 0; s <= e; s++) sum += (s + 1) * hidden[s * HIDDEN + h];
    return sum;
  });
  const pooled = Array.from({ length: PROJECTION }, (_, d) => summed.reduce((acc, v, h) => acc + v * projectionWeight(h, d), 0));
  return { hidden, pooled };
}

const pad = (ids: number[], L: number) => [...ids, ...Array(L - ids.length).fill(PAD)];
const row = (a: Float32Array, i: number, width: number) => Array.from(a.subarray(i * width, (i + 1) * width));
/** Token ids read back from the hidden state: column 0 is id + (s + 1) / 64. */
const idsOf = (enc: ClipTextEncoding, i: number) =>
  Array.from({ length: enc.maxLength }, (_, s) => enc.tokens[(i * enc.maxLength + s) * enc.dim] - positionWeight(s, 0));

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp, fix?: RegExp): Promise<DlensError> {
  let err: unknown;
  await p.then(
    () => assert.fail(`expected a DlensError ${code}`),
    (e) => (err = e),
  );
  assert.ok(err instanceof DlensError, `not a DlensError: ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
  if (fix) assert.match(err.fix, fix);
  return err;
}

describe('CLIP text encoder (local export through @huggingface/transformers)', { skip: needsTransformers }, () => {
  let dir: string;
  let enc: ClipTextEncoder;
  before(async () => {
    dir = tiny();
    enc = await loadClipTextEncoder(dir);
  });
  after(async () => enc?.dispose());

  it('takes its sizes from the export: maxLength from max_position_embeddings, widths from the outputs', () => {
    assert.equal(enc.dir, dir);
    assert.equal(enc.maxLength, MAX_POSITIONS);
    assert.equal(enc.dim, HIDDEN);
    assert.equal(enc.projectionDim, PROJECTION);
  });

  it("encodes ['a b', 'c'] to exactly the embedding rows and projections of the tiny model's weights", async () => {
    const out = await enc.encode(['a b', 'c']);
    const L = MAX_POSITIONS;
    assert.deepEqual([out.n, out.maxLength, out.dim, out.projectionDim], [2, L, HIDDEN, PROJECTION]);
    assert.equal(out.tokens.length, 2 * L * HIDDEN);
    assert.equal(out.pooled.length, 2 * PROJECTION);
    // CLIP's BPE: 'a b' -> <|startoftext|> a</w> b</w> <|endoftext|>, 'c' -> <|startoftext|> c</w> <|endoftext|>.
    const ids = [pad([BOS, 4, 5, EOS], L), pad([BOS, 6, EOS], L)];
    const real = [4, 3];
    for (let i = 0; i < 2; i++) {
      const want = expected(ids[i], real[i]);
      assert.deepEqual(row(out.tokens, i, L * HIDDEN), want.hidden, `tokens of prompt ${i}`);
      assert.deepEqual(row(out.pooled, i, PROJECTION), want.pooled, `pooled of prompt ${i}`);
      assert.deepEqual(row(out.mask, i, L), Array.from({ length: L }, (_, s) => (s < real[i] ? 1 : 0)), `mask of prompt ${i}`);
    }
    // Two values by hand. tokens[0, 1, 0]: id 4 at position 1 -> 4 + 0/16 + (2 * 1)/64.
    assert.equal(out.tokens[1 * HIDDEN], 4.03125);
    // pooled[1, 0] for 'c' = ids 14, 6, 15 at positions 0..2, weights 1, 2, 3:
    //   summed[h] = (14 + 12 + 45) + (1 + 2 + 3) h/16 + (1 + 4 + 9)(h + 1)/64 = 71 + (38h + 14)/64;
    //   projection column 0 is (3h mod 7) - 3 = [-3, 0, 3, -1, 2, -2, 1, -3]: sum -3, sum of h * c_h = -14;
    //   71 * -3 + (38 * -14 + 14 * -3)/64 = -213 - 574/64.
    assert.equal(out.pooled[PROJECTION], -213 - 574 / 64);
    assert.deepEqual(out.truncated, [false, false]);
  });

  it('different prompts give different encodings; the same prompt the same one, in any batch', async () => {
    const out = await enc.encode(['a b', 'b a', 'c', 'a b']);
    const L = MAX_POSITIONS;
    assert.notDeepEqual(row(out.pooled, 0, PROJECTION), row(out.pooled, 1, PROJECTION)); // word order counts
    assert.notDeepEqual(row(out.pooled, 0, PROJECTION), row(out.pooled, 2, PROJECTION));
    assert.notDeepEqual(row(out.tokens, 0, L * HIDDEN), row(out.tokens, 1, L * HIDDEN));
    assert.deepEqual(row(out.pooled, 3, PROJECTION), row(out.pooled, 0, PROJECTION));
    const alone = await enc.encode(['b a']);
    assert.deepEqual(row(alone.tokens, 0, L * HIDDEN), row(out.tokens, 1, L * HIDDEN));
    // More prompts than one model call takes (32): rows stay in order across calls.
    const many = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 'c' : i % 3 === 1 ? 'a b' : 'b a'));
    const big = await enc.encode(many);
    assert.equal(big.n, 40);
    for (const i of [0, 1, 2, 31, 32, 33, 39]) {
      const j = i % 3 === 0 ? 2 : i % 3 === 1 ? 0 : 1;
      assert.deepEqual(row(big.tokens, i, L * HIDDEN), row(out.tokens, j, L * HIDDEN), `prompt ${i}`);
      assert.deepEqual(row(big.pooled, i, PROJECTION), row(out.pooled, j, PROJECTION), `prompt ${i}`);
    }
    const none = await enc.encode([]);
    assert.deepEqual([none.n, none.tokens.length, none.pooled.length], [0, 0, 0]);
  });

  it("tokenizes as CLIP does: BPE merges, lowercase, squeezed whitespace", async () => {
    const out = await enc.encode(['ab', 'cab', 'A  B', '']);
    const L = MAX_POSITIONS;
    assert.deepEqual(idsOf(out, 0), pad([BOS, 8, EOS], L)); // merge 'a b</w>' -> ab</w>
    assert.deepEqual(idsOf(out, 1), pad([BOS, 2, 8, EOS], L)); // 'a b</w>' first (rank 0), so 'c a' never applies
    assert.deepEqual(idsOf(out, 2), pad([BOS, 4, 5, EOS], L));
    assert.deepEqual(idsOf(out, 3), pad([BOS, EOS], L));
    assert.deepEqual(row(out.mask, 3, L).slice(0, 3), [1, 1, 0]);
  });

  it('pads or truncates to a chosen maxLength, keeping <|endoftext|> last so pooling still sees it', async () => {
    const short = await loadClipTextEncoder(dir, { maxLength: 4 });
    try {
      assert.equal(short.maxLength, 4);
      const out = await short.encode(['a b c d', 'a']);
      // 'a b c d' is <|startoftext|> a b c d <|endoftext|>: 6 tokens, cut to 4 with the end marker kept.
      assert.deepEqual(idsOf(out, 0), [BOS, 4, 5, EOS]);
      assert.deepEqual(idsOf(out, 1), [BOS, 4, EOS, PAD]);
      assert.deepEqual(out.truncated, [true, false]);
      assert.deepEqual(Array.from(out.mask), [1, 1, 1, 1, 1, 1, 1, 0]);
      assert.deepEqual(row(out.pooled, 0, PROJECTION), expected([BOS, 4, 5, EOS], 4).pooled);
    } finally {
      await short.dispose();
    }
    await rejectsWith(loadClipTextEncoder(dir, { maxLength: 17 }), 'bad-argument', /maxLength must be an integer in 2\.\.16, got 17/);
    await rejectsWith(loadClipTextEncoder(dir, { maxLength: 1 }), 'bad-argument', /maxLength/);
  });

  it('feeds attention_mask to an export that takes it (padding rows come back zero there)', async () => {
    const masked = await loadClipTextEncoder(tiny({ attentionMask: true }), { maxLength: 6 });
    try {
      const out = await masked.encode(['a b', 'c']);
      const ids = [pad([BOS, 4, 5, EOS], 6), pad([BOS, 6, EOS], 6)];
      for (let i = 0; i < 2; i++) {
        const want = expected(ids[i], i === 0 ? 4 : 3, true);
        assert.deepEqual(row(out.tokens, i, 6 * HIDDEN), want.hidden);
        assert.deepEqual(row(out.pooled, i, PROJECTION), want.pooled);
      }
    } finally {
      await masked.dispose();
    }
  });

  it('never fetches: remote models off, no network call, nothing written to the transformers cache', async () => {
    const hf = importTransformers() as unknown as {
      env: { allowRemoteModels: boolean; localModelPath: string; cacheDir: string | null; fetch: (...args: unknown[]) => unknown };
    };
    const calls: string[] = [];
    const saved = { fetch: hf.env.fetch, localModelPath: hf.env.localModelPath };
    const cacheBefore = hf.env.cacheDir && fs.existsSync(hf.env.cacheDir) ? fs.readdirSync(hf.env.cacheDir, { recursive: true }).length : -1;
    hf.env.fetch = (url: unknown) => {
      calls.push(String(url));
      throw new Error(`network access to ${String(url)}`);
    };
    hf.env.localModelPath = tmp;
    try {
      const other = await loadClipTextEncoder(tiny());
      await other.encode(['a b']);
      await other.dispose();
    } finally {
      hf.env.fetch = saved.fetch;
      hf.env.localModelPath = saved.localModelPath;
    }
    assert.deepEqual(calls, []);
    assert.equal(hf.env.allowRemoteModels, false);
    const cacheAfter = hf.env.cacheDir && fs.existsSync(hf.env.cacheDir) ? fs.readdirSync(hf.env.cacheDir, { recursive: true }).length : -1;
    assert.equal(cacheAfter, cacheBefore);
  });

  it('refuses to encode after dispose', async () => {
    const once = await loadClipTextEncoder(dir, { maxLength: 4 });
    await once.dispose();
    await once.dispose(); // a second dispose is a no-op
    await rejectsWith(once.encode(['a']), 'clip-disposed', /was disposed/, /loadClipTextEncoder/);
  });
});

describe('CLIP text encoder errors', () => {
  it('a missing folder, or a file instead of a folder', async () => {
    const missing = path.join(tmp, 'no-such-model');
    await rejectsWith(loadClipTextEncoder(missing), 'clip-folder-missing', new RegExp(`not found: ${missing}`), /config\.json.*onnx\/text_model\.onnx/);
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    await rejectsWith(loadClipTextEncoder(file), 'clip-folder-missing', /is not a folder/);
  });

  for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx']) {
    it(`names a missing ${name}`, async () => {
      const d = tiny({ omit: [name] });
      const err = await rejectsWith(loadClipTextEncoder(d), 'clip-file-missing', new RegExp(`lacks ${name.replace('.', '\\.')}\\.`));
      assert.match(err.fix, /config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/text_model\.onnx/);
    });
  }

  it('points at a model.onnx that sits where text_model.onnx should', async () => {
    const d = tiny({ omit: ['onnx/text_model.onnx'] });
    fs.mkdirSync(path.join(d, 'onnx'));
    fs.writeFileSync(path.join(d, 'onnx/model.onnx'), 'x');
    await rejectsWith(loadClipTextEncoder(d), 'clip-file-missing', /lacks onnx\/text_model\.onnx/, /move it to onnx\/text_model\.onnx/);
  });

  it('a config.json that is not JSON', async () => {
    const d = tiny();
    fs.writeFileSync(path.join(d, 'config.json'), '{ "hidden_size": 8,');
    await rejectsWith(loadClipTextEncoder(d), 'clip-bad-config', /config\.json is not valid JSON/);
  });

  it('an ONNX file the runtime cannot load, with the runtime\'s own message', { skip: needsTransformers }, async () => {
    const d = tiny();
    fs.writeFileSync(path.join(d, 'onnx/text_model.onnx'), Buffer.from('this is not an onnx model at all'));
    const err = await rejectsWith(loadClipTextEncoder(d), 'clip-model-load', /Could not load the ONNX model .*text_model\.onnx: /, /complete float32 ONNX export/);
    assert.match(err.message, /protobuf parsing failed/i); // onnxruntime's words
    fs.writeFileSync(path.join(d, 'onnx/text_model.onnx'), 'version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n');
    await rejectsWith(loadClipTextEncoder(d), 'clip-model-load', /text_model\.onnx/, /git lfs pull/);
  });

  it('a CLIPTextModel export (pooler_output, no text_embeds)', { skip: needsTransformers }, async () => {
    const d = tiny({ pooledName: 'pooler_output' });
    await rejectsWith(loadClipTextEncoder(d), 'clip-bad-outputs', /outputs \[pooler_output, last_hidden_state\], lacking text_embeds/, /CLIPTextModel export .*CLIPTextModelWithProjection/);
  });

  it('outputs whose widths disagree with config.json', { skip: needsTransformers }, async () => {
    const d = tiny({ graphProjectionDim: 3 });
    await rejectsWith(loadClipTextEncoder(d), 'clip-bad-outputs', /text_embeds width 3 vs projection_dim 4/, /config\.json/);
  });

  it('maps a missing or broken @huggingface/transformers to errors with a fix', () => {
    const notFound = () => {
      throw Object.assign(new Error("Cannot find module '@huggingface/transformers'"), { code: 'MODULE_NOT_FOUND' });
    };
    assert.throws(() => importTransformers(notFound), (e: DlensError) => e.code === 'clip-runtime-missing' && /npm install @huggingface\/transformers/.test(e.fix));
    const broken = () => {
      throw new Error('libonnxruntime.so.1: cannot open shared object file');
    };
    assert.throws(() => importTransformers(broken), (e: DlensError) => e.code === 'clip-runtime-broken' && /libonnxruntime/.test(e.message));
    assert.throws(() => importTransformers(() => ({})), (e: DlensError) => e.code === 'clip-runtime-broken');
  });

  it('without @huggingface/transformers installed, loading says to install it (the rest of the engine loads)', () => {
    // A child process in which resolving the package fails, as when the optional dependency is absent.
    const blocker = path.join(tmp, 'block-transformers.cjs');
    fs.writeFileSync(
      blocker,
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@huggingface/transformers' || request.startsWith('@huggingface/transformers/')) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
`,
    );
    const script = `
      require(${JSON.stringify(path.join(root, 'engine/index.ts'))});
      require(${JSON.stringify(path.join(root, 'engine/text/clip.ts'))})
        .loadClipTextEncoder(${JSON.stringify(tiny())})
        .then(() => console.log(JSON.stringify({ loaded: true })), (e) => console.log(JSON.stringify({ code: e.code, fix: e.fix })));`;
    const r = spawnSync(process.execPath, ['--require', blocker, '--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(out.code, 'clip-runtime-missing', r.stdout + r.stderr);
    assert.match(out.fix, /npm install @huggingface\/transformers/);
  });
});
