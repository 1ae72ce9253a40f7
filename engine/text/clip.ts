/**
 * Conditioning on the user's own CLIP text encoder: a local CLIPTextModelWithProjection export, run
 * through `@huggingface/transformers` (an optional dependency, loaded only when this is used).
 *
 * The folder is the layout optimum / transformers.js conversions write:
 *   config.json, tokenizer.json, tokenizer_config.json, onnx/text_model.onnx
 * Nothing is ever downloaded: remote models are switched off and the folder is passed as a local path.
 *
 * Prompts are tokenized one by one, then padded or truncated here to a fixed length: truncation keeps
 * the final <|endoftext|> (as Hugging Face's Python tokenizers do; transformers.js would cut it off,
 * and CLIP pools its text embedding at that token).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DlensError, assertInteger } from '../errors';

export interface ClipTextEncoding {
  /** [n, maxLength, dim]: last_hidden_state, row-major. */
  tokens: Float32Array;
  /** [n, maxLength]: 1 = a real token (start and end markers included), 0 = padding. */
  mask: Float32Array;
  /** [n, projectionDim]: text_embeds. */
  pooled: Float32Array;
  n: number;
  maxLength: number;
  dim: number;
  projectionDim: number;
  /** One per prompt: true where the prompt had more tokens than maxLength and was cut. */
  truncated: boolean[];
}

export interface ClipTextEncoder {
  readonly dir: string;
  readonly maxLength: number;
  readonly dim: number;
  readonly projectionDim: number;
  encode(prompts: string[]): Promise<ClipTextEncoding>;
  dispose(): Promise<void>;
}

export interface ClipLoadOptions {
  /** Tokens per prompt, start and end markers included. Default: the model's max_position_embeddings, at most 77. */
  maxLength?: number;
}

/** CLIP's context length; no longer sequence is ever used. */
export const CLIP_MAX_LENGTH = 77;
export const CLIP_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx'] as const;
export const TRANSFORMERS_PACKAGE = '@huggingface/transformers';
const INSTALL_FIX = `run \`npm install ${TRANSFORMERS_PACKAGE}\` (an optional dependency of Diffusion Lens) in the folder that holds its node_modules`;
const LAYOUT = 'a folder holding config.json, tokenizer.json, tokenizer_config.json and onnx/text_model.onnx (a CLIPTextModelWithProjection export, e.g. a transformers.js conversion)';
/** Prompts per model call. */
const BATCH = 32;

// ---- the parts of @huggingface/transformers used here (it may not be installed, so no type import) ----

interface HfTensor {
  readonly type: string;
  readonly dims: number[];
  readonly data: ArrayLike<number> | ArrayLike<bigint>;
  dispose?(): void;
}

interface HfTokenizer {
  encode(text: string): number[];
  readonly eos_token_id?: number | null;
  readonly pad_token_id?: number | null;
  readonly model_max_length?: number;
}

interface HfModel {
  (inputs: Record<string, HfTensor>): Promise<Record<string, HfTensor>>;
  readonly sessions: Record<string, { readonly inputNames: string[]; readonly outputNames: string[] }>;
  dispose(): Promise<unknown>;
}

export interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => HfTensor;
  AutoTokenizer: { from_pretrained(id: string, options: Record<string, unknown>): Promise<HfTokenizer> };
  CLIPTextModelWithProjection: { from_pretrained(id: string, options: Record<string, unknown>): Promise<HfModel> };
}

/** An error's message as a sentence (runtime messages often lack the final period). */
const messageOf = (e: unknown): string => {
  const m = (e instanceof Error ? e.message : String(e)).trim();
  return /[.!?]$/.test(m) ? m : `${m}.`;
};

/**
 * Loads `@huggingface/transformers`, turning a missing or broken install into a DlensError.
 * `load` is the module loader (replaceable in tests).
 */
export function importTransformers(load: () => unknown = () => require(TRANSFORMERS_PACKAGE)): TransformersModule {
  let mod: unknown;
  try {
    mod = load();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND' && messageOf(e).includes(TRANSFORMERS_PACKAGE)) {
      throw new DlensError('clip-runtime-missing', `CLIP text encoders need the package ${TRANSFORMERS_PACKAGE}, which is not installed.`, `${INSTALL_FIX}.`);
    }
    throw new DlensError(
      'clip-runtime-broken',
      `${TRANSFORMERS_PACKAGE} is installed but failed to load: ${messageOf(e)}`,
      `reinstall it: \`npm install ${TRANSFORMERS_PACKAGE}\` (its onnxruntime-node needs a prebuilt binary for ${process.platform}/${process.arch}).`,
    );
  }
  const m = mod as Partial<TransformersModule>;
  if (!m || !m.env || !m.Tensor || !m.AutoTokenizer || !m.CLIPTextModelWithProjection) {
    throw new DlensError('clip-runtime-broken', `${TRANSFORMERS_PACKAGE} loaded but lacks env, Tensor, AutoTokenizer or CLIPTextModelWithProjection.`, `install a 4.x release: \`npm install ${TRANSFORMERS_PACKAGE}@4\`.`);
  }
  return m as TransformersModule;
}

// ---- folder checks ----------------------------------------------------------------------------------

interface ClipConfig {
  hiddenSize?: number;
  projectionDim?: number;
  maxPositions?: number;
}

function checkFolder(dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new DlensError('clip-folder-missing', `CLIP text encoder folder not found: ${dir}.`, `pass ${LAYOUT}.`);
  }
  if (!stat.isDirectory()) throw new DlensError('clip-folder-missing', `CLIP text encoder path is not a folder: ${dir}.`, `pass ${LAYOUT}.`);
  const missing = CLIP_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length === 0) return;
  let fix = `the folder must hold ${CLIP_FILES.join(', ')}`;
  if (missing.includes('onnx/text_model.onnx')) {
    const other = ['onnx/model.onnx', 'model.onnx', 'text_model.onnx'].find((f) => fs.existsSync(path.join(dir, f)));
    if (other) fix += `; if ${other} is the text encoder (CLIPTextModelWithProjection), move it to onnx/text_model.onnx`;
  }
  throw new DlensError('clip-file-missing', `CLIP text encoder folder ${dir} lacks ${missing.join(', ')}.`, `${fix}.`);
}

function readJson(dir: string, name: string): Record<string, unknown> {
  const file = path.join(dir, name);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DlensError('clip-bad-config', `${file} is not valid JSON: ${messageOf(e)}`, `replace ${name} with the one from the model's export.`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new DlensError('clip-bad-config', `${file} is not a JSON object.`, `replace ${name} with the one from the model's export.`);
  }
  return value as Record<string, unknown>;
}

/** Sizes from config.json: a clip_text_model config, or a full clip config with text_config inside. */
function readConfig(dir: string): ClipConfig {
  const config = readJson(dir, 'config.json');
  const text = (config.text_config && typeof config.text_config === 'object' ? config.text_config : config) as Record<string, unknown>;
  const int = (v: unknown) => (Number.isInteger(v) && (v as number) > 0 ? (v as number) : undefined);
  return {
    hiddenSize: int(text.hidden_size),
    projectionDim: int(config.projection_dim) ?? int(text.projection_dim),
    maxPositions: int(text.max_position_embeddings),
  };
}

function isLfsPointer(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, 64, 0);
    fs.closeSync(fd);
    return head.subarray(0, n).toString('latin1').startsWith('version https://git-lfs');
  } catch {
    return false;
  }
}

// ---- the encoder ------------------------------------------------------------------------------------

class OnnxClipTextEncoder implements ClipTextEncoder {
  private disposed = false;
  private width: number;
  private projectionWidth: number;

  constructor(
    readonly dir: string,
    readonly maxLength: number,
    private readonly hf: TransformersModule,
    private readonly tokenizer: HfTokenizer,
    private readonly model: HfModel,
    private readonly takesMask: boolean,
    private readonly eosId: number | undefined,
    private readonly padId: number,
    config: ClipConfig,
  ) {
    // Provisional until the probe run in loadClipTextEncoder has seen the real output shapes.
    this.width = config.hiddenSize ?? 0;
    this.projectionWidth = config.projectionDim ?? 0;
  }

  get dim(): number {
    return this.width;
  }

  get projectionDim(): number {
    return this.projectionWidth;
  }

  /** Token ids of one prompt, padded or truncated to maxLength. */
  private ids(prompt: string): { ids: number[]; real: number; truncated: boolean } {
    let ids = this.tokenizer.encode(prompt);
    const truncated = ids.length > this.maxLength;
    if (truncated) {
      const last = ids[ids.length - 1];
      ids = last === this.eosId ? [...ids.slice(0, this.maxLength - 1), last] : ids.slice(0, this.maxLength);
    }
    const real = ids.length;
    while (ids.length < this.maxLength) ids.push(this.padId);
    return { ids, real, truncated };
  }

  /** Runs the model on up to BATCH prompts; returns raw outputs after checking names and shapes. */
  async run(prompts: string[]): Promise<{ hidden: HfTensor; embeds: HfTensor; mask: Float32Array; truncated: boolean[] }> {
    const b = prompts.length;
    const L = this.maxLength;
    const ids = new BigInt64Array(b * L);
    const maskInt = new BigInt64Array(b * L);
    const mask = new Float32Array(b * L);
    const truncated: boolean[] = [];
    prompts.forEach((p, i) => {
      const t = this.ids(p);
      truncated.push(t.truncated);
      for (let s = 0; s < L; s++) {
        ids[i * L + s] = BigInt(t.ids[s]);
        if (s < t.real) {
          maskInt[i * L + s] = 1n;
          mask[i * L + s] = 1;
        }
      }
    });
    const feeds: Record<string, HfTensor> = { input_ids: new this.hf.Tensor('int64', ids, [b, L]) };
    if (this.takesMask) feeds.attention_mask = new this.hf.Tensor('int64', maskInt, [b, L]);
    let out: Record<string, HfTensor>;
    try {
      out = await this.model(feeds);
    } catch (e) {
      throw new DlensError('clip-run-failed', `The CLIP text encoder in ${this.dir} failed on a batch of ${b} prompt(s) of ${L} tokens: ${messageOf(e)}`, `check that onnx/text_model.onnx takes input_ids of shape [batch, ${L}] (int64), or pass a smaller maxLength.`);
    }
    const hidden = out.last_hidden_state;
    const embeds = out.text_embeds;
    const shapeFix = 'export CLIPTextModelWithProjection in float32 with outputs text_embeds [batch, projection_dim] and last_hidden_state [batch, sequence, hidden_size].';
    const check = (name: string, t: HfTensor | undefined, rank: number, lead: number[]) => {
      if (!t) throw new DlensError('clip-bad-outputs', `The CLIP text encoder returned no ${name}.`, shapeFix);
      if (t.type !== 'float32') throw new DlensError('clip-bad-outputs', `The CLIP text encoder's ${name} is ${t.type}, not float32.`, shapeFix);
      const okShape = t.dims.length === rank && lead.every((d, i) => t.dims[i] === d) && t.dims.every((d) => d > 0);
      if (!okShape) throw new DlensError('clip-bad-outputs', `The CLIP text encoder's ${name} has shape [${t.dims.join(', ')}], expected [${[...lead, ...Array(rank - lead.length).fill('?')].join(', ')}].`, shapeFix);
    };
    check('last_hidden_state', hidden, 3, [b, L]);
    check('text_embeds', embeds, 2, [b]);
    return { hidden, embeds, mask, truncated };
  }

  async encode(prompts: string[]): Promise<ClipTextEncoding> {
    if (this.disposed) throw new DlensError('clip-disposed', `The CLIP text encoder for ${this.dir} was disposed.`, 'load it again with loadClipTextEncoder.');
    if (!Array.isArray(prompts) || prompts.some((p) => typeof p !== 'string')) {
      throw new DlensError('bad-argument', 'encode() takes an array of prompt strings.', "pass prompts as strings, e.g. ['a red square'].");
    }
    const n = prompts.length;
    const L = this.maxLength;
    const H = this.dim;
    const P = this.projectionDim;
    const tokens = new Float32Array(n * L * H);
    const mask = new Float32Array(n * L);
    const pooled = new Float32Array(n * P);
    const truncated: boolean[] = [];
    for (let start = 0; start < n; start += BATCH) {
      const chunk = prompts.slice(start, start + BATCH);
      const r = await this.run(chunk);
      try {
        if (r.hidden.dims[2] !== H || r.embeds.dims[1] !== P) {
          throw new DlensError('clip-bad-outputs', `The CLIP text encoder's output widths changed: last_hidden_state [${r.hidden.dims.join(', ')}], text_embeds [${r.embeds.dims.join(', ')}], expected widths ${H} and ${P}.`, 'use a standard CLIPTextModelWithProjection export.');
        }
        tokens.set(r.hidden.data as Float32Array, start * L * H);
        pooled.set(r.embeds.data as Float32Array, start * P);
        mask.set(r.mask, start * L);
        truncated.push(...r.truncated);
      } finally {
        r.hidden.dispose?.();
        r.embeds.dispose?.();
      }
    }
    return { tokens, mask, pooled, n, maxLength: L, dim: H, projectionDim: P, truncated };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.model.dispose();
  }

  /** Fixes dim and projectionDim from a real run (the probe). */
  settle(dim: number, projectionDim: number): void {
    this.width = dim;
    this.projectionWidth = projectionDim;
  }
}

/**
 * Loads a local CLIP text encoder export (see the file comment for the layout). Fails with a DlensError
 * naming the problem and its fix when the folder or a file is missing, the ONNX model does not load, or
 * its outputs are not text_embeds [batch, projection_dim] and last_hidden_state [batch, sequence, hidden].
 */
export async function loadClipTextEncoder(dir: string, options: ClipLoadOptions = {}): Promise<ClipTextEncoder> {
  const root = path.resolve(dir);
  checkFolder(root);
  const config = readConfig(root);
  readJson(root, 'tokenizer_config.json');
  const cap = Math.min(CLIP_MAX_LENGTH, config.maxPositions ?? CLIP_MAX_LENGTH);
  if (options.maxLength !== undefined) assertInteger('maxLength', options.maxLength, 2, cap);

  const hf = importTransformers();
  // Local files only: no Hub look-ups, no downloads. An absolute path is never taken for a Hub model id,
  // so env.localModelPath does not come into it.
  hf.env.allowRemoteModels = false;
  hf.env.allowLocalModels = true;
  const hubOptions = { local_files_only: true };

  let tokenizer: HfTokenizer;
  try {
    tokenizer = await hf.AutoTokenizer.from_pretrained(root, hubOptions);
  } catch (e) {
    throw new DlensError('clip-bad-tokenizer', `Could not load the tokenizer in ${root}: ${messageOf(e)}`, 'use the tokenizer.json and tokenizer_config.json that came with the export.');
  }
  const fromTokenizer = tokenizer.model_max_length;
  const defaultLength = Math.min(cap, Number.isInteger(fromTokenizer) && (fromTokenizer as number) >= 2 ? (fromTokenizer as number) : cap);
  const maxLength = options.maxLength ?? defaultLength;

  const onnxFile = path.join(root, 'onnx', 'text_model.onnx');
  let model: HfModel;
  try {
    model = await hf.CLIPTextModelWithProjection.from_pretrained(root, { ...hubOptions, dtype: 'fp32', device: 'cpu' });
  } catch (e) {
    const fix = isLfsPointer(onnxFile)
      ? 'the file is a Git LFS pointer, not the model: run `git lfs pull` in the export\'s repository.'
      : 'check that onnx/text_model.onnx is a complete float32 ONNX export of CLIPTextModelWithProjection (re-export or re-download it).';
    throw new DlensError('clip-model-load', `Could not load the ONNX model ${onnxFile}: ${messageOf(e)}`, fix);
  }

  try {
    const session = model.sessions?.model;
    const inputs = session?.inputNames ?? [];
    const outputs = session?.outputNames ?? [];
    // transformers.js fills token_type_ids with zeros by itself; anything else would have no value.
    const unknownInputs = inputs.filter((i) => !['input_ids', 'attention_mask', 'token_type_ids'].includes(i));
    if (!inputs.includes('input_ids') || unknownInputs.length > 0) {
      throw new DlensError('clip-bad-inputs', `${onnxFile} takes inputs [${inputs.join(', ')}]; a CLIP text encoder takes input_ids (and optionally attention_mask).`, 'export the text model of CLIP (CLIPTextModelWithProjection), not the vision or the full model.');
    }
    const missing = ['text_embeds', 'last_hidden_state'].filter((o) => !outputs.includes(o));
    if (missing.length > 0) {
      const fix = outputs.includes('pooler_output')
        ? 'this is a CLIPTextModel export (pooler_output, no projection): export CLIPTextModelWithProjection instead.'
        : 'export CLIPTextModelWithProjection, whose outputs are text_embeds and last_hidden_state.';
      throw new DlensError('clip-bad-outputs', `${onnxFile} has outputs [${outputs.join(', ')}], lacking ${missing.join(' and ')}.`, fix);
    }
    const eosId = tokenizer.eos_token_id ?? undefined;
    const padId = tokenizer.pad_token_id ?? eosId ?? 0;
    const encoder = new OnnxClipTextEncoder(root, maxLength, hf, tokenizer, model, inputs.includes('attention_mask'), eosId, padId, config);
    // One probe run fixes the widths and checks them against config.json.
    const probe = await encoder.run(['']);
    const dim = probe.hidden.dims[2];
    const projectionDim = probe.embeds.dims[1];
    probe.hidden.dispose?.();
    probe.embeds.dispose?.();
    const mismatch: string[] = [];
    if (config.hiddenSize !== undefined && config.hiddenSize !== dim) mismatch.push(`last_hidden_state width ${dim} vs hidden_size ${config.hiddenSize}`);
    if (config.projectionDim !== undefined && config.projectionDim !== projectionDim) mismatch.push(`text_embeds width ${projectionDim} vs projection_dim ${config.projectionDim}`);
    if (mismatch.length > 0) {
      throw new DlensError('clip-bad-outputs', `${onnxFile} does not match config.json: ${mismatch.join('; ')}.`, 'use the config.json that was exported with this model.');
    }
    encoder.settle(dim, projectionDim);
    return encoder;
  } catch (e) {
    await model.dispose().catch(() => undefined);
    throw e;
  }
}
