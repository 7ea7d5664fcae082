/**
 * Our own differential vectors (fixtures/nltk-fixture.json, expectations produced by
 * fixtures/make_nltk_fixture.py with nltk 3.10.3, sacrebleu 2.6.0 and nmt compute_bleu):
 * hand-picked edge cases the golden set does not cover — Python-only whitespace (NBSP,
 * U+001C, U+0085, U+2028), BOM and zero-width space, curly and single quotes, leading
 * apostrophes, glued em/en dashes, contractions, abbreviations and initials, ellipses,
 * brackets, astral characters in stems — followed by a few hundred generated noisy texts.
 * Punkt runs with the built-in abbreviation list (stored in the fixture).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ENGLISH_PUNKT_PARAMETERS,
  corpusBleu,
  meteor,
  porterStem,
  rougeTokenize,
  tokenize13a,
  wordTokenize,
} from "hpo/metrics";

interface Fixture {
  punkt_abbrev_types: string[];
  texts: Array<{ text: string; word_tokenize: string[]; tokenize13a: string[]; rouge: string[] }>;
  stems: Record<string, string>;
  meteor: Array<{ prediction: string; references: string[]; score: number }>;
  bleu: Array<{ predictions: string[]; references: string[][]; bleu1: number | null; bleu2: number | null; bleu4: number | null }>;
}

const fx = JSON.parse(readFileSync(new URL("./fixtures/nltk-fixture.json", import.meta.url), "utf8")) as Fixture;

describe("nltk / sacrebleu differential fixture", () => {
  it("was produced with the built-in Punkt abbreviation list", () => {
    expect([...ENGLISH_PUNKT_PARAMETERS.abbrevTypes].sort()).toEqual([...fx.punkt_abbrev_types].sort());
  });

  it(`word_tokenize on ${fx.texts.length} texts`, () => {
    const wrong = fx.texts.filter((t) => JSON.stringify(wordTokenize(t.text)) !== JSON.stringify(t.word_tokenize));
    expect(wrong).toEqual([]);
  });

  it("tokenize13a (sacrebleu Tokenizer13a)", () => {
    const wrong = fx.texts.filter((t) => JSON.stringify(tokenize13a(t.text)) !== JSON.stringify(t.tokenize13a));
    expect(wrong).toEqual([]);
  });

  it("rouge_score default tokenizer", () => {
    const wrong = fx.texts.filter((t) => JSON.stringify(rougeTokenize(t.text)) !== JSON.stringify(t.rouge));
    expect(wrong).toEqual([]);
  });

  it(`Porter stems of ${Object.keys(fx.stems).length} words (astral characters included)`, () => {
    const wrong = Object.entries(fx.stems).filter(([w, s]) => porterStem(w) !== s);
    expect(wrong).toEqual([]);
  });

  it(`METEOR on ${fx.meteor.length} cases`, () => {
    const wrong = fx.meteor.filter((m) => Math.abs(meteor(m.prediction, m.references) - m.score) > 1e-12);
    expect(wrong).toEqual([]);
  });

  it(`corpus BLEU-1/2/4 on ${fx.bleu.length} corpora`, () => {
    for (const c of fx.bleu) {
      for (const order of [1, 2, 4] as const) {
        const expected = c[`bleu${order}`];
        const r = corpusBleu(c.predictions, c.references, { maxOrder: order });
        if (expected === null) expect(r.undefinedReason).toBeTruthy();
        else expect(Math.abs(r.bleu - expected)).toBeLessThanOrEqual(1e-12);
      }
    }
  });
});
