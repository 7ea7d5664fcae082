/**
 * The golden vectors of tests/fixtures/golden (Python references: HF evaluate bleu/rouge/meteor,
 * tensorflow/nmt compute_bleu, nltk 3.10.3 with WordNet 3.0): every case and corpus, every
 * stem, every WordNet synonym set and morphy result.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type BleuResult,
  computeCaptionMetrics,
  corpusBleu,
  getWordNet,
  meteor,
  meteorAlignment,
  porterStem,
  rougeL,
  rougeTokenize,
  tokenize13a,
  wordTokenize,
} from "hpo/metrics";

const GOLDEN_DIR = fileURLToPath(new URL("../fixtures/golden/", import.meta.url));
const TOL = 1e-9;

function load<T>(name: string): T {
  const path = `${GOLDEN_DIR}${name}`;
  if (!existsSync(path)) throw new Error(`golden file missing: ${path} (tests/fixtures/golden is part of the repository)`);
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

interface BleuDetail {
  bleu?: number;
  precisions?: number[];
  brevity_penalty?: number;
  length_ratio?: number;
  translation_length?: number;
  reference_length?: number;
  error?: string;
}

interface GoldenCase {
  id: string;
  prediction: string;
  references: string[];
  tags: string[];
  tokens: {
    bleu_13a: { prediction: string[]; references: string[][] };
    rouge_default: { prediction: string[]; references: string[][] };
    meteor_word_tokenize: { prediction: string[]; references: string[][] };
  };
  bleu1: number | null;
  bleu2: number | null;
  bleu4: number | null;
  bleu_detail: Record<string, BleuDetail>;
  rougeL_f: number;
  rougeL_detail: { precision: number; recall: number; fmeasure: number };
  meteor: number;
  meteor_nltk38: number;
  meteor_detail: {
    per_reference: Array<{
      ref_tokens: string[];
      score: number;
      matches: number[][];
      exact: number[][];
      stem: number[][];
      synonym: number[][];
      chunks?: number;
    }>;
  };
}

interface GoldenCorpus {
  name: string;
  case_ids: string[];
  bleu1: number | null;
  bleu2?: number | null;
  bleu4?: number | null;
  bleu_detail?: Record<string, BleuDetail>;
  rougeL_mean_f?: number;
  meteor_mean?: number;
}

interface Golden {
  cases: GoldenCase[];
  corpora: GoldenCorpus[];
  porter_nltk_extensions: Record<string, string>;
  wordnet_synonyms: Record<string, string[]>;
  wordnet_morphy: Record<string, Record<"n" | "v" | "a" | "r", string[]>>;
}

const golden = load<Golden>("caption-metrics.json");
const stems = load<{ stems: Record<string, string> }>("porter-nltk-stems.json").stems;
const byId = new Map(golden.cases.map((c) => [c.id, c]));

function expectBleu(actual: BleuResult, expected: BleuDetail, label: string): void {
  if (expected.error) {
    expect(actual.bleu, label).toBe(0);
    expect(actual.undefinedReason, label).toBeTruthy();
    return;
  }
  expect(actual.undefinedReason, label).toBeUndefined();
  expect(actual.bleu, label).toBeCloseTo(expected.bleu as number, 9);
  expect(Math.abs(actual.bleu - (expected.bleu as number)), label).toBeLessThanOrEqual(TOL);
  expect(actual.precisions.length, label).toBe(expected.precisions?.length);
  actual.precisions.forEach((p, i) => expect(Math.abs(p - (expected.precisions as number[])[i]), label).toBeLessThanOrEqual(TOL));
  expect(Math.abs(actual.brevityPenalty - (expected.brevity_penalty as number)), label).toBeLessThanOrEqual(TOL);
  expect(Math.abs(actual.lengthRatio - (expected.length_ratio as number)), label).toBeLessThanOrEqual(TOL);
  expect(actual.translationLength, label).toBe(expected.translation_length);
  expect(actual.referenceLength, label).toBe(expected.reference_length);
}

describe("golden cases", () => {
  it("has the public cases", () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(48);
  });

  for (const c of golden.cases) {
    describe(c.id, () => {
      it("tokenizes like 13a, rouge_score and nltk word_tokenize", () => {
        expect(tokenize13a(c.prediction)).toEqual(c.tokens.bleu_13a.prediction);
        expect(c.references.map(tokenize13a)).toEqual(c.tokens.bleu_13a.references);
        expect(rougeTokenize(c.prediction)).toEqual(c.tokens.rouge_default.prediction);
        expect(c.references.map(rougeTokenize)).toEqual(c.tokens.rouge_default.references);
        expect(wordTokenize(c.prediction)).toEqual(c.tokens.meteor_word_tokenize.prediction);
        expect(c.references.map((r) => wordTokenize(r))).toEqual(c.tokens.meteor_word_tokenize.references);
      });

      it("BLEU-1/2/4 (one-case corpus) with precisions, brevity penalty and lengths", () => {
        for (const order of [1, 2, 4]) {
          const expected = c.bleu_detail[`max_order_${order}`];
          expectBleu(corpusBleu([c.prediction], [c.references], { maxOrder: order }), expected, `${c.id} BLEU-${order}`);
        }
        expect(c.bleu1 === null).toBe(c.bleu_detail.max_order_1.error !== undefined);
      });

      it("ROUGE-L", () => {
        const r = rougeL(c.prediction, c.references);
        expect(Math.abs(r.fmeasure - c.rougeL_f)).toBeLessThanOrEqual(TOL);
        expect(Math.abs(r.precision - c.rougeL_detail.precision)).toBeLessThanOrEqual(TOL);
        expect(Math.abs(r.recall - c.rougeL_detail.recall)).toBeLessThanOrEqual(TOL);
      });

      it("METEOR equals nltk 3.10.3, alignment included", () => {
        expect(Math.abs(meteor(c.prediction, c.references) - c.meteor)).toBeLessThanOrEqual(TOL);
        const hyp = c.tokens.meteor_word_tokenize.prediction;
        c.meteor_detail.per_reference.forEach((ref, k) => {
          const a = meteorAlignment(ref.ref_tokens, hyp);
          expect(Math.abs(a.score - ref.score), `reference ${k}`).toBeLessThanOrEqual(TOL);
          expect(a.matches).toEqual(ref.matches);
          expect(a.exact).toEqual(ref.exact);
          expect(a.stem).toEqual(ref.stem);
          expect(a.synonym).toEqual(ref.synonym);
          if (ref.chunks !== undefined) expect(a.chunks).toBe(ref.chunks);
        });
      });
    });
  }
});

describe("golden corpora", () => {
  for (const corpus of golden.corpora) {
    it(corpus.name, () => {
      const cases = corpus.case_ids.map((id) => {
        const c = byId.get(id);
        if (!c) throw new Error(`unknown case ${id}`);
        return c;
      });
      const predictions = cases.map((c) => c.prediction);
      const references = cases.map((c) => c.references);
      for (const order of [1, 2, 4]) {
        const expected = corpus.bleu_detail?.[`max_order_${order}`];
        const key = `bleu${order}` as "bleu1" | "bleu2" | "bleu4";
        if (expected) expectBleu(corpusBleu(predictions, references, { maxOrder: order }), expected, `${corpus.name} BLEU-${order}`);
        else if (corpus[key] !== undefined && corpus[key] !== null) {
          const r = corpusBleu(predictions, references, { maxOrder: order });
          expect(Math.abs(r.bleu - (corpus[key] as number))).toBeLessThanOrEqual(TOL);
        }
      }
      const m = computeCaptionMetrics(predictions, references);
      if (corpus.bleu1 === null) {
        // the Python reference raises: defined as 0, with a warning
        expect(m.bleu1).toBe(0);
        expect(m.bleu2).toBe(0);
        expect(m.warnings.undefinedScores).toBeGreaterThan(0);
      } else {
        expect(Math.abs(m.bleu1 - corpus.bleu1)).toBeLessThanOrEqual(TOL);
        if (typeof corpus.bleu2 === "number") expect(Math.abs(m.bleu2 - corpus.bleu2)).toBeLessThanOrEqual(TOL);
      }
      if (corpus.rougeL_mean_f !== undefined) expect(Math.abs(m.rougeL - corpus.rougeL_mean_f)).toBeLessThanOrEqual(TOL);
      if (corpus.meteor_mean !== undefined) expect(Math.abs(m.meteor - corpus.meteor_mean)).toBeLessThanOrEqual(TOL);
    });
  }
});

describe("nltk Porter stemmer (NLTK_EXTENSIONS)", () => {
  it(`matches every entry of porter-nltk-stems.json (${Object.keys(stems).length} words)`, () => {
    const wrong = Object.entries(stems).filter(([w, s]) => porterStem(w) !== s);
    expect(wrong).toEqual([]);
  });

  it("matches the golden file's own stem table", () => {
    const wrong = Object.entries(golden.porter_nltk_extensions).filter(([w, s]) => porterStem(w) !== s);
    expect(wrong).toEqual([]);
  });
});

describe("WordNet 3.0 (the pack hpo ships)", () => {
  it("synonym sets equal nltk's (lemma names without '_' of every synset, plus the word)", () => {
    const wn = getWordNet();
    const wrong = Object.entries(golden.wordnet_synonyms).filter(
      ([w, syns]) => JSON.stringify([...wn.synonyms(w)].sort()) !== JSON.stringify([...syns].sort()),
    );
    expect(wrong).toEqual([]);
  });

  it("morphy equals nltk 3.10.3 _morphy per part of speech (exception lists included)", () => {
    const wn = getWordNet();
    for (const [w, perPos] of Object.entries(golden.wordnet_morphy)) {
      for (const pos of ["n", "v", "a", "r"] as const) expect(wn.morphy(w, pos), `${w}/${pos}`).toEqual(perPos[pos]);
    }
  });
});
