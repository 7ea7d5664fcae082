/**
 * A WordNet dict/ directory as Princeton distributes it (index.<pos>, data.<pos>, and the
 * <pos>.exc exception lists): for users who point METEOR at their own copy, and for the
 * script that builds hpo's shipped pack. Data files are read at byte offsets on demand, as
 * nltk seeks in them, so opening a directory does not read the ~22 MB of synset data.
 */
import { openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { type LemmaIndex, SortedLineIndex, type SynsetNames, type WordNetFiles, type WordNetPos, WORDNET_POS_LIST } from "./wordnet-sources.ts";

const FILE_SUFFIX: Record<WordNetPos, string> = { n: "noun", v: "verb", a: "adj", r: "adv" };

/** One line of a data file starting at a byte offset, read on demand (file kept open). */
class DataFileSynsets implements SynsetNames {
  private fd: number | null = null;
  private chunk = Buffer.allocUnsafe(4096);
  constructor(private readonly path: string) {}

  names(offset: number): readonly string[] {
    const line = this.readLine(offset);
    const fields = line.split(" ");
    if (fields[0] !== String(offset).padStart(8, "0")) throw new Error(`WordNet: no synset in ${this.path} at offset ${offset}`);
    const count = Number.parseInt(fields[3]!, 16);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      let name = fields[4 + 2 * i]!;
      if (name.endsWith(")")) {
        const open = name.indexOf("(");
        if (open >= 0) name = name.slice(0, open);
      }
      out.push(name);
    }
    return out;
  }

  private readLine(offset: number): string {
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

/** The synset offsets of one index line (`_load_lemma_pos_offset_map`'s parse). */
function parseIndexLine(line: string): readonly number[] {
  const parts = line.split(" ").filter((p) => p !== "");
  let k = 2; // lemma, pos
  const nSynsets = Number.parseInt(parts[k++]!, 10);
  const nPointers = Number.parseInt(parts[k++]!, 10);
  k += nPointers; // pointer symbols
  k += 2; // n_senses, tagsense count
  const offsets: number[] = [];
  for (let i = 0; i < nSynsets; i++) {
    const v = Number.parseInt(parts[k++]!, 10);
    if (!Number.isFinite(v)) throw new Error(`WordNet index: malformed line "${line}"`);
    offsets.push(v);
  }
  return Object.freeze(offsets);
}

/** An index.<pos> file, past its licence header (lines that start with a space). */
function indexFile(path: string): LemmaIndex {
  const buf = readFileSync(path);
  let pos = 0;
  while (pos < buf.length && buf[pos] === 0x20) {
    const nl = buf.indexOf(0x0a, pos);
    pos = nl < 0 ? buf.length : nl + 1;
  }
  return new SortedLineIndex(buf, pos, buf.length, parseIndexLine);
}

/** Reads WordNet's own files from `dir` (exception lists from `excDir`, default the same). */
export function readWordNetDictFiles(dir: string, excDir = dir): WordNetFiles {
  const index = {} as Record<WordNetPos, LemmaIndex>;
  const synsets = {} as Record<WordNetPos, SynsetNames>;
  const exceptions = {} as Record<WordNetPos, string>;
  for (const pos of WORDNET_POS_LIST) {
    const suffix = FILE_SUFFIX[pos];
    index[pos] = indexFile(join(dir, `index.${suffix}`));
    synsets[pos] = new DataFileSynsets(join(dir, `data.${suffix}`));
    exceptions[pos] = readFileSync(join(excDir, `${suffix}.exc`), "latin1");
  }
  return { index, synsets, exceptions, source: dir };
}
