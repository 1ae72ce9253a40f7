/**
 * Loading a user's implementation module: TypeScript and JavaScript, the engine's own tf behind every
 * `@tensorflow/tfjs` import, and each loading error with the file, line and fix the user needs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../../engine/errors';
import { makeBetas } from '../../engine/schedules';
import { loadImplementation, suggestExport } from '../../engine/user/load';
import { scheduleTables, samplingTimesteps, samplerStep } from '../../engine/user/resolve';
import { assertTensorLike } from '../../engine/user/validate';
import { backend, maxAbsDiff } from '../helpers';

const fixture = (name: string) => path.resolve(__dirname, '../fixtures/user', name);

/** The DlensError a promise rejects with (fails the test when it resolves or throws something else). */
async function loadError(file: string): Promise<DlensError> {
  try {
    await loadImplementation(file);
  } catch (err) {
    assert.ok(err instanceof DlensError, `expected a DlensError, got ${(err as Error)?.stack ?? err}`);
    return err;
  }
  assert.fail(`${file} loaded without an error`);
}

function syncError(fn: () => unknown): DlensError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DlensError, `expected a DlensError, got ${(err as Error)?.stack ?? err}`);
    return err;
  }
  assert.fail('no error was thrown');
}

/** 1-based line of the first occurrence of `text` in a fixture: the expected line comes from the source, not from a run. */
const lineOf = (name: string, text: string) => fs.readFileSync(fixture(name), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

describe('loading an implementation', () => {
  before(backend);

  it('loads a TypeScript module: all five exports found, betas(T) equals the linear schedule computed independently', async () => {
    const loaded = await loadImplementation(fixture('ddim.ts'));
    assert.deepEqual(loaded.provided, ['betas', 'addNoise', 'timesteps', 'step']);
    assert.equal(loaded.file, fixture('ddim.ts'));
    assert.deepEqual(loaded.warnings, []);
    const tables = scheduleTables({ name: 'cosine', T: 1000 }, loaded);
    assert.ok(maxAbsDiff(tables.betas, makeBetas('linear', 1000)) < 1e-15, 'the user schedule replaces the named one');
    assert.deepEqual(samplingTimesteps('leading', 1000, 4, loaded), [999, 749, 499, 249]);
  });

  it('loads a CommonJS JavaScript module, and falls back to the reference for what it does not export', async () => {
    const loaded = await loadImplementation(fixture('plain.js'));
    assert.deepEqual(loaded.provided, ['betas']);
    const T = 1000;
    // Nichol & Dhariwal's cosine schedule, written out here: beta_t = 1 - f(t+1)/f(t), capped at 0.999.
    const f = (t: number) => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    const tables = scheduleTables({ name: 'linear', T }, loaded);
    assert.ok(Math.abs(tables.betas[0] - (1 - f(1) / f(0))) < 1e-15);
    assert.equal(tables.betas[T - 1], 0.999);
    assert.deepEqual(samplingTimesteps('trailing', T, 4, loaded), [999, 749, 499, 249], 'no timesteps export: the reference spacing');
  });

  it("maps the module's own `import * as tf from '@tensorflow/tfjs'` to the engine's instance (one copy, one backend)", async () => {
    const loaded = await loadImplementation(fixture('imports-tf.ts'));
    const exported = (loaded as unknown as { importedTf?: unknown }).importedTf;
    assert.equal(exported, undefined, 'non-contract exports stay out of the implementation');
    const tables = scheduleTables({ name: 'linear', T: 10 }, loaded);
    assert.equal(tables.T, 10);
    // The bundle must not carry TensorFlow.js: it is resolved at load time to the engine's tf.
    const bundled = await import('../../engine/user/bundle').then((b) => b.bundleImplementation(fixture('imports-tf.ts')));
    assert.match(bundled, /require\("@tensorflow\/tfjs"\)/);
    assert.ok(bundled.length < 20_000, `bundle is ${bundled.length} characters: TensorFlow.js got bundled in`);
    assert.equal(tf.getBackend(), await backend());
  });

  it('refuses a second TensorFlow.js or another backend, naming the import and the setting to use', async () => {
    const e = await loadError(fixture('tfjs-node.ts'));
    assert.equal(e.code, 'impl-tfjs-import');
    assert.match(e.message, /tfjs-node\.ts imports '@tensorflow\/tfjs-node'/);
    assert.match(e.message, new RegExp(`tfjs-node\\.ts:${lineOf('tfjs-node.ts', "from '@tensorflow/tfjs-node'")}:`), 'points at the import');
    assert.match(e.fix, /diffusionLens\.backend|--backend/);
  });

  it('file not found: says which path, and how relative paths are read', async () => {
    const e = await loadError(path.join(os.tmpdir(), 'no-such-dlens-impl.ts'));
    assert.equal(e.code, 'impl-not-found');
    assert.match(e.message, /Implementation file not found: .*no-such-dlens-impl\.ts\./);
    assert.match(e.fix, /relative path/);
    const folder = await loadError(path.dirname(fixture('ddim.ts')));
    assert.equal(folder.code, 'impl-not-found');
    assert.match(folder.message, /is a folder/);
  });

  it('a syntax error names the file, line and column, and shows the line', async () => {
    const e = await loadError(fixture('syntax-error.ts'));
    assert.equal(e.code, 'impl-syntax');
    const line = lineOf('syntax-error.ts', '0.01 *)');
    const column = fs.readFileSync(fixture('syntax-error.ts'), 'utf8').split('\n')[line - 1].indexOf(')') + 1;
    assert.match(e.message, new RegExp(`${fixture('syntax-error.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:${column}: Unexpected "\\)"`));
    assert.match(e.message, /out\.push\(0\.01 \*\);\n\s+\^/);
  });

  it('a type error (a number times a tensor) names the file, line and column and shows the line, before anything runs', async () => {
    const e = await loadError(fixture('type-error.ts'));
    assert.equal(e.code, 'impl-type');
    const line = lineOf('type-error.ts', 'Math.sqrt(ab) * a.x0');
    const column = fs.readFileSync(fixture('type-error.ts'), 'utf8').split('\n')[line - 1].indexOf('a.x0') + 1;
    const where = `${fixture('type-error.ts')}:${line}:${column}`;
    assert.ok(e.message.startsWith(`${where}: The right-hand side of an arithmetic operation must be of type`), e.message);
    assert.match(e.message, /\(TS2363\), found by TypeScript \d+\.\d+\.\d+/);
    assert.ok(e.message.includes(`\n    ${' '.repeat(column - 1)}^`), 'a caret under the operand');
    assert.match(e.fix, /DLENS_TYPECHECK=off/);
    // The way out it names works: the file then loads (and its addNoise is the user's).
    process.env.DLENS_TYPECHECK = 'off';
    try {
      assert.deepEqual((await loadImplementation(fixture('type-error.ts'))).provided, ['addNoise']);
    } finally {
      delete process.env.DLENS_TYPECHECK;
    }
  });

  it('a compiler that cannot run does not keep the file from loading: it loads, with a warning that it was not type-checked', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-broken-tsc-'));
    const broken = path.join(dir, 'typescript.js');
    fs.writeFileSync(broken, "exports.version = '0.0.0'; exports.ScriptTarget = {}; exports.ModuleKind = {}; exports.ModuleResolutionKind = {};\nexports.createProgram = () => { throw new Error('compiler exploded'); };\n");
    process.env.DLENS_TYPESCRIPT = broken;
    try {
      const loaded = await loadImplementation(fixture('type-error.ts'));
      assert.deepEqual(loaded.provided, ['addNoise']);
      assert.deepEqual(loaded.warnings, ['type-error.ts was not type-checked: the type check itself failed (compiler exploded).']);
    } finally {
      delete process.env.DLENS_TYPESCRIPT;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('type packages the user never installed are not errors: TensorFlow.js and Node names are then untyped', async () => {
    // A folder with no node_modules above it: neither @tensorflow/tfjs nor @types/node resolves.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlens-untyped-'));
    const file = path.join(dir, 'untyped.ts');
    fs.writeFileSync(file, "import * as tf from '@tensorflow/tfjs';\nexport function betas(T: number): number[] {\n  const scale = Number(process.env.BETA_SCALE ?? '1');\n  return tf.linspace(1e-4 * scale, 0.02, T).arraySync() as number[];\n}\n");
    try {
      const loaded = await loadImplementation(file);
      assert.deepEqual(loaded.provided, ['betas']);
      assert.equal(loaded.impl.betas!(3).length, 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an export of the wrong kind names the export, what it is, and the signature it needs', async () => {
    const e = await loadError(fixture('wrong-export.ts'));
    assert.equal(e.code, 'impl-export-type');
    assert.match(e.message, /wrong-export\.ts exports `betas` as an array; the contract needs a function betas\(T\) => number\[\]/);
    assert.match(e.fix, /export function betas/);
  });

  it('an unknown export that looks like a contract name gets "did you mean", and the reference stands in', async () => {
    const loaded = await loadImplementation(fixture('misspelled.ts'));
    assert.deepEqual(loaded.provided, ['betas']);
    assert.equal(loaded.warnings?.length, 1);
    assert.match(loaded.warnings![0], /exports `Step`, which Diffusion Lens does not use: did you mean `step`\?/);
    assert.equal(suggestExport('addnoise'), 'addNoise');
    assert.equal(suggestExport('timestep'), 'timesteps');
    assert.equal(suggestExport('helper'), undefined);
  });

  it('an exception in user code is reported at the user\'s own source line (source-mapped), with the function named', async () => {
    const loaded = await loadImplementation(fixture('throws.ts'));
    const e = syncError(() => scheduleTables({ name: 'linear', T: 50 }, loaded));
    assert.equal(e.code, 'impl-threw');
    const throwLine = lineOf('throws.ts', 'throw new RangeError');
    const callLine = lineOf('throws.ts', 'scheduleAt(i, T)');
    assert.match(e.message, new RegExp(`^betas\\(50\\) threw at ${fixture('throws.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${throwLine}:\\d+: RangeError: no beta for the last step 49`));
    assert.match(e.message, new RegExp(`throws\\.ts:${callLine}:\\d+`), 'the calling line is in the mapped stack too');
    assert.doesNotMatch(e.message, /\.dlens\.js/, 'no frame of the generated bundle');
  });
});

describe('checking what user functions return', () => {
  before(backend);

  it('assertTensorLike says expected vs got for kind, shape and dtype', () => {
    const x = tf.zeros([2, 4, 4, 1]);
    assert.equal(syncError(() => assertTensorLike('f()', 3, [2, 4, 4, 1])).code, 'impl-output-type');
    const shape = syncError(() => assertTensorLike('f()', x, [2, 4, 4, 3]));
    assert.equal(shape.code, 'impl-output-shape');
    assert.match(shape.message, /f\(\) returned shape \[2,4,4,1\]; expected \[2,4,4,3\]/);
    const dtype = syncError(() => assertTensorLike('f()', x, [2, null, 4, 1], 'int32'));
    assert.match(dtype.message, /returned dtype float32; expected int32/);
    assertTensorLike('f()', x, [null, 4, 4, 1]);
    x.dispose();
  });

  it("a step of the wrong shape or dtype, ascending timesteps, and a step that throws: each names the function and t", async () => {
    const bad = await loadImplementation(fixture('bad-outputs.ts'));
    const tables = scheduleTables({ name: 'linear', T: 1000 });
    const ts = syncError(() => samplingTimesteps('trailing', 1000, 5, bad));
    assert.equal(ts.code, 'bad-timesteps');
    assert.match(ts.message, /timesteps\(\{ numTrainSteps: 1000, numSteps: 5 \}\) in bad-outputs\.ts returned a bad value: Timestep list is not strictly descending at entry 1 \(0 then 10\)/);
    const x = tf.ones([2, 4, 4, 1]);
    const input = { x, eps: x, x0: x, alphaBar: 0.5, alphaBarPrev: 0.6, isLast: false, t: 500, tPrev: 480, noise: (s: number[]) => tf.zeros(s) };
    const never = () => assert.fail('the reference must not run when the user exports step');
    const shape = syncError(() => samplerStep(never, tables, 0, bad)(input));
    assert.equal(shape.code, 'impl-output-shape');
    assert.match(shape.message, /step\(\) in bad-outputs\.ts at t = 500 \(tPrev = 480\) returned shape \[2,4,4\]; expected \[2,4,4,1\]/);
    const intStep = await loadImplementation(fixture('int-step.ts'));
    const dtype = syncError(() => samplerStep(never, tables, 0, intStep)(input));
    assert.equal(dtype.code, 'impl-output-dtype');
    assert.match(dtype.message, /step\(\) in int-step\.ts at t = 500 \(tPrev = 480\) returned dtype int32; expected float32/);
    const throwing = await loadImplementation(fixture('step-throws.ts'));
    const threw = syncError(() => samplerStep(never, tables, 0, throwing)({ ...input, t: 20, tPrev: 0 }));
    assert.equal(threw.code, 'impl-threw');
    assert.match(threw.message, new RegExp(`^step\\(\\) at t = 20 threw at .*step-throws\\.ts:${lineOf('step-throws.ts', 'throw new Error')}:\\d+: Error: step not implemented below t = 500 \\(got 20\\)`));
    x.dispose();
  });
});
