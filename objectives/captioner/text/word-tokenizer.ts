/**
 * A word-level tokenizer built from training captions: lower-cased words (with inner
 * apostrophes) and single punctuation marks, four special tokens, and the most frequent
 * words up to a size cap. Saved next to the model weights as plain JSON.
 */
import { z } from "zod";

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
const SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"] as const;

const TOKEN_PATTERN = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;

/** Lower-cases and splits a caption into word and punctuation tokens. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(TOKEN_PATTERN) ?? [];
}

/** Joins tokens back into text: spaces between words, none around hyphens or before closing marks. */
export function joinWords(words: readonly string[]): string {
  let out = "";
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const prev = i > 0 ? words[i - 1] : "";
    const glue = i === 0 || /^[,.!?;:)\]}%-]$/.test(w) || prev === "-" || /^[([{]$/.test(prev);
    out += (glue ? "" : " ") + w;
  }
  return out;
}

/** The caption as the model sees it, and as scores compare it: tokenised and re-joined. */
export function normalizeCaption(text: string): string {
  return joinWords(splitWords(text));
}

/** Options of {@link WordTokenizer.build}. */
export interface BuildTokenizerOptions {
  /** Largest vocabulary including the four specials (default 2000). */
  readonly maxSize?: number;
  /** Words seen fewer times are <unk> (default 1). */
  readonly minCount?: number;
}

const savedTokenizerSchema = z.object({
  kind: z.literal("word-tokenizer"),
  version: z.literal(1),
  tokens: z.array(z.string()).min(SPECIALS.length),
});

/** Saved form of a tokenizer. */
export type SavedTokenizer = z.infer<typeof savedTokenizerSchema>;

/** Word ↔ id mapping with <pad>, <bos>, <eos>, <unk> at ids 0–3. */
export class WordTokenizer {
  readonly #tokens: readonly string[];
  readonly #ids: ReadonlyMap<string, number>;

  private constructor(tokens: readonly string[]) {
    SPECIALS.forEach((s, i) => {
      if (tokens[i] !== s) throw new Error(`tokenizer: id ${i} must be ${s}, got ${tokens[i]}`);
    });
    this.#tokens = tokens;
    this.#ids = new Map(tokens.map((t, i) => [t, i]));
    if (this.#ids.size !== tokens.length) throw new Error("tokenizer: duplicate tokens");
  }

  /** Builds the vocabulary from captions: most frequent first, ties alphabetical (deterministic). */
  static build(captions: Iterable<string>, options: BuildTokenizerOptions = {}): WordTokenizer {
    const maxSize = options.maxSize ?? 2000;
    const minCount = options.minCount ?? 1;
    if (maxSize <= SPECIALS.length) throw new Error(`tokenizer maxSize must exceed ${SPECIALS.length}`);
    const counts = new Map<string, number>();
    for (const c of captions) for (const w of splitWords(c)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const words = [...counts]
      .filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSize - SPECIALS.length)
      .map(([w]) => w);
    return new WordTokenizer([...SPECIALS, ...words]);
  }

  /** Restores a tokenizer saved with {@link toJSON}; throws a clear error on a bad file. */
  static fromJSON(value: unknown): WordTokenizer {
    const parsed = savedTokenizerSchema.safeParse(value);
    if (!parsed.success) throw new Error(`not a saved word tokenizer: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    return new WordTokenizer(parsed.data.tokens);
  }

  /** Vocabulary size including specials. */
  get size(): number {
    return this.#tokens.length;
  }

  /** The token of `id`. */
  token(id: number): string {
    const t = this.#tokens[id];
    if (t === undefined) throw new Error(`token id ${id} out of range`);
    return t;
  }

  /** Word ids of a caption, without specials; unknown words map to <unk>. */
  encode(text: string): number[] {
    return splitWords(text).map((w) => this.#ids.get(w) ?? UNK);
  }

  /** Text of ids: stops at <eos>, skips <pad> and <bos>, writes <unk> as is. */
  decode(ids: Iterable<number>): string {
    const words: string[] = [];
    for (const id of ids) {
      if (id === EOS) break;
      if (id === PAD || id === BOS) continue;
      words.push(this.token(id));
    }
    return joinWords(words);
  }

  /** Plain JSON for saving. */
  toJSON(): SavedTokenizer {
    return { kind: "word-tokenizer", version: 1, tokens: [...this.#tokens] };
  }
}
