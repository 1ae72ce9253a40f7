/** Named model sizes. tiny: tests (well under a second per step); small: 16-32 px demos; base: larger. */
import type { UNetConfig } from './unet';

export const PRESET_NAMES = ['tiny', 'small', 'base'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

type Shape = Pick<UNetConfig, 'levels' | 'resBlocksPerLevel' | 'heads' | 'embDim'> & { attentionAt: number[]; textDim: number; textLayers: number };

const PRESETS: Record<PresetName, Shape> = {
  tiny: { levels: [16, 32], resBlocksPerLevel: 1, heads: 2, embDim: 64, attentionAt: [4, 8], textDim: 32, textLayers: 1 },
  small: { levels: [32, 64, 64], resBlocksPerLevel: 1, heads: 4, embDim: 128, attentionAt: [4, 7, 8], textDim: 64, textLayers: 2 },
  base: { levels: [64, 128, 128, 256], resBlocksPerLevel: 2, heads: 4, embDim: 256, attentionAt: [4, 7, 8, 16], textDim: 128, textLayers: 3 },
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** Attention goes at the preset's listed resolutions that the image actually reaches. */
export function presetConfig(
  name: PresetName,
  base: Omit<UNetConfig, 'levels' | 'resBlocksPerLevel' | 'attentionResolutions' | 'heads' | 'embDim' | 'text' | 'clip'> & {
    text?: { vocabSize: number; maxLength: number };
    clip?: { inputDim: number; maxLength: number };
  },
): UNetConfig {
  const s = PRESETS[name];
  const reached = s.levels.map((_, i) => base.imageSize / 2 ** i);
  return {
    ...base,
    levels: s.levels,
    resBlocksPerLevel: s.resBlocksPerLevel,
    heads: s.heads,
    embDim: s.embDim,
    attentionResolutions: s.attentionAt.filter((r) => reached.includes(r)),
    text: base.text ? { ...base.text, dim: s.textDim, layers: s.textLayers } : undefined,
    clip: base.clip ? { ...base.clip, dim: s.textDim } : undefined,
  };
}
