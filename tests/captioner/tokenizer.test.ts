import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOS, EOS, PAD, UNK, WordTokenizer, joinWords, normalizeCaption, splitWords } from "hpo/captioner";
import { describe, expect, it } from "vitest";

const captions = ["Grilled Salmon With Lemon", "Roasted Tomato Salad With Peas", "Pan-Seared Steak", "grandma's apple pie, baked (twice)!"];

describe("word tokenizer", () => {
  it("splits lower-cased words and punctuation, and joins them back", () => {
    expect(splitWords("Pan-Seared Steak, Grandma's!")).toEqual(["pan", "-", "seared", "steak", ",", "grandma's", "!"]);
    expect(joinWords(["pan", "-", "seared", "steak", ",", "grandma's", "!"])).toBe("pan-seared steak, grandma's!");
    expect(normalizeCaption("  Apple   Pie (Baked) ")).toBe("apple pie (baked)");
  });

  it("round-trips every training caption through ids", () => {
    const tok = WordTokenizer.build(captions);
    for (const c of captions) expect(tok.decode(tok.encode(c))).toBe(normalizeCaption(c));
    expect(tok.token(PAD)).toBe("<pad>");
    expect(tok.token(BOS)).toBe("<bos>");
    expect(tok.token(EOS)).toBe("<eos>");
    expect(tok.token(UNK)).toBe("<unk>");
  });

  it("maps unknown words to <unk>, stops decoding at <eos> and skips <pad>/<bos>", () => {
    const tok = WordTokenizer.build(captions);
    expect(tok.encode("grilled zucchini")).toEqual([tok.encode("grilled")[0], UNK]);
    const ids = tok.encode("roasted salmon");
    expect(tok.decode([BOS, ...ids, EOS, ...ids, PAD])).toBe("roasted salmon");
  });

  it("orders the vocabulary by frequency then alphabetically, capped at maxSize", () => {
    const tok = WordTokenizer.build(["b a", "a c", "a b"], { maxSize: 6 });
    expect(tok.size).toBe(6);
    expect([4, 5].map((i) => tok.token(i))).toEqual(["a", "b"]);
    expect(tok.encode("c")).toEqual([UNK]);
  });

  it("saves to JSON and loads back identically; rejects a malformed file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hpo-tok-"));
    try {
      const tok = WordTokenizer.build(captions);
      await writeFile(join(dir, "tokenizer.json"), JSON.stringify(tok.toJSON()));
      const loaded = WordTokenizer.fromJSON(JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8")));
      expect(loaded.toJSON()).toEqual(tok.toJSON());
      for (const c of captions) expect(loaded.encode(c)).toEqual(tok.encode(c));
      expect(() => WordTokenizer.fromJSON({ kind: "word-tokenizer", version: 1, tokens: ["a", "b", "c", "d"] })).toThrow(/id 0 must be <pad>/);
      expect(() => WordTokenizer.fromJSON({ version: 2 })).toThrow(/not a saved word tokenizer/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
