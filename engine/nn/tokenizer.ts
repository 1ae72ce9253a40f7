/**
 * The built-in tokenizer: lowercase words from a vocabulary fixed at training time (stored in the
 * run manifest), so a prompt always maps to the same ids. 0 = padding, 1 = unknown word.
 */
export const PAD = 0;
export const UNK = 1;

export class WordTokenizer {
  private readonly ids: Map<string, number>;

  constructor(readonly vocabulary: readonly string[], readonly maxLength: number) {
    this.ids = new Map(vocabulary.map((w, i) => [w, i + 2]));
  }

  static fromCaptions(captions: Iterable<string>, maxLength = 12): WordTokenizer {
    const words = new Set<string>();
    for (const c of captions) for (const w of WordTokenizer.words(c)) words.add(w);
    return new WordTokenizer([...words].sort(), maxLength);
  }

  static words(text: string): string[] {
    return text.toLowerCase().split(/[^a-z0-9/-]+/).filter((w) => w.length > 0);
  }

  get size(): number {
    return this.vocabulary.length + 2;
  }

  /** Ids padded (or cut) to maxLength; the empty prompt is all padding, i.e. the null condition. */
  encode(text: string): { ids: number[]; unknown: string[] } {
    const words = WordTokenizer.words(text).slice(0, this.maxLength);
    const unknown = words.filter((w) => !this.ids.has(w));
    const ids = words.map((w) => this.ids.get(w) ?? UNK);
    while (ids.length < this.maxLength) ids.push(PAD);
    return { ids, unknown };
  }
}
