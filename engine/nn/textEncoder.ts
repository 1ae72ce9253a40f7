/**
 * A small pre-LN transformer over the built-in tokenizer's ids, trained jointly with the denoiser.
 * Its tokens are the keys and values of the U-Net's cross-attention; their masked mean joins the
 * timestep embedding. The empty prompt (all padding) is replaced by a learned null token.
 */
import * as tf from '@tensorflow/tfjs';
import { Attention, Dense, Embedding, LayerNorm, silu } from './layers';
import type { Params } from './params';
import { PAD } from './tokenizer';

export interface TextEncoderConfig {
  vocabSize: number;
  maxLength: number;
  dim: number;
  layers: number;
  heads: number;
}

export interface EncodedText {
  tokens: tf.Tensor3D; // [B, L, dim]
  mask: tf.Tensor2D; // [B, L], 1 = a real token
  pooled: tf.Tensor2D; // [B, dim]
}

export class TextEncoder {
  private readonly embed: Embedding;
  private readonly position: tf.Variable;
  private readonly nullToken: tf.Variable;
  private readonly blocks: { ln1: LayerNorm; attn: Attention; ln2: LayerNorm; fc1: Dense; fc2: Dense }[] = [];
  private readonly final: LayerNorm;

  constructor(p: Params, readonly config: TextEncoderConfig) {
    const { vocabSize, maxLength, dim, layers, heads } = config;
    this.embed = new Embedding(p, 'text.embed', vocabSize, dim, 0.5);
    this.position = p.add('text.position', [maxLength, dim], { std: 0.1 });
    this.nullToken = p.add('text.null', [dim], { std: 0.5 });
    for (let i = 0; i < layers; i++) {
      this.blocks.push({
        ln1: new LayerNorm(p, `text.${i}.ln1`, dim),
        attn: new Attention(p, `text.${i}.attn`, dim, dim, heads),
        ln2: new LayerNorm(p, `text.${i}.ln2`, dim),
        fc1: new Dense(p, `text.${i}.fc1`, dim, 4 * dim),
        fc2: new Dense(p, `text.${i}.fc2`, 4 * dim, dim, true),
      });
    }
    this.final = new LayerNorm(p, 'text.final', dim);
  }

  /** ids: [B, L] int32 (PAD = 0). */
  apply(ids: tf.Tensor2D): EncodedText {
    const realMask = tf.cast(tf.notEqual(ids, PAD), 'float32') as tf.Tensor2D;
    const attendMask = attentionMask(realMask);
    let h = tf.add(this.embed.apply(ids), this.position) as tf.Tensor3D;
    for (const b of this.blocks) {
      const n = b.ln1.apply(h) as tf.Tensor3D;
      h = tf.add(h, b.attn.apply(n, n, attendMask)) as tf.Tensor3D;
      h = tf.add(h, b.fc2.apply(silu(b.fc1.apply(b.ln2.apply(h))))) as tf.Tensor3D;
    }
    return withNullToken(this.final.apply(h) as tf.Tensor3D, realMask, this.nullToken);
  }
}

/** A null prompt attends to its first slot only, so its softmax never sees an all -inf row. */
function attentionMask(realMask: tf.Tensor2D): tf.Tensor2D {
  const [B, L] = realMask.shape;
  const isNull = tf.equal(tf.sum(realMask, 1), 0);
  const firstSlot = tf.concat([tf.ones([B, 1]), tf.zeros([B, L - 1])], 1);
  return tf.where(tf.reshape(isNull, [B, 1]), firstSlot, realMask) as tf.Tensor2D;
}

/**
 * Rows whose mask is all zero (the empty prompt) become one learned null token; the masked mean of
 * the tokens is the pooled embedding that joins the timestep embedding.
 */
export function withNullToken(tokensIn: tf.Tensor3D, realMask: tf.Tensor2D, nullToken: tf.Tensor): EncodedText {
  const [B, L] = realMask.shape;
  const isNull = tf.equal(tf.sum(realMask, 1), 0);
  const mask = attentionMask(realMask);
  const firstSlot = tf.concat([tf.ones([B, 1]), tf.zeros([B, L - 1])], 1);
  const nullSeq = tf.mul(tf.reshape(nullToken, [1, 1, -1]), tf.reshape(firstSlot, [B, L, 1]));
  const tokens = tf.where(tf.reshape(isNull, [B, 1, 1]), tf.broadcastTo(nullSeq, tokensIn.shape), tokensIn) as tf.Tensor3D;
  const pooled = tf.div(tf.sum(tf.mul(tokens, tf.expandDims(mask, 2)), 1), tf.sum(mask, 1, true)) as tf.Tensor2D;
  return { tokens, mask, pooled };
}

/**
 * The user's own CLIP text encoder supplies the tokens (last_hidden_state); this projects them to the
 * U-Net's context width. Its condition tensor is [B, L, clipDim + 1]: the hidden states with the
 * attention mask as the last feature, so one tensor carries both through guidance's batch concat;
 * all zeros is the null condition.
 */
export class ClipAdapter {
  private readonly project: Dense;
  private readonly norm: LayerNorm;
  private readonly nullToken: tf.Variable;

  constructor(p: Params, readonly inputDim: number, readonly dim: number) {
    this.project = new Dense(p, 'clip.project', inputDim, dim);
    this.norm = new LayerNorm(p, 'clip.norm', dim);
    this.nullToken = p.add('clip.null', [dim], { std: 0.5 });
  }

  apply(cond: tf.Tensor3D): EncodedText {
    const [B, L] = cond.shape;
    const hidden = tf.slice(cond, [0, 0, 0], [B, L, this.inputDim]);
    const realMask = tf.reshape(tf.slice(cond, [0, 0, this.inputDim], [B, L, 1]), [B, L]) as tf.Tensor2D;
    return withNullToken(this.norm.apply(this.project.apply(hidden)) as tf.Tensor3D, realMask, this.nullToken);
  }
}
