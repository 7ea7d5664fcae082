/**
 * The WordNet 3.0 copy hpo ships (objectives/metrics/wordnet-data/): what METEOR needs of
 * Princeton WordNet 3.0 — every lemma with its synsets, every synset's lemma names, the
 * morphological exception lists — in one gzipped text file of about 3 MB, written and
 * checked lemma by lemma against WordNet's own files by scripts/wordnet/pack-wordnet.ts.
 *
 * Format (ASCII lines): the header line, then per part of speech three sections
 *   `@synsets <pos> <count>`   one line per synset: its lemma names, space-separated
 *   `@lemmas <pos> <count>`    `<lemma> <synset id>...`, sorted by lemma
 *   `@exceptions <pos> <count>` the lines of <pos>.exc
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { type LemmaIndex, SortedLineIndex, type SynsetNames, type WordNetFiles, type WordNetPos, WORDNET_POS_LIST } from "./wordnet-sources.ts";

export const PACK_FILE = "wordnet-3.0.pack.gz";
export const PACK_HEADER = "hpo-wordnet-pack 1 WordNet-3.0";

/** The shipped pack's location (beside this module's folder, in source and in dist/). */
export const SHIPPED_PACK_URL = new URL(`./wordnet-data/${PACK_FILE}`, import.meta.url);

/** Synset names as line ranges of the unpacked text, split on first use of each. */
class PackedSynsets implements SynsetNames {
  constructor(
    private readonly buf: Buffer,
    private readonly starts: Uint32Array,
  ) {}

  names(id: number): readonly string[] {
    if (!(id >= 0 && id + 1 < this.starts.length)) throw new Error(`WordNet pack: no synset ${id}`);
    const line = this.buf.toString("latin1", this.starts[id]!, this.starts[id + 1]! - 1);
    return line === "" ? [] : line.split(" ");
  }
}

function parseIds(line: string): readonly number[] {
  const parts = line.split(" ");
  const ids: number[] = [];
  for (let i = 1; i < parts.length; i++) ids.push(Number.parseInt(parts[i]!, 10));
  return Object.freeze(ids);
}

/** Reads a pack (gzipped bytes) into the sources the WordNet class searches. */
export function parseWordNetPack(gz: Buffer, source: string): WordNetFiles {
  const buf = gunzipSync(gz);
  let pos = 0;
  const nextLine = (): [number, number] => {
    const start = pos;
    let end = buf.indexOf(0x0a, pos);
    if (end < 0) end = buf.length;
    pos = end + 1;
    return [start, end];
  };
  const header = nextLine();
  if (buf.toString("latin1", header[0], header[1]) !== PACK_HEADER) throw new Error(`${source}: not an hpo WordNet pack`);
  const section = (kind: string, p: WordNetPos): number => {
    const [s, e] = nextLine();
    const [tag, tagPos, count] = buf.toString("latin1", s, e).split(" ");
    if (tag !== `@${kind}` || tagPos !== p) throw new Error(`${source}: expected section @${kind} ${p}, found "${buf.toString("latin1", s, Math.min(e, s + 40))}"`);
    return Number.parseInt(count ?? "", 10);
  };
  const index = {} as Record<WordNetPos, LemmaIndex>;
  const synsets = {} as Record<WordNetPos, SynsetNames>;
  const exceptions = {} as Record<WordNetPos, string>;
  for (const p of WORDNET_POS_LIST) {
    const nSynsets = section("synsets", p);
    const starts = new Uint32Array(nSynsets + 1);
    for (let i = 0; i < nSynsets; i++) starts[i] = nextLine()[0];
    starts[nSynsets] = pos;
    synsets[p] = new PackedSynsets(buf, starts);
    const nLemmas = section("lemmas", p);
    const first = pos;
    for (let i = 0; i < nLemmas; i++) nextLine();
    index[p] = new SortedLineIndex(buf, first, pos - 1, parseIds);
    const nExc = section("exceptions", p);
    const excStart = pos;
    for (let i = 0; i < nExc; i++) nextLine();
    exceptions[p] = buf.toString("latin1", excStart, pos);
  }
  return { index, synsets, exceptions, source };
}

/** The WordNet 3.0 data that ships inside hpo. */
export function readShippedWordNet(): WordNetFiles {
  let gz: Buffer;
  try {
    gz = readFileSync(SHIPPED_PACK_URL);
  } catch (err) {
    throw new Error(`METEOR needs hpo's WordNet 3.0 data, which is missing (${(err as Error).message}); reinstall hpo, or pass loadWordNet({ dir }) a WordNet 3.0 dict/ folder`);
  }
  return parseWordNetPack(gz, SHIPPED_PACK_URL.pathname);
}
