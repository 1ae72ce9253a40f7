/**
 * The reference U-Net (Ho et al. 2020, with improved-diffusion's adaptive group norm): residual blocks
 * of GroupNorm + SiLU + conv, a sinusoidal timestep embedding -> MLP -> per-block scale/shift,
 * self-attention at chosen resolutions, cross-attention from image features (queries) to text tokens
 * (keys/values), a class embedding, and skip connections by concatenation.
 * Down- and up-sampling are pixel-unshuffle + 1x1 and nearest + 3x3: no strided convolutions, whose
 * gradients the wasm backend cannot compute.
 */
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import type { Rng } from '../random';
import { Attention, Conv3, Dense, Embedding, GroupNorm, silu, timestepEmbedding } from './layers';
import { Params } from './params';
import { ClipAdapter, type EncodedText, TextEncoder } from './textEncoder';

export type Conditioning = 'none' | 'class' | 'text' | 'clip';

export interface UNetConfig {
  imageSize: number;
  channels: number;
  /** feature channels per level; each level after the first halves the resolution */
  levels: number[];
  resBlocksPerLevel: number;
  /** resolutions (in pixels) that get self-attention (and cross-attention with text) */
  attentionResolutions: number[];
  heads: number;
  embDim: number;
  cond: Conditioning;
  numClasses?: number;
  text?: { vocabSize: number; maxLength: number; dim: number; layers: number };
  /** the user's CLIP export: its hidden width and token count; dim is the context width it is projected to */
  clip?: { inputDim: number; maxLength: number; dim: number };
}

class ResBlock {
  private readonly norm1: GroupNorm;
  private readonly conv1: Conv3;
  private readonly embProj: Dense;
  private readonly norm2: GroupNorm;
  private readonly conv2: Conv3;
  private readonly skip?: Dense;
  constructor(p: Params, name: string, cin: number, readonly cout: number, embDim: number) {
    this.norm1 = new GroupNorm(p, `${name}.norm1`, cin);
    this.conv1 = new Conv3(p, `${name}.conv1`, cin, cout);
    this.embProj = new Dense(p, `${name}.emb`, embDim, 2 * cout, true);
    this.norm2 = new GroupNorm(p, `${name}.norm2`, cout);
    // Zero-initialised last conv: each block starts as the identity (improved-diffusion's zero_module).
    this.conv2 = new Conv3(p, `${name}.conv2`, cout, cout, true);
    if (cin !== cout) this.skip = new Dense(p, `${name}.skip`, cin, cout);
  }
  apply(x: tf.Tensor4D, emb: tf.Tensor2D): tf.Tensor4D {
    const h = this.conv1.apply(silu(this.norm1.apply(x)) as tf.Tensor4D);
    const [scale, shift] = tf.split(this.embProj.apply(silu(emb)), 2, 1);
    const h2 = this.conv2.apply(silu(this.norm2.apply(h, [scale, shift])) as tf.Tensor4D);
    return tf.add(this.skip ? this.skip.apply(x) : x, h2) as tf.Tensor4D;
  }
}

/** Self-attention over the pixels, then (with text) cross-attention to the prompt's tokens. */
class AttentionBlock {
  private readonly norm: GroupNorm;
  private readonly self: Attention;
  private readonly crossNorm?: GroupNorm;
  private readonly cross?: Attention;
  constructor(p: Params, name: string, readonly channels: number, heads: number, contextDim?: number) {
    this.norm = new GroupNorm(p, `${name}.norm`, channels);
    this.self = new Attention(p, `${name}.self`, channels, channels, heads);
    if (contextDim) {
      this.crossNorm = new GroupNorm(p, `${name}.crossNorm`, channels);
      this.cross = new Attention(p, `${name}.cross`, channels, contextDim, heads);
    }
  }
  apply(x: tf.Tensor4D, context?: { tokens: tf.Tensor3D; mask: tf.Tensor2D }): tf.Tensor4D {
    const [B, H, W, C] = x.shape;
    const seq = (t: tf.Tensor) => tf.reshape(t, [B, H * W, C]) as tf.Tensor3D;
    const n = seq(this.norm.apply(x));
    let h = tf.add(seq(x), this.self.apply(n, n));
    if (this.cross && this.crossNorm && context) {
      h = tf.add(h, this.cross.apply(seq(this.crossNorm.apply(tf.reshape(h, [B, H, W, C]) as tf.Tensor4D)), context.tokens, context.mask));
    }
    return tf.reshape(h, [B, H, W, C]) as tf.Tensor4D;
  }
}

export class UNet {
  readonly params: Params;
  private readonly timeMlp: [Dense, Dense];
  private readonly classEmbed?: Embedding;
  private readonly text?: TextEncoder;
  private readonly clip?: ClipAdapter;
  private readonly textToEmb?: Dense;
  private readonly inConv: Conv3;
  private readonly down: { blocks: ResBlock[]; attn: (AttentionBlock | undefined)[]; downsample?: Dense }[] = [];
  private readonly mid: [ResBlock, AttentionBlock, ResBlock];
  private readonly up: { blocks: ResBlock[]; attn: (AttentionBlock | undefined)[]; upsample?: Conv3 }[] = [];
  private readonly outNorm: GroupNorm;
  private readonly outConv: Conv3;

  constructor(readonly config: UNetConfig, rng: Rng) {
    validateConfig(config);
    const p = (this.params = new Params(rng));
    const { levels, embDim, heads, resBlocksPerLevel: nRes } = config;
    this.timeMlp = [new Dense(p, 'time.fc1', levels[0], embDim), new Dense(p, 'time.fc2', embDim, embDim)];
    if (config.cond === 'class') this.classEmbed = new Embedding(p, 'class', config.numClasses! + 1, embDim); // last row = null class
    const contextDim = config.cond === 'text' ? config.text!.dim : config.cond === 'clip' ? config.clip!.dim : undefined;
    if (config.cond === 'text' && config.text) this.text = new TextEncoder(p, { ...config.text, heads });
    if (config.cond === 'clip' && config.clip) this.clip = new ClipAdapter(p, config.clip.inputDim, config.clip.dim);
    if (contextDim) this.textToEmb = new Dense(p, 'text.toEmb', contextDim, embDim);
    this.inConv = new Conv3(p, 'in', config.channels, levels[0]);
    const skipChannels: number[] = [levels[0]];
    let ch = levels[0];
    let res = config.imageSize;
    levels.forEach((width, i) => {
      const level = { blocks: [] as ResBlock[], attn: [] as (AttentionBlock | undefined)[], downsample: undefined as Dense | undefined };
      for (let j = 0; j < nRes; j++) {
        level.blocks.push(new ResBlock(p, `down.${i}.${j}`, ch, width, embDim));
        ch = width;
        level.attn.push(config.attentionResolutions.includes(res) ? new AttentionBlock(p, `down.${i}.${j}.attn`, ch, heads, contextDim) : undefined);
        skipChannels.push(ch);
      }
      if (i < levels.length - 1) {
        level.downsample = new Dense(p, `down.${i}.downsample`, 4 * ch, ch);
        skipChannels.push(ch);
        res /= 2;
      }
      this.down.push(level);
    });
    this.mid = [new ResBlock(p, 'mid.0', ch, ch, embDim), new AttentionBlock(p, 'mid.attn', ch, heads, contextDim), new ResBlock(p, 'mid.1', ch, ch, embDim)];
    [...levels].reverse().forEach((width, ri) => {
      const i = levels.length - 1 - ri;
      const level = { blocks: [] as ResBlock[], attn: [] as (AttentionBlock | undefined)[], upsample: undefined as Conv3 | undefined };
      for (let j = 0; j <= nRes; j++) {
        level.blocks.push(new ResBlock(p, `up.${i}.${j}`, ch + skipChannels.pop()!, width, embDim));
        ch = width;
        level.attn.push(config.attentionResolutions.includes(res) ? new AttentionBlock(p, `up.${i}.${j}.attn`, ch, heads, contextDim) : undefined);
      }
      if (i > 0) {
        level.upsample = new Conv3(p, `up.${i}.upsample`, ch, ch);
        res *= 2;
      }
      this.up.push(level);
    });
    this.outNorm = new GroupNorm(p, 'out.norm', ch);
    this.outConv = new Conv3(p, 'out.conv', ch, config.channels, true);
  }

  /**
   * eps-hat for x_t [B, H, W, C] at integer timesteps t (a number or [B]).
   * cond: class labels [B] (-1 = null), token ids [B, L] (all padding = null), or CLIP states with
   * their mask [B, L, clipDim + 1] (all zero = null), per config.cond.
   */
  predict(x: tf.Tensor, t: number | tf.Tensor1D, cond?: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      const x4 = x as tf.Tensor4D;
      const B = x4.shape[0];
      const tt = typeof t === 'number' ? tf.fill([B], t) : t;
      let emb = this.timeMlp[1].apply(silu(this.timeMlp[0].apply(timestepEmbedding(tt as tf.Tensor1D, this.config.levels[0])))) as tf.Tensor2D;
      let context: { tokens: tf.Tensor3D; mask: tf.Tensor2D } | undefined;
      if (this.classEmbed) {
        const labels = cond ? tf.cast(tf.reshape(cond, [B]), 'int32') : tf.fill([B], -1, 'int32');
        const nullIndex = this.config.numClasses!;
        const ids = tf.where(tf.less(labels, 0), tf.fill([B], nullIndex, 'int32'), labels);
        emb = tf.add(emb, this.classEmbed.apply(ids)) as tf.Tensor2D;
      }
      let encoded: EncodedText | undefined;
      if (this.text) {
        const ids = cond ? (tf.cast(cond, 'int32') as tf.Tensor2D) : (tf.zeros([B, this.config.text!.maxLength], 'int32') as tf.Tensor2D);
        encoded = this.text.apply(ids);
      } else if (this.clip) {
        const { maxLength, inputDim } = this.config.clip!;
        encoded = this.clip.apply((cond ?? tf.zeros([B, maxLength, inputDim + 1])) as tf.Tensor3D);
      }
      if (encoded && this.textToEmb) {
        emb = tf.add(emb, this.textToEmb.apply(encoded.pooled)) as tf.Tensor2D;
        context = encoded;
      }
      let h = this.inConv.apply(x4);
      const skips: tf.Tensor4D[] = [h];
      for (const level of this.down) {
        level.blocks.forEach((block, j) => {
          h = block.apply(h, emb);
          const attn = level.attn[j];
          if (attn) h = attn.apply(h, context);
          skips.push(h);
        });
        if (level.downsample) {
          h = level.downsample.apply(pixelUnshuffle(h)) as tf.Tensor4D;
          skips.push(h);
        }
      }
      h = this.mid[2].apply(this.mid[1].apply(this.mid[0].apply(h, emb), context), emb);
      for (const level of this.up) {
        level.blocks.forEach((block, j) => {
          h = block.apply(tf.concat([h, skips.pop()!], 3) as tf.Tensor4D, emb);
          const attn = level.attn[j];
          if (attn) h = attn.apply(h, context);
        });
        if (level.upsample) h = level.upsample.apply(upsampleNearest(h));
      }
      return this.outConv.apply(silu(this.outNorm.apply(h)) as tf.Tensor4D);
    });
  }

  /** Multiply-accumulates of one forward pass for one image, counted from the layer shapes. */
  macsPerSample(): number {
    return countMacs(this.config);
  }
}

/** [B, H, W, C] -> [B, H/2, W/2, 4C]: a lossless 2x downsampling whose gradient is a reshape. */
export function pixelUnshuffle(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const r = tf.reshape(x, [B, H / 2, 2, W / 2, 2, C]);
  return tf.reshape(tf.transpose(r, [0, 1, 3, 2, 4, 5]), [B, H / 2, W / 2, 4 * C]) as tf.Tensor4D;
}

export function upsampleNearest(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const r = tf.reshape(x, [B, H, 1, W, 1, C]);
  return tf.reshape(tf.mul(r, tf.ones([1, 1, 2, 1, 2, 1])), [B, 2 * H, 2 * W, C]) as tf.Tensor4D;
}

function validateConfig(c: UNetConfig): void {
  const factor = 2 ** (c.levels.length - 1);
  if (c.imageSize % factor !== 0) {
    throw new DlensError('bad-model-config', `Image size ${c.imageSize} is not divisible by ${factor}, which ${c.levels.length} U-Net levels need.`, `use an image size divisible by ${factor}, or fewer levels.`);
  }
  if (c.cond === 'class' && !(c.numClasses && c.numClasses > 0)) {
    throw new DlensError('bad-model-config', 'Class conditioning needs the number of classes.', 'train on a dataset with class labels (shapes, fashion-mnist) or use --cond text/none.');
  }
  if (c.cond === 'clip' && !c.clip) {
    throw new DlensError('bad-model-config', 'CLIP conditioning needs the CLIP export\'s hidden width and length.', 'pass --clip PATH to a local CLIP text export.');
  }
  if (c.cond === 'text' && !c.text) {
    throw new DlensError('bad-model-config', 'Text conditioning needs a tokenizer vocabulary.', 'train on a dataset with captions.');
  }
  for (const w of c.levels) {
    if (w % Math.min(8, w) !== 0 || w % c.heads !== 0) {
      throw new DlensError('bad-model-config', `Level width ${w} must be divisible by 8 (group norm) and by ${c.heads} heads.`, 'use widths such as 16, 32, 64.');
    }
  }
}

function countMacs(c: UNetConfig): number {
  let macs = 0;
  const conv3 = (res: number, cin: number, cout: number) => res * res * 9 * cin * cout;
  const dense = (n: number, cin: number, cout: number) => n * cin * cout;
  const attn = (res: number, ch: number) => {
    const n = res * res;
    let m = dense(n, ch, 3 * ch) + 2 * n * n * ch + dense(n, ch, ch);
    const ctx = c.cond === 'text' ? c.text : c.cond === 'clip' ? c.clip : undefined;
    if (ctx) m += dense(n, ch, ch) + dense(ctx.maxLength, ctx.dim, 2 * ch) + 2 * n * ctx.maxLength * ch + dense(n, ch, ch);
    return m;
  };
  const res = (r: number, cin: number, cout: number) => conv3(r, cin, cout) + conv3(r, cout, cout) + (cin !== cout ? dense(r * r, cin, cout) : 0);
  let r = c.imageSize;
  let ch = c.levels[0];
  macs += conv3(r, c.channels, ch);
  const skips = [ch];
  c.levels.forEach((w, i) => {
    for (let j = 0; j < c.resBlocksPerLevel; j++) {
      macs += res(r, ch, w);
      ch = w;
      if (c.attentionResolutions.includes(r)) macs += attn(r, ch);
      skips.push(ch);
    }
    if (i < c.levels.length - 1) {
      r /= 2;
      macs += dense(r * r, 4 * ch, ch);
      skips.push(ch);
    }
  });
  macs += 2 * res(r, ch, ch) + attn(r, ch);
  [...c.levels].reverse().forEach((w, ri) => {
    const i = c.levels.length - 1 - ri;
    for (let j = 0; j <= c.resBlocksPerLevel; j++) {
      macs += res(r, ch + skips.pop()!, w);
      ch = w;
      if (c.attentionResolutions.includes(r)) macs += attn(r, ch);
    }
    if (i > 0) {
      r *= 2;
      macs += conv3(r, ch, ch);
    }
  });
  return macs + conv3(r, ch, c.channels);
}
