/**
 * Turns what a user asks for (a class, a prompt, nothing) into the condition tensor the U-Net reads:
 * class labels [B] with -1 = null, or token ids [B, L] with all padding = null.
 */
import * as tf from '@tensorflow/tfjs';
import { DlensError } from '../errors';
import { WordTokenizer } from '../nn/tokenizer';
import type { RunManifest } from '../run/manifest';
import { clipCondition } from './clipConditioning';

export interface ConditionRequest {
  prompt?: string;
  classIndex?: number;
  /** for guidance: what replaces the empty condition in the unconditional branch */
  negativePrompt?: string;
}

export function tokenizerOf(m: RunManifest): WordTokenizer | undefined {
  return m.tokenizer ? new WordTokenizer(m.tokenizer.vocabulary, m.tokenizer.maxLength) : undefined;
}

/** Condition for `batch` images, plus the null (or negative) condition for guidance; undefined when unconditional. */
export async function conditionTensors(m: RunManifest, req: ConditionRequest, batch: number): Promise<{ cond?: tf.Tensor; uncond?: tf.Tensor; warnings: string[] }> {
  const warnings: string[] = [];
  const cond = m.model.cond;
  if (cond === 'none') {
    if (req.prompt || req.classIndex !== undefined) warnings.push('this model is unconditional; the prompt/class is ignored');
    return { warnings };
  }
  if (cond === 'class') {
    const names = m.dataset.classNames ?? [];
    let k = req.classIndex;
    if (k === undefined && req.prompt) {
      k = names.findIndex((n) => n.toLowerCase() === req.prompt!.trim().toLowerCase());
      if (k < 0) throw new DlensError('unknown-class', `"${req.prompt}" is not a class of this model.`, `use --class 0..${names.length - 1} or one of: ${names.join(', ')}.`);
    }
    if (k !== undefined && (!Number.isInteger(k) || k < -1 || k >= names.length)) {
      throw new DlensError('unknown-class', `Class ${k} is outside 0..${names.length - 1}.`, `use --class 0..${names.length - 1} (${names.join(', ')}).`);
    }
    if (req.negativePrompt) warnings.push('negative prompts need a text-conditioned model; ignored');
    return { cond: tf.fill([batch], k ?? -1, 'int32'), uncond: tf.fill([batch], -1, 'int32'), warnings };
  }
  if (cond === 'clip') {
    const fill = (text?: string) => new Array<string>(batch).fill(text ?? '');
    return { cond: await clipCondition(m.clip!, fill(req.prompt)), uncond: await clipCondition(m.clip!, fill(req.negativePrompt)), warnings };
  }
  const tok = tokenizerOf(m)!;
  const enc = (text: string) => {
    const { ids, unknown } = tok.encode(text);
    if (unknown.length) warnings.push(`words this model never saw are ignored: ${unknown.join(', ')}`);
    return tf.tensor2d([ids], [1, tok.maxLength], 'int32');
  };
  const tile = (t: tf.Tensor2D) => tf.tidy(() => tf.tile(t, [batch, 1]));
  const c = enc(req.prompt ?? '');
  const u = enc(req.negativePrompt ?? '');
  const out = { cond: tile(c), uncond: tile(u), warnings };
  tf.dispose([c, u]);
  return out;
}

/** Per-example condition tensor for a training batch, with classifier-free dropout to the null condition. */
export async function trainingCondition(m: RunManifest, labels: Int32Array, captions: string[], keep: boolean[]): Promise<tf.Tensor | undefined> {
  if (m.model.cond === 'class') return tf.tensor1d(Array.from(labels, (l, i) => (keep[i] ? l : -1)), 'int32');
  if (m.model.cond === 'clip') return clipCondition(m.clip!, captions.map((c, i) => (keep[i] ? c : '')));
  if (m.model.cond === 'text') {
    const tok = tokenizerOf(m)!;
    const ids = captions.flatMap((c, i) => tok.encode(keep[i] ? c : '').ids);
    return tf.tensor2d(ids, [captions.length, tok.maxLength], 'int32');
  }
  return undefined;
}
