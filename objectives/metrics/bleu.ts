/**
 * Corpus BLEU exactly as Hugging Face `evaluate`'s bleu metric computes it: 13a tokens,
 * then tensorflow/nmt's `compute_bleu` (counts summed over the corpus, clipped by the
 * per-n-gram maximum over each case's references, uniform weights 1/maxOrder, no smoothing
 * by default, brevity penalty from the SHORTEST reference of each case).
 *
 * Where `compute_bleu` raises (the corpus has no prediction tokens, or the shortest
 * references add up to zero tokens) the score is defined as 0 and `undefinedReason` says why.
 */
import { tokenize13a } from "./tokenize-13a.ts";

export interface BleuOptions {
  /** Highest n-gram order (BLEU-n). Default 4. */
  maxOrder?: number;
  /** nmt's add-one smoothing of every precision. Default false (as `evaluate`). */
  smooth?: boolean;
  /** Tokenizer applied to predictions and references. Default `tokenize13a`. */
  tokenizer?: (text: string) => readonly string[];
}

export interface BleuResult {
  bleu: number;
  /** Modified n-gram precisions for orders 1..maxOrder. */
  precisions: number[];
  brevityPenalty: number;
  /** translationLength / referenceLength (Infinity when referenceLength is 0). */
  lengthRatio: number;
  translationLength: number;
  /** Sum over cases of the shortest reference length. */
  referenceLength: number;
  /** Set when the Python reference raises for this input and the score was defined as 0. */
  undefinedReason?: string;
}

/** Sufficient statistics of corpus BLEU up to some order (what `compute_bleu` accumulates). */
export interface BleuStats {
  maxOrder: number;
  matchesByOrder: number[];
  possibleMatchesByOrder: number[];
  translationLength: number;
  referenceLength: number;
}

/** Whether the n-grams of `order` at a[i] and b[k] are equal. */
function gramEq(a: readonly number[], i: number, b: readonly number[], k: number, order: number): boolean {
  for (let o = 0; o < order; o++) if (a[i + o] !== b[k + o]) return false;
  return true;
}

/**
 * Sum over the distinct n-grams of `order` in `trans` of min(count in trans, max count in
 * any reference) — nmt's `translation_ngram_counts & merged_ref_ngram_counts`.
 */
function clippedMatches(trans: readonly number[], refs: ReadonlyArray<readonly number[]>, order: number): number {
  const t = trans.length - order + 1;
  if (t <= 0) return 0;
  let refTotal = 0;
  for (const r of refs) refTotal += Math.max(0, r.length - order + 1);
  if (refTotal === 0) return 0;
  if (t * (t + refTotal) <= 4096) {
    // short sequences (captions): linear scans, no allocation
    let matches = 0;
    for (let i = 0; i < t; i++) {
      let seen = false;
      for (let k = 0; k < i; k++) {
        if (gramEq(trans, k, trans, i, order)) {
          seen = true;
          break;
        }
      }
      if (seen) continue;
      let c = 1;
      for (let k = i + 1; k < t; k++) if (gramEq(trans, k, trans, i, order)) c++;
      let best = 0;
      for (const r of refs) {
        let rc = 0;
        for (let k = 0; k + order <= r.length; k++) if (gramEq(r, k, trans, i, order)) rc++;
        if (rc > best) best = rc;
      }
      matches += c < best ? c : best;
    }
    return matches;
  }
  const key = (a: readonly number[], i: number): string => a.slice(i, i + order).join(",");
  const merged = new Map<string, number>();
  for (const r of refs) {
    const counts = new Map<string, number>();
    for (let k = 0; k + order <= r.length; k++) {
      const g = key(r, k);
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    for (const [g, c] of counts) if (c > (merged.get(g) ?? 0)) merged.set(g, c);
  }
  const transCounts = new Map<string, number>();
  for (let k = 0; k < t; k++) {
    const g = key(trans, k);
    transCounts.set(g, (transCounts.get(g) ?? 0) + 1);
  }
  let matches = 0;
  for (const [g, c] of transCounts) {
    const r = merged.get(g);
    if (r !== undefined) matches += c < r ? c : r;
  }
  return matches;
}

/** Accumulate nmt `compute_bleu`'s counts over a tokenized corpus. */
export function bleuStats(
  referenceCorpus: ReadonlyArray<ReadonlyArray<readonly string[]>>,
  translationCorpus: ReadonlyArray<readonly string[]>,
  maxOrder = 4,
): BleuStats {
  // Tokens become small integers so n-grams compare as numbers.
  const ids = new Map<string, number>();
  const toIds = (tokens: readonly string[]): number[] => {
    const out = new Array<number>(tokens.length);
    for (let k = 0; k < tokens.length; k++) {
      let id = ids.get(tokens[k]);
      if (id === undefined) {
        id = ids.size;
        ids.set(tokens[k], id);
      }
      out[k] = id;
    }
    return out;
  };
  const n = Math.min(referenceCorpus.length, translationCorpus.length);
  const refIds: number[][][] = new Array(n);
  const transIds: number[][] = new Array(n);
  for (let c = 0; c < n; c++) {
    refIds[c] = referenceCorpus[c].map(toIds);
    transIds[c] = toIds(translationCorpus[c]);
  }
  return bleuStatsFromIds(refIds, transIds, maxOrder);
}

/**
 * `bleuStats` on token ids (equal tokens, equal ids — e.g. from one interner shared by
 * the whole corpus).
 */
export function bleuStatsFromIds(
  referenceCorpus: ReadonlyArray<ReadonlyArray<readonly number[]>>,
  translationCorpus: ReadonlyArray<readonly number[]>,
  maxOrder = 4,
): BleuStats {
  const matchesByOrder = new Array<number>(maxOrder).fill(0);
  const possibleByOrder = new Array<number>(maxOrder).fill(0);
  let referenceLength = 0;
  let translationLength = 0;
  const n = Math.min(referenceCorpus.length, translationCorpus.length);
  for (let c = 0; c < n; c++) {
    const references = referenceCorpus[c];
    const translation = translationCorpus[c];
    let shortest = references.length === 0 ? 0 : Infinity;
    for (const r of references) if (r.length < shortest) shortest = r.length;
    referenceLength += shortest;
    translationLength += translation.length;
    for (let order = 1; order <= maxOrder; order++) {
      const possible = translation.length - order + 1;
      if (possible > 0) possibleByOrder[order - 1] += possible;
    }
    if (translation.length === 0 || references.length === 0) continue;
    for (let order = 1; order <= maxOrder && order <= translation.length; order++) {
      matchesByOrder[order - 1] += clippedMatches(translation, references, order);
    }
  }
  return { maxOrder, matchesByOrder, possibleMatchesByOrder: possibleByOrder, translationLength, referenceLength };
}

/** BLEU-`order` (order <= stats.maxOrder) from accumulated counts, as `compute_bleu` ends. */
export function bleuFromStats(stats: BleuStats, order = stats.maxOrder, smooth = false): BleuResult {
  if (order > stats.maxOrder) throw new RangeError(`stats go up to order ${stats.maxOrder}, not ${order}`);
  const { translationLength, referenceLength } = stats;
  const precisions = new Array<number>(order).fill(0);
  for (let i = 0; i < order; i++) {
    const m = stats.matchesByOrder[i];
    const p = stats.possibleMatchesByOrder[i];
    if (smooth) precisions[i] = (m + 1) / (p + 1);
    else precisions[i] = p > 0 ? m / p : 0;
  }

  let geoMean = 0;
  if (Math.min(...precisions) > 0) {
    // Python: sum((1. / max_order) * math.log(p) for p in precisions), starting from 0
    let pLogSum = 0;
    for (const p of precisions) pLogSum += (1 / order) * Math.log(p);
    geoMean = Math.exp(pLogSum);
  }

  if (referenceLength === 0) {
    return {
      bleu: 0,
      precisions,
      brevityPenalty: 0,
      lengthRatio: translationLength === 0 ? 0 : Infinity,
      translationLength,
      referenceLength,
      undefinedReason:
        "the references have no tokens (the shortest reference of each case is empty): the reference implementation divides by zero",
    };
  }
  const ratio = translationLength / referenceLength;
  if (translationLength === 0) {
    return {
      bleu: 0,
      precisions,
      brevityPenalty: 0,
      lengthRatio: 0,
      translationLength,
      referenceLength,
      undefinedReason: "the predictions have no tokens: the reference implementation divides by zero",
    };
  }
  const bp = ratio > 1.0 ? 1.0 : Math.exp(1 - 1 / ratio);
  return { bleu: geoMean * bp, precisions, brevityPenalty: bp, lengthRatio: ratio, translationLength, referenceLength };
}

/** Tokenized corpus BLEU (nmt `compute_bleu`). */
export function computeBleuFromTokens(
  referenceCorpus: ReadonlyArray<ReadonlyArray<readonly string[]>>,
  translationCorpus: ReadonlyArray<readonly string[]>,
  maxOrder = 4,
  smooth = false,
): BleuResult {
  return bleuFromStats(bleuStats(referenceCorpus, translationCorpus, maxOrder), maxOrder, smooth);
}

/**
 * `evaluate.load("bleu").compute(predictions, references, max_order)`: corpus BLEU over
 * all cases. `references[i]` holds the references of `predictions[i]` (a plain string is
 * taken as a single reference). Use a one-element corpus for a per-case score.
 */
export function corpusBleu(
  predictions: readonly string[],
  references: ReadonlyArray<readonly string[] | string>,
  options: BleuOptions = {},
): BleuResult {
  const maxOrder = options.maxOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new RangeError(`maxOrder must be a positive integer, got ${maxOrder}`);
  if (predictions.length !== references.length) {
    throw new RangeError(`corpusBleu: ${predictions.length} predictions but ${references.length} reference lists`);
  }
  const tokenize = options.tokenizer ?? tokenize13a;
  const refTokens = references.map((refs) => (typeof refs === "string" ? [refs] : refs).map((r) => tokenize(r ?? "")));
  const predTokens = predictions.map((p) => tokenize(p ?? ""));
  return computeBleuFromTokens(refTokens, predTokens, maxOrder, options.smooth ?? false);
}
