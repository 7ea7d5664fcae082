/**
 * GPT-2's byte-level BPE, read from a checkpoint's `vocab.json` and `merges.txt`: text is
 * split by GPT-2's pattern, each piece's UTF-8 bytes are mapped to printable characters
 * (`bytes_to_unicode`), and merges are applied lowest rank first — as Hugging Face's
 * GPT2Tokenizer does. Written here rather than taken from a library because hpo must read
 * the checkpoint's own files (libraries ship fixed vocabularies) and round-trip every byte
 * string exactly, including bytes that are not valid UTF-8.
 */

/** The byte ↔ character table of GPT-2 (`bytes_to_unicode`). */
function byteTable(): { encoder: string[]; decoder: Map<string, number> } {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const encoder = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) encoder[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return { encoder, decoder: new Map(encoder.map((c, b) => [c, b])) };
}

const BYTES = byteTable();

// Python `regex`'s \s (Unicode White_Space), which GPT-2's pattern means; JavaScript's \s
// differs (it lacks U+0085 and includes U+FEFF).
const WS = "\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** GPT-2's pre-tokenisation pattern. */
export const GPT2_PATTERN = new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`, "gu");

/** What the tokenizer's files say. */
export interface Gpt2BpeFiles {
  /** vocab.json: token string → id. */
  readonly vocab: Readonly<Record<string, number>>;
  /** merges.txt's text (a `#version` line, then one "a b" pair per line). */
  readonly merges: string;
  /** Tokens matched whole before BPE (e.g. `<|endoftext|>`), from the tokenizer config. */
  readonly specialTokens?: readonly string[];
}

/** Options of {@link Gpt2BpeTokenizer.decode}. */
export interface DecodeTextOptions {
  /** Leave out special tokens (default false). */
  readonly skipSpecialTokens?: boolean;
}

/** GPT-2's byte-level BPE tokenizer. */
export class Gpt2BpeTokenizer {
  readonly #ids: ReadonlyMap<string, number>;
  readonly #tokens: readonly (string | undefined)[];
  readonly #ranks: ReadonlyMap<string, number>;
  readonly #special: ReadonlyMap<string, number>;
  readonly #specialPattern: RegExp | null;
  readonly #cache = new Map<string, readonly number[]>();

  /** Builds the tokenizer; every byte must have a token (checked). */
  constructor(files: Gpt2BpeFiles, source = "tokenizer") {
    const ids = new Map<string, number>();
    const tokens: (string | undefined)[] = [];
    for (const [token, id] of Object.entries(files.vocab)) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`${source}: vocab.json maps ${JSON.stringify(token)} to ${JSON.stringify(id)}, expected a non-negative integer`);
      ids.set(token, id);
      tokens[id] = token;
    }
    for (const c of BYTES.encoder) {
      if (!ids.has(c)) throw new Error(`${source}: vocab.json has no token for byte ${BYTES.decoder.get(c)} (${JSON.stringify(c)}); not a byte-level BPE vocabulary`);
    }
    const ranks = new Map<string, number>();
    const lines = files.merges.split(/\r?\n/);
    let rank = 0;
    for (const [n, raw] of lines.entries()) {
      if ((n === 0 && raw.startsWith("#version")) || raw.trim() === "") continue;
      const parts = raw.split(" ");
      if (parts.length !== 2) throw new Error(`${source}: merges.txt line ${n + 1} is ${JSON.stringify(raw)}, expected two tokens separated by one space`);
      ranks.set(`${parts[0]} ${parts[1]}`, rank++);
    }
    const special = new Map<string, number>();
    for (const s of files.specialTokens ?? []) {
      const id = ids.get(s);
      if (id !== undefined) special.set(s, id);
    }
    this.#ids = ids;
    this.#tokens = tokens;
    this.#ranks = ranks;
    this.#special = special;
    this.#specialPattern = special.size
      ? new RegExp(`(${[...special.keys()].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`)
      : null;
  }

  /** Vocabulary size (the largest id + 1). */
  get size(): number {
    return this.#tokens.length;
  }

  /** The id of token string `token` (as in vocab.json), if any. */
  idOf(token: string): number | undefined {
    return this.#ids.get(token);
  }

  /** Merges one pre-token (already mapped to byte characters) into token ids. */
  #bpe(piece: string): readonly number[] {
    const cached = this.#cache.get(piece);
    if (cached) return cached;
    let word = Array.from(piece);
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.#ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      // Merge every occurrence of the best pair, left to right, as GPT-2's bpe() does.
      const first = word[best];
      const second = word[best + 1];
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]);
          i += 1;
        }
      }
      word = merged;
    }
    const out = word.map((t) => {
      const id = this.#ids.get(t);
      if (id === undefined) throw new Error(`tokenizer: merged token ${JSON.stringify(t)} is not in vocab.json`);
      return id;
    });
    if (this.#cache.size < 100_000) this.#cache.set(piece, out);
    return out;
  }

  #encodePieceBytes(bytes: Uint8Array, out: number[]): void {
    let chars = "";
    for (const b of bytes) chars += BYTES.encoder[b];
    out.push(...this.#bpe(chars));
  }

  #encodeText(text: string, out: number[]): void {
    const utf8 = new TextEncoder();
    for (const m of text.matchAll(GPT2_PATTERN)) this.#encodePieceBytes(utf8.encode(m[0]), out);
  }

  #encodeWithSpecials(text: string, out: number[]): void {
    if (!this.#specialPattern) return this.#encodeText(text, out);
    for (const part of text.split(this.#specialPattern)) {
      if (part === "") continue;
      const id = this.#special.get(part);
      if (id !== undefined) out.push(id);
      else this.#encodeText(part, out);
    }
  }

  /**
   * Token ids of `input`: a string, or raw bytes (valid UTF-8 runs are tokenised as text,
   * any invalid byte becomes a piece of its own, so every byte string round-trips).
   */
  encode(input: string | Uint8Array): number[] {
    const out: number[] = [];
    if (typeof input === "string") {
      this.#encodeWithSpecials(input, out);
      return out;
    }
    const strict = new TextDecoder("utf-8", { fatal: true });
    let start = 0;
    let i = 0;
    while (i < input.length) {
      const len = utf8SequenceLength(input, i);
      if (len > 0) {
        i += len;
        continue;
      }
      if (i > start) this.#encodeWithSpecials(strict.decode(input.subarray(start, i)), out);
      this.#encodePieceBytes(input.subarray(i, i + 1), out);
      i += 1;
      start = i;
    }
    if (i > start) this.#encodeWithSpecials(strict.decode(input.subarray(start, i)), out);
    return out;
  }

  /** The bytes `ids` stand for (special tokens as their text unless skipped). */
  decodeBytes(ids: readonly number[], options: DecodeTextOptions = {}): Uint8Array {
    const out: number[] = [];
    const utf8 = new TextEncoder();
    for (const id of ids) {
      const token = this.#tokens[id];
      if (token === undefined) throw new Error(`tokenizer: id ${id} is not in the vocabulary (size ${this.size})`);
      if (this.#special.has(token)) {
        if (!options.skipSpecialTokens) out.push(...utf8.encode(token));
        continue;
      }
      for (const c of token) {
        const b = BYTES.decoder.get(c);
        // Added tokens outside the byte alphabet are plain text.
        if (b === undefined) out.push(...utf8.encode(c));
        else out.push(b);
      }
    }
    return Uint8Array.from(out);
  }

  /** The text `ids` stand for (invalid UTF-8 becomes U+FFFD, as HF's errors="replace"). */
  decode(ids: readonly number[], options: DecodeTextOptions = {}): string {
    return new TextDecoder("utf-8").decode(this.decodeBytes(ids, options));
  }
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1];
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 >= 0xa0) return 0; // surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1];
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}
