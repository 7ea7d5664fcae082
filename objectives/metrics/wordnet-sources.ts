/**
 * The two shapes WordNet's data reaches METEOR in, behind one small interface: a sorted
 * lemma index searched in place (no parse up front), and synset lemma names by id.
 * `wordnet-pack.ts` reads the copy hpo ships; `wordnet-dict.ts` reads a WordNet dict/
 * directory a user points at.
 */

export type WordNetPos = "n" | "v" | "a" | "r";

/** nltk's POS_LIST order, which is the order `synsets()` walks. */
export const WORDNET_POS_LIST: readonly WordNetPos[] = ["n", "v", "a", "r"];

/** Lemma → synset ids of one part of speech. */
export interface LemmaIndex {
  /** Synset ids of `lemma`, in the index's order, or null when the lemma is absent. */
  lookup(lemma: string): readonly number[] | null;
  clearCache(): void;
  /** Bytes held in memory for this index. */
  readonly bytes: number;
}

/** Synset id → lemma names (case kept, syntactic markers such as "(a)" removed). */
export interface SynsetNames {
  names(id: number): readonly string[];
}

/** Everything the synonym stage reads, for the four parts of speech. */
export interface WordNetFiles {
  index: Record<WordNetPos, LemmaIndex>;
  synsets: Record<WordNetPos, SynsetNames>;
  /** <pos>.exc file contents. */
  exceptions: Record<WordNetPos, string>;
  /** Where the data came from, for messages and `WordNet#info`. */
  source: string;
}

const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * Lines sorted by their first space-delimited key (WordNet's index.<pos>, and the pack's
 * lemma section), searched by bisection over the buffer. `parse` turns a matching line into
 * synset ids.
 */
export class SortedLineIndex implements LemmaIndex {
  private readonly cache = new Map<string, readonly number[] | null>();

  constructor(
    private readonly buf: Buffer,
    private readonly first: number,
    private readonly end: number,
    private readonly parse: (line: string) => readonly number[],
  ) {}

  get bytes(): number {
    return this.end - this.first;
  }

  clearCache(): void {
    this.cache.clear();
  }

  lookup(lemma: string): readonly number[] | null {
    let hit = this.cache.get(lemma);
    if (hit !== undefined) return hit;
    hit = NON_ASCII.test(lemma) || lemma === "" ? null : this.search(lemma);
    if (this.cache.size >= 200_000) this.cache.clear();
    this.cache.set(lemma, hit);
    return hit;
  }

  /** Compare `lemma` with the key (up to the first space) of the line at `start`. */
  private compare(lemma: string, start: number): number {
    const buf = this.buf;
    for (let i = 0; ; i++) {
      const b = start + i < this.end ? buf[start + i]! : 0x20;
      const keyEnded = b === 0x20 || b === 0x0a;
      if (i === lemma.length) return keyEnded ? 0 : -1;
      if (keyEnded) return 1;
      const c = lemma.charCodeAt(i);
      if (c !== b) return c < b ? -1 : 1;
    }
  }

  private search(lemma: string): readonly number[] | null {
    const buf = this.buf;
    let lo = this.first;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const start = Math.max(lo, mid === 0 ? 0 : buf.lastIndexOf(0x0a, mid - 1) + 1);
      const cmp = this.compare(lemma, start);
      if (cmp === 0) {
        let lineEnd = buf.indexOf(0x0a, start);
        if (lineEnd < 0 || lineEnd > this.end) lineEnd = this.end;
        return this.parse(buf.toString("latin1", start, lineEnd));
      }
      if (cmp > 0) {
        const nl = buf.indexOf(0x0a, start);
        lo = nl < 0 || nl >= this.end ? this.end : nl + 1;
      } else {
        hi = start;
      }
    }
    return null;
  }
}
