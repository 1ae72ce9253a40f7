/** Asks for what a run is conditioned on: a prompt (text models) or a class (class models). */
import type { RunManifest } from '../../engine/run/manifest';
import { askText, pick } from '../prompts';

export interface ConditionAnswer {
  prompt?: string;
  classIndex?: number;
}

/** undefined = dismissed; {} = nothing to ask (unconditional) or "vary per row". */
export async function conditionFlow(title: string, m: RunManifest, last: ConditionAnswer, allowVarying = false): Promise<ConditionAnswer | undefined> {
  if (m.model.cond === 'class') {
    const names = m.dataset.classNames ?? [];
    const k = await pick(`${title}: class`, [
      ...(allowVarying ? [{ label: 'a different class per row', value: -2 }] : []),
      ...names.map((n, i) => ({ label: n, description: `class ${i}`, value: i })),
      { label: 'none (unconditional)', description: 'the null class', value: -1 },
    ], last.classIndex ?? (allowVarying ? -2 : 0));
    if (k === undefined) return undefined;
    return k === -2 ? {} : { classIndex: k };
  }
  if (m.model.cond === 'none') return {};
  const example = m.previewPrompts?.[0] ?? '';
  const prompt = await askText(`${title}: prompt`, allowVarying ? 'Prompt (empty: a different training caption per row)' : 'Prompt (words the model saw in its captions)', last.prompt ?? (allowVarying ? '' : example), example ? `e.g. ${example}` : undefined);
  if (prompt === undefined) return undefined;
  return prompt.trim() ? { prompt } : {};
}
