/**
 * WordNet 3.0 for METEOR's synonym stage: the subset of nltk's WordNetCorpusReader that
 * `meteor_score` uses — `synsets(word)` (all parts of speech, via `_morphy` with the
 * exception lists) and each synset's lemma names.
 *
 * Data: the WordNet 3.0 copy that ships inside hpo (wordnet-pack.ts; WordNet 3.0 licence,
 * see docs/metrics.md and NOTICE), or a WordNet dict/ directory given to
 * `loadWordNet({ dir })`. Loaded lazily on first use — importing this module reads
 * nothing — and kept for the life of the process. No network, no install script.
 */
import { registerCache } from "./memo.ts";
import { readWordNetDictFiles } from "./wordnet-dict.ts";
import { readShippedWordNet } from "./wordnet-pack.ts";
import { type LemmaIndex, type SynsetNames, type WordNetFiles, type WordNetPos, WORDNET_POS_LIST } from "./wordnet-sources.ts";

export { readWordNetDictFiles } from "./wordnet-dict.ts";
export { WORDNET_POS_LIST, type WordNetFiles, type WordNetPos } from "./wordnet-sources.ts";

/** WordNetCorpusReader.MORPHOLOGICAL_SUBSTITUTIONS */
const SUBSTITUTIONS: Record<WordNetPos, ReadonlyArray<readonly [string, string]>> = {
  n: [
    ["s", ""],
    ["ses", "s"],
    ["ves", "f"],
    ["xes", "x"],
    ["zes", "z"],
    ["ches", "ch"],
    ["shes", "sh"],
    ["men", "man"],
    ["ies", "y"],
  ],
  v: [
    ["s", ""],
    ["ies", "y"],
    ["es", "e"],
    ["es", ""],
    ["ed", "e"],
    ["ed", ""],
    ["ing", "e"],
    ["ing", ""],
  ],
  a: [
    ["er", ""],
    ["est", ""],
    ["er", "e"],
    ["est", "e"],
  ],
  r: [],
};

export interface WordNetLoadInfo {
  /** Where the data was read from (hpo's shipped pack, or a dict/ directory). */
  source: string;
  /** Milliseconds spent reading and indexing. */
  loadMs: number;
  /** Bytes of the four lemma indexes held in memory (searched in place, not parsed up front). */
  indexBytes: number;
  exceptionCount: number;
}

/** The loaded database. Create through `getWordNet()` / `loadWordNet()`. */
export class WordNet {
  readonly info: WordNetLoadInfo;
  private readonly index: Record<WordNetPos, LemmaIndex>;
  private readonly synsets: Record<WordNetPos, SynsetNames>;
  private readonly exceptions: Record<WordNetPos, Map<string, string[]>> = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
  private readonly lemmaCache: Record<WordNetPos, Map<number, readonly string[]>> = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
  private readonly synonymCache = new Map<string, ReadonlySet<string>>();

  constructor(files: WordNetFiles, startedAt = performance.now()) {
    this.index = files.index;
    this.synsets = files.synsets;
    let exceptionCount = 0;
    for (const pos of WORDNET_POS_LIST) exceptionCount += this.parseExceptions(pos, files.exceptions[pos]);
    this.info = {
      source: files.source,
      loadMs: performance.now() - startedAt,
      indexBytes: WORDNET_POS_LIST.reduce((sum, pos) => sum + files.index[pos].bytes, 0),
      exceptionCount,
    };
  }

  /** Empty the lookup caches (synonyms, index lookups, parsed synsets). */
  clearCaches(): void {
    this.synonymCache.clear();
    for (const pos of WORDNET_POS_LIST) {
      this.lemmaCache[pos].clear();
      this.index[pos].clearCache();
    }
  }

  /** _load_exception_map for one .exc file: first term -> the rest (later lines win). */
  private parseExceptions(pos: WordNetPos, text: string): number {
    const map = this.exceptions[pos];
    for (const line of text.split("\n")) {
      const terms = line.split(" ");
      if (terms.length === 1 && terms[0] === "") continue;
      if (terms.some((t) => t === "" || /[\t\r\f\v]/.test(t))) {
        // unusual spacing: fall back to Python's str.split()
        const clean = line.split(/[ \t\r\f\v]+/).filter((t) => t !== "");
        if (clean.length > 0) map.set(clean[0]!, clean.slice(1));
        continue;
      }
      map.set(terms[0]!, terms.slice(1));
    }
    return map.size;
  }

  /** Whether `lemma` has synsets for `pos` in the index. */
  has(lemma: string, pos: WordNetPos): boolean {
    return this.index[pos].lookup(lemma) !== null;
  }

  /** nltk 3.10.3 `WordNetCorpusReader._morphy(form, pos)` (check_exceptions=True). */
  morphy(form: string, pos: WordNetPos): string[] {
    const exc = this.exceptions[pos].get(form);
    let forms: string[];
    if (exc !== undefined) {
      forms = exc;
    } else {
      forms = [];
      for (const [old, repl] of SUBSTITUTIONS[pos]) {
        if (form.endsWith(old)) forms.push(form.slice(0, form.length - old.length) + repl);
      }
    }
    const result: string[] = [];
    for (const f of [form, ...forms]) {
      if (this.has(f, pos) && !result.includes(f)) result.push(f);
    }
    return result;
  }

  /** Synset ids for `lemma` (already a base form) and `pos`, in index order. */
  offsets(lemma: string, pos: WordNetPos): readonly number[] {
    return this.index[pos].lookup(lemma) ?? [];
  }

  /** Lemma names of a synset, case preserved and syntactic markers removed, as nltk's `Lemma.name()`. */
  synsetLemmaNames(pos: WordNetPos, id: number): readonly string[] {
    const cache = this.lemmaCache[pos];
    let names = cache.get(id);
    if (names === undefined) {
      names = Object.freeze([...this.synsets[pos].names(id)]);
      cache.set(id, names);
    }
    return names;
  }

  /**
   * What METEOR's synonym stage compares against: the names (without "_") of every lemma of
   * every synset of `wordnet.synsets(word)`, plus `word` itself. Memoised.
   */
  synonyms(word: string): ReadonlySet<string> {
    let set = this.synonymCache.get(word);
    if (set !== undefined) return set;
    const lemma = word.toLowerCase();
    const names = new Set<string>();
    for (const pos of WORDNET_POS_LIST) {
      for (const form of this.morphy(lemma, pos)) {
        for (const id of this.offsets(form, pos)) {
          for (const name of this.synsetLemmaNames(pos, id)) {
            if (!name.includes("_")) names.add(name);
          }
        }
      }
    }
    names.add(word);
    set = names;
    if (this.synonymCache.size >= 500_000) this.synonymCache.clear();
    this.synonymCache.set(word, set);
    return set;
  }
}

let instance: WordNet | null = null;
registerCache(() => instance?.clearCaches());

/**
 * Load WordNet now (synchronously) and make it the one METEOR uses: hpo's shipped WordNet
 * 3.0, or the dict/ directory `dir` (index.*, data.* and *.exc files). Without `dir`, a
 * second call returns the already-loaded database.
 */
export function loadWordNet(options: { dir?: string } = {}): WordNet {
  if (instance && !options.dir) return instance;
  const started = performance.now();
  instance = new WordNet(options.dir ? readWordNetDictFiles(options.dir) : readShippedWordNet(), started);
  return instance;
}

/** The shared database, loaded on first call. */
export function getWordNet(): WordNet {
  return instance ?? loadWordNet();
}

/** Whether WordNet has been loaded in this process (nothing is read at import time). */
export function isWordNetLoaded(): boolean {
  return instance !== null;
}
