/**
 * Behaviour the references leave undefined (they raise) or that the golden set does not
 * pin down: empty and whitespace-only inputs, missing references, warnings, API shapes,
 * tie-breaking, the fast METEOR path against the literal port, numpy's summation, custom
 * Punkt parameters and the WordNet tarball fallback.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import {
  EMPTY_PUNKT_PARAMETERS,
  WordNet,
  computeCaptionMetrics,
  corpusBleu,
  createCaptionScorer,
  getWordNet,
  lcsLength,
  loadPunktParameters,
  meteor,
  meteorAlignment,
  meteorScorePrepared,
  numpyMean,
  prepareMeteorTokens,
  rougeL,
  setPunktParameters,
  singleMeteorScore,
  tokenize13a,
  wordTokenize,
} from "hpo/metrics";
import { readWordNetDictFiles } from "../../objectives/metrics/wordnet.ts";
import { parseWordNetPack } from "../../objectives/metrics/wordnet-pack.ts";

const REFS = [["Crispy Salt and Pepper Potatoes"], ["Spicy Cucumber Salad"], ["Lemon Tart", "Classic Lemon Tart"]];

describe("empty and whitespace-only inputs never throw and are counted", () => {
  it("an empty prediction inside a corpus: defined scores, one warning", () => {
    const m = computeCaptionMetrics(["Crispy Salt and Pepper Potatoes", "", "Lemon Tart"], REFS);
    expect(m.warnings.emptyPredictions).toBe(1);
    expect(m.warnings.count).toBe(1);
    expect(m.cases).toBe(3);
    for (const v of [m.bleu1, m.bleu2, m.rougeL, m.meteor]) expect(Number.isFinite(v)).toBe(true);
    expect(m.warnings.messages[0]).toMatch(/case 1/);
  });

  it("whitespace-only predictions (Python whitespace, including NBSP, U+001C, U+3000) count as empty", () => {
    const preds = ["  \t\n", "\u00a0\u001c\u3000", "\u2028"];
    const m = computeCaptionMetrics(preds, REFS, { perCase: true });
    expect(m.warnings.emptyPredictions).toBe(3);
    expect(m.bleu1).toBe(0);
    expect(m.warnings.undefinedScores).toBe(2); // corpus BLEU-1 and BLEU-2: no prediction tokens
    expect(m.perCase?.rougeL).toEqual([0, 0, 0]);
    expect(m.perCase?.meteor).toEqual([0, 0, 0]);
  });

  it("a BOM or zero-width space is not whitespace (as in Python): not an empty prediction", () => {
    const m = computeCaptionMetrics(["\ufeff", "\u200b"], [["Lemon Tart"], ["Lemon Tart"]]);
    expect(m.warnings.emptyPredictions).toBe(0);
    expect(tokenize13a("\ufeff")).toEqual(["\ufeff"]);
    expect(wordTokenize("\u200b")).toEqual(["\u200b"]);
  });

  it("empty references are counted; ROUGE-L/METEOR still take the best reference", () => {
    const m = computeCaptionMetrics(["Lemon Tart"], [["", "Lemon Tart", "  "]], { perCase: true });
    expect(m.warnings.emptyReferences).toBe(2);
    expect(m.perCase?.rougeL[0]).toBe(1);
    expect(m.perCase?.meteor[0]).toBeCloseTo(0.9375, 12);
    // the shortest reference has 0 tokens: sentence BLEU divides by zero in Python
    expect(m.bleu1).toBe(0);
    expect(m.warnings.undefinedScores).toBe(2);
  });

  it("a case without any reference scores 0 and adds no reference length", () => {
    const m = computeCaptionMetrics(["Lemon Tart", "Spicy Cucumber Salad"], [[], ["Spicy Cucumber Salad"]], { perCase: true });
    expect(m.warnings.casesWithoutReferences).toBe(1);
    expect(m.perCase?.rougeL).toEqual([0, 1]);
    expect(m.perCase?.meteor[0]).toBe(0);
    expect(m.bleu1Detail.referenceLength).toBe(3);
    expect(m.bleu1Detail.translationLength).toBe(5);
    expect(m.bleu1).toBeCloseTo(3 / 5, 12);
  });

  it("every prediction empty: zeros and warnings (the reference raises)", () => {
    const m = computeCaptionMetrics(["", ""], [["Lemon Tart"], ["Soup"]]);
    expect([m.bleu1, m.bleu2, m.rougeL, m.meteor]).toEqual([0, 0, 0, 0]);
    expect(m.warnings.emptyPredictions).toBe(2);
    expect(m.warnings.undefinedScores).toBe(2);
    expect(m.bleu1Detail.undefinedReason).toMatch(/no tokens/);
  });

  it("an empty corpus: zeros and a warning", () => {
    const m = computeCaptionMetrics([], []);
    expect([m.bleu1, m.bleu2, m.rougeL, m.meteor]).toEqual([0, 0, 0, 0]);
    expect(m.cases).toBe(0);
    expect(m.warnings.count).toBeGreaterThan(0);
  });

  it("null or undefined entries (untyped callers) are empty text, not a crash", () => {
    const preds = [null, "Lemon Tart"] as unknown as string[];
    const refs = [["Soup"], [undefined, "Lemon Tart"]] as unknown as string[][];
    const m = computeCaptionMetrics(preds, refs);
    expect(m.warnings.emptyPredictions).toBe(1);
    expect(m.warnings.emptyReferences).toBe(1);
    expect(Number.isFinite(m.meteor)).toBe(true);
  });

  it("per-case functions accept empty input", () => {
    expect(rougeL("", ["Lemon Tart"]).fmeasure).toBe(0);
    expect(rougeL("Lemon Tart", []).fmeasure).toBe(0);
    expect(meteor("", ["Lemon Tart"])).toBe(0);
    expect(meteor("Lemon Tart", [])).toBe(0);
    expect(singleMeteorScore([], [])).toBe(0);
    const b = corpusBleu([""], [["Lemon Tart"]]);
    expect(b.bleu).toBe(0);
    expect(b.undefinedReason).toBeTruthy();
    expect(corpusBleu([], []).undefinedReason).toBeTruthy();
  });

  it("warnings: a callback per message, messages capped", () => {
    const seen: string[] = [];
    const n = 30;
    const m = computeCaptionMetrics(
      Array.from({ length: n }, () => ""),
      Array.from({ length: n }, () => ["Soup"]),
      { onWarning: (msg) => seen.push(msg) },
    );
    expect(m.warnings.emptyPredictions).toBe(n);
    expect(seen.length).toBe(m.warnings.count);
    expect(m.warnings.messages.length).toBe(21);
    expect(m.warnings.messages[20]).toMatch(/more warnings/);
  });
});

describe("API shapes", () => {
  it("different list lengths are a programming error", () => {
    expect(() => computeCaptionMetrics(["a"], [])).toThrow(RangeError);
    expect(() => corpusBleu(["a"], [["a"], ["b"]])).toThrow(RangeError);
  });

  it("a plain string reference is one reference", () => {
    const a = computeCaptionMetrics(["Lemon Tart", "Soup"], ["Classic Lemon Tart", "Tomato Soup"]);
    const b = computeCaptionMetrics(["Lemon Tart", "Soup"], [["Classic Lemon Tart"], ["Tomato Soup"]]);
    expect(a.bleu1).toBe(b.bleu1);
    expect(a.meteor).toBe(b.meteor);
    expect(rougeL("Lemon Tart", "Lemon Tart").fmeasure).toBe(1);
  });

  it("createCaptionScorer gives computeCaptionMetrics' numbers", () => {
    const preds = ["Crispy Potatoes", "Cucumber Salad", "Lemon Tartlets"];
    const scorer = createCaptionScorer(REFS);
    expect(scorer(preds)).toEqual(computeCaptionMetrics(preds, REFS));
  });

  it("corpusBleu options: maxOrder validation and nmt smoothing", () => {
    expect(() => corpusBleu(["a"], [["a"]], { maxOrder: 0 })).toThrow(RangeError);
    const s = corpusBleu(["the cat"], [["the dog"]], { maxOrder: 2, smooth: true });
    // p1 = (1+1)/(2+1), p2 = (0+1)/(1+1), bp = 1
    expect(s.precisions).toEqual([2 / 3, 1 / 2]);
    expect(s.bleu).toBeCloseTo(Math.sqrt((2 / 3) * (1 / 2)), 14);
  });

  it("ROUGE-L ties between references go to the first (numpy argmax)", () => {
    // F is 2/3 for both references; precision tells which one was taken
    const r = rougeL("a b c d", ["a b", "a b c d e f g h"]);
    expect(r.precision).toBe(0.5);
    const r2 = rougeL("a b c d", ["a b c d e f g h", "a b"]);
    expect(r2.precision).toBe(1);
  });

  it("BLEU uses the shortest reference for the brevity penalty", () => {
    const b = corpusBleu(["Lemon Tart"], [["Lemon Tart with Fresh Cream", "Tart"]]);
    expect(b.referenceLength).toBe(1);
    expect(b.brevityPenalty).toBe(1);
  });
});

describe("internals against references", () => {
  it("the fast METEOR path equals the literal nltk port (random token lists)", () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const vocab = ["salad", "Salads", "soup", "broth", "stock", "quick", "fast", "beet", "beetroot", "cook", "fix", "roasted", "roast", "the", "a", "pies", "pie", "fries", "fry", "!", "big", "large"];
    const sentence = (): string[] => Array.from({ length: Math.floor(rnd() * 9) }, () => vocab[Math.floor(rnd() * vocab.length)]);
    for (let k = 0; k < 800; k++) {
      const ref = sentence();
      const hyp = sentence();
      const literal = meteorAlignment(ref, hyp).score;
      expect(meteorScorePrepared(prepareMeteorTokens(ref), prepareMeteorTokens(hyp))).toBe(literal);
    }
  });

  it("LCS equals the textbook table", () => {
    const naive = (a: string[], b: string[]): number => {
      const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
          t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
      return t[a.length][b.length];
    };
    let seed = 99;
    const rnd = (): number => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let k = 0; k < 500; k++) {
      const a = Array.from({ length: Math.floor(rnd() * 30) }, () => "abcd"[Math.floor(rnd() * 4)]);
      const b = Array.from({ length: Math.floor(rnd() * 90) }, () => "abcd"[Math.floor(rnd() * 4)]);
      expect(lcsLength(a, b)).toBe(naive(a, b));
    }
  });

  it("numpyMean sums like numpy (pairwise), not left to right", () => {
    const values = (n: number): number[] => Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 997 + 1 / (i + 3));
    // np.mean(...) in numpy 2.4.6; the naive sums end ...223 and ...093
    expect(numpyMean(values(200))).toBe(0.5189307557565016);
    expect(numpyMean(values(1000))).toBe(0.5069904768926227);
    expect(numpyMean(values(4099))).toBe(0.5024693829563099);
    expect(numpyMean([])).toBe(0);
  });
});

describe("Punkt parameters", () => {
  afterEach(() => setPunktParameters(null));

  it("the built-in list keeps common abbreviations on their word", () => {
    expect(wordTokenize("St. Louis-Style Ribs")).toEqual(["St.", "Louis-Style", "Ribs"]);
    expect(wordTokenize("Serve hot. Enjoy the soup")).toEqual(["Serve", "hot", ".", "Enjoy", "the", "soup"]);
  });

  it("explicit parameters, and a model directory in nltk_data's punkt_tab format", () => {
    expect(wordTokenize("St. Louis Ribs", EMPTY_PUNKT_PARAMETERS)).toEqual(["St", ".", "Louis", "Ribs"]);
    const dir = mkdtempSync(join(tmpdir(), "punkt-"));
    try {
      writeFileSync(join(dir, "abbrev_types.txt"), "tbsp\nst\n");
      writeFileSync(join(dir, "collocations.tab"), "");
      writeFileSync(join(dir, "sent_starters.txt"), "serve\n");
      writeFileSync(join(dir, "ortho_context.tab"), "");
      const params = loadPunktParameters(dir);
      expect(params.abbrevTypes.has("tbsp")).toBe(true);
      expect(wordTokenize("Add 1 Tbsp. Butter", EMPTY_PUNKT_PARAMETERS)).toEqual(["Add", "1", "Tbsp", ".", "Butter"]);
      setPunktParameters(params);
      expect(wordTokenize("Add 1 Tbsp. Butter")).toEqual(["Add", "1", "Tbsp.", "Butter"]);
      // abbreviation followed by a capitalised frequent sentence starter: a break
      expect(wordTokenize("Mix in 1 tbsp. Serve")).toEqual(["Mix", "in", "1", "tbsp", ".", "Serve"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("WordNet", () => {
  it("the shipped pack is the one its manifest names, and loads whole", () => {
    const dir = new URL("../../objectives/metrics/wordnet-data/", import.meta.url);
    const manifest = JSON.parse(readFileSync(new URL("MANIFEST.json", dir), "utf8")) as { file: string; sha256: string; lemmasChecked: number };
    const bytes = readFileSync(new URL(manifest.file, dir));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(manifest.sha256);
    const wn = new WordNet(parseWordNetPack(bytes, "test"));
    expect(manifest.lemmasChecked).toBe(155_287); // WordNet 3.0: 117,798 noun + 11,529 verb + 21,479 adj + 4,481 adv lemmas
    expect(wn.info.exceptionCount).toBeGreaterThan(5_000);
    expect(wn.morphy("geese", "n")).toEqual(["goose"]);
    expect(() => parseWordNetPack(gzipSync(Buffer.from("not a pack\n")), "bad")).toThrow(/bad: not an hpo WordNet pack/);
  });

  it("a WordNet dict/ directory gives the same answers as the shipped pack", () => {
    const dir = mkdtempSync(join(tmpdir(), "hpo-wn-"));
    try {
      // A tiny dict/ in WordNet's own format: two noun synsets sharing "beet".
      const header = "  1 This software and database is being provided to you, the LICENSEE, by\n";
      const data = (lines: string[]) => {
        let text = header;
        const out: string[] = [];
        for (const l of lines) {
          const offset = String(Buffer.byteLength(text)).padStart(8, "0");
          out.push(offset);
          text += `${l.replace("OFFSET", offset)}\n`;
        }
        return { text, offsets: out };
      };
      const noun = data(["OFFSET 20 n 02 beet 0 beetroot 0 000 | a root", "OFFSET 20 n 01 beet 0 000 | a plant"]);
      writeFileSync(join(dir, "data.noun"), noun.text);
      writeFileSync(join(dir, "index.noun"), `${header}beet n 2 0 2 0 ${noun.offsets[0]} ${noun.offsets[1]}  \nbeetroot n 1 0 1 0 ${noun.offsets[0]}  \n`);
      for (const s of ["verb", "adj", "adv"]) {
        writeFileSync(join(dir, `data.${s}`), header);
        writeFileSync(join(dir, `index.${s}`), header);
      }
      for (const s of ["noun", "verb", "adj", "adv"]) writeFileSync(join(dir, `${s}.exc`), "");
      const wn = new WordNet(readWordNetDictFiles(dir));
      expect([...wn.synonyms("beets")].sort()).toEqual(["beet", "beetroot", "beets"]);
      expect(wn.has("beetroot", "n")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("index lookups find the first and last lemma of every file", () => {
    const wn = getWordNet();
    expect(wn.offsets("'hood", "n").length).toBe(1);
    expect(wn.has("zyrian", "n")).toBe(true);
    expect(wn.has("zzz", "n")).toBe(false);
    expect(wn.has("", "n")).toBe(false);
    expect(wn.has("crème", "n")).toBe(false);
  });
});
