/**
 * `computeCaptionMetrics`: BLEU-1, BLEU-2, ROUGE-L and METEOR of a caption corpus with the
 * semantics of Hugging Face `evaluate` (the numbers the Python study reported):
 *   - bleu1/bleu2: corpus BLEU (`evaluate` bleu, max_order 1 and 2);
 *   - rougeL: mean over cases of the best-reference ROUGE-L F (evaluate's default
 *     aggregate is an unseeded bootstrap median; the mean is its deterministic centre);
 *   - meteor: mean over cases of the best-reference nltk METEOR (`evaluate` meteor).
 *
 * Never throws on content: empty or whitespace-only predictions/references, cases without
 * references and corpora the Python code would divide by zero on all get defined scores
 * (0 where the reference implementation has none) and are counted in `warnings`.
 */
import { type BleuResult, bleuFromStats, bleuStatsFromIds } from "./bleu.ts";
import { clearMetricCaches, memoize, registerCache } from "./memo.ts";
import { type MeteorOptions, type MeteorTokens, meteorScorePrepared, prepareMeteorTokens } from "./meteor.ts";
import { numpyMean } from "./numpy-mean.ts";
import { isBlank } from "./python-text.ts";
import { rougeTokenize, scoreLcs } from "./rouge.ts";
import { getPunktParameters } from "./punkt.ts";
import { tokenize13a } from "./tokenize-13a.ts";
import { wordTokenize } from "./word-tokenize.ts";

export interface CaptionMetricWarnings {
  /** Total number of flagged items below; 0 means every score is the reference's own. */
  count: number;
  /** Predictions that are empty or whitespace-only (Python `str.isspace` whitespace). */
  emptyPredictions: number;
  /** Individual reference strings that are empty or whitespace-only. */
  emptyReferences: number;
  /** Cases given no reference at all (scored 0; the Python reference raises). */
  casesWithoutReferences: number;
  /** Metric values defined as 0 because the Python reference raises (e.g. corpus BLEU with no tokens). */
  undefinedScores: number;
  /** Human-readable descriptions (the first 20, then a summary line). */
  messages: string[];
}

export interface CaptionMetrics {
  bleu1: number;
  bleu2: number;
  rougeL: number;
  meteor: number;
  /** Number of prediction/reference cases scored. */
  cases: number;
  /** Corpus BLEU details (precisions, brevity penalty, lengths) for orders 1 and 2. */
  bleu1Detail: BleuResult;
  bleu2Detail: BleuResult;
  /** Per-case ROUGE-L F and METEOR, when `perCase: true`. */
  perCase?: { rougeL: number[]; meteor: number[] };
  warnings: CaptionMetricWarnings;
}

export interface CaptionMetricsOptions {
  /** METEOR parameters (alpha/beta/gamma, WordNet). */
  meteor?: MeteorOptions;
  /** Also return per-case ROUGE-L and METEOR. */
  perCase?: boolean;
  /** Called once per warning message (e.g. a logger). */
  onWarning?: (message: string) => void;
}

const MAX_MESSAGES = 20;

interface AnalysedText {
  /** 13a tokens as ids of `tokenIds` (BLEU compares n-grams of numbers). */
  bleu: number[];
  rouge: string[];
  meteor: MeteorTokens;
}

// One interner for 13a tokens, shared by every memoised text; reset together with the memo.
let tokenIds = new Map<string, number>();
const TOKEN_ID_LIMIT = 2_000_000;

function internTokens(tokens: readonly string[]): number[] {
  const out = new Array<number>(tokens.length);
  for (let k = 0; k < tokens.length; k++) {
    let id = tokenIds.get(tokens[k]);
    if (id === undefined) {
      id = tokenIds.size;
      tokenIds.set(tokens[k], id);
    }
    out[k] = id;
  }
  return out;
}

/** Every tokenization one caption needs, memoised together (one lookup per text). */
const analyse = memoize(
  (text: string): AnalysedText => ({
    bleu: internTokens(tokenize13a(text)),
    rouge: rougeTokenize(text),
    meteor: prepareMeteorTokens(wordTokenize(text, getPunktParameters())),
  }),
);
registerCache(() => {
  tokenIds = new Map();
});

class WarningLog {
  readonly w: CaptionMetricWarnings = {
    count: 0,
    emptyPredictions: 0,
    emptyReferences: 0,
    casesWithoutReferences: 0,
    undefinedScores: 0,
    messages: [],
  };
  private dropped = 0;
  constructor(private readonly onWarning?: (message: string) => void) {}

  add(kind: Exclude<keyof CaptionMetricWarnings, "count" | "messages">, message: string): void {
    this.w[kind]++;
    this.w.count++;
    if (this.w.messages.length < MAX_MESSAGES) this.w.messages.push(message);
    else this.dropped++;
    this.onWarning?.(message);
  }

  finish(): CaptionMetricWarnings {
    if (this.dropped > 0) this.w.messages.push(`... and ${this.dropped} more warnings`);
    return this.w;
  }
}

function asText(value: unknown): string {
  return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
}

/** A case's references as given: a string[] (or a single string, or nothing). */
export type CaptionReferences = readonly string[] | string;

function normaliseReferences(refs: CaptionReferences | null | undefined): string[] {
  if (refs === null || refs === undefined) return [];
  if (typeof refs === "string") return [refs];
  return Array.from(refs, asText);
}

/**
 * Score a corpus of captions. `references[i]` holds the reference captions of
 * `predictions[i]` (one or more). Throws only for a programming error: lists of different
 * lengths.
 */
export function computeCaptionMetrics(
  predictions: readonly string[],
  references: ReadonlyArray<CaptionReferences>,
  options: CaptionMetricsOptions = {},
): CaptionMetrics {
  if (predictions.length !== references.length) {
    throw new RangeError(
      `computeCaptionMetrics: ${predictions.length} predictions but ${references.length} reference lists`,
    );
  }
  const log = new WarningLog(options.onWarning);
  const n = predictions.length;
  const preds = Array.from(predictions, asText);
  const refs = Array.from(references, normaliseReferences);

  for (let i = 0; i < n; i++) {
    if (isBlank(preds[i])) log.add("emptyPredictions", `case ${i}: the prediction is empty or whitespace only`);
    if (refs[i].length === 0) {
      log.add("casesWithoutReferences", `case ${i}: no reference; its ROUGE-L and METEOR are 0 and it adds no reference length to BLEU`);
    }
    for (let k = 0; k < refs[i].length; k++) {
      if (isBlank(refs[i][k])) log.add("emptyReferences", `case ${i}: reference ${k} is empty or whitespace only`);
    }
  }

  // Ids must come from one interner for the whole call: start afresh between calls only.
  if (tokenIds.size > TOKEN_ID_LIMIT) clearMetricCaches();
  const predA = preds.map(analyse);
  const refA = refs.map((rs) => rs.map(analyse));

  // BLEU-1 and BLEU-2 from one pass of n-gram counting.
  const stats = bleuStatsFromIds(
    refA.map((rs) => rs.map((a) => a.bleu)),
    predA.map((a) => a.bleu),
    2,
  );
  const bleu1Detail = bleuFromStats(stats, 1);
  const bleu2Detail = bleuFromStats(stats, 2);
  if (n > 0) {
    if (bleu1Detail.undefinedReason) log.add("undefinedScores", `BLEU-1 is defined as 0: ${bleu1Detail.undefinedReason}`);
    if (bleu2Detail.undefinedReason) log.add("undefinedScores", `BLEU-2 is defined as 0: ${bleu2Detail.undefinedReason}`);
  }

  // ROUGE-L and METEOR per case.
  const rougePerCase = new Array<number>(n);
  const meteorPerCase = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const p = predA[i];
    const rs = refA[i];
    let bestF = 0;
    let bestMeteor = 0;
    for (let k = 0; k < rs.length; k++) {
      const f = scoreLcs(rs[k].rouge, p.rouge).fmeasure;
      if (k === 0 || f > bestF) bestF = f;
      const m = meteorScorePrepared(rs[k].meteor, p.meteor, options.meteor);
      if (k === 0 || m > bestMeteor) bestMeteor = m;
    }
    rougePerCase[i] = bestF;
    meteorPerCase[i] = bestMeteor;
  }

  if (n === 0) log.add("undefinedScores", "no cases to score: every metric is defined as 0");

  const result: CaptionMetrics = {
    bleu1: bleu1Detail.bleu,
    bleu2: bleu2Detail.bleu,
    rougeL: numpyMean(rougePerCase),
    meteor: numpyMean(meteorPerCase),
    cases: n,
    bleu1Detail,
    bleu2Detail,
    warnings: log.finish(),
  };
  if (options.perCase) result.perCase = { rougeL: rougePerCase, meteor: meteorPerCase };
  return result;
}

/**
 * A scorer bound to fixed references (e.g. a validation split scored every epoch): the
 * references are checked and tokenized once, then `score(predictions)` only tokenizes the
 * predictions. Same numbers as `computeCaptionMetrics(predictions, references)`.
 */
export function createCaptionScorer(
  references: ReadonlyArray<CaptionReferences>,
  options: CaptionMetricsOptions = {},
): (predictions: readonly string[]) => CaptionMetrics {
  const refs = Array.from(references, normaliseReferences);
  // Tokenize the references now (the scorer's saving on every later call).
  for (const rs of refs) for (const r of rs) analyse(r);
  return (predictions) => computeCaptionMetrics(predictions, refs, options);
}
