/**
 * METEOR as Hugging Face `evaluate`'s meteor metric computes it with nltk 3.10.3:
 * `meteor_score([word_tokenize(r) for r in refs], word_tokenize(pred), alpha=0.9, beta=3,
 * gamma=0.5)` — per reference `single_meteor_score`, the best reference wins.
 *
 * Alignment stages, each on what the previous left unmatched, hypothesis words walked from
 * last to first and each taking the LAST remaining equal reference word:
 *   1. exact (lower-cased) words;
 *   2. Porter stems (nltk NLTK_EXTENSIONS mode);
 *   3. WordNet 3.0 synonyms of the hypothesis word — which by now is the STEM (nltk passes
 *      the stemmed lists on), so e.g. big/large do not match.
 */
import { memoize } from "./memo.ts";
import { porterStem } from "./porter.ts";
import { pyLower } from "./python-text.ts";
import { type WordNet, getWordNet } from "./wordnet.ts";
import { wordTokenize } from "./word-tokenize.ts";

export interface MeteorOptions {
  /** Weight of precision vs recall in the harmonic mean. Default 0.9. */
  alpha?: number;
  /** Shape of the fragmentation penalty. Default 3. */
  beta?: number;
  /** Weight of the fragmentation penalty. Default 0.5. */
  gamma?: number;
  /** WordNet to use; default the shared lazily-loaded one. */
  wordnet?: WordNet;
}

export type WordPair = [hypothesisIndex: number, referenceIndex: number];

export interface MeteorAlignment {
  score: number;
  /** All matches sorted by hypothesis index. */
  matches: WordPair[];
  /** Matches per stage, in the order nltk finds them. */
  exact: WordPair[];
  stem: WordPair[];
  synonym: WordPair[];
  /** Number of chunks (0 when nothing matched). */
  chunks: number;
}

interface Enum {
  idx: number[];
  words: string[];
}

/** nltk `_match_enums` on parallel lists; returns matches and what is left of each side. */
function matchEnums(hyp: Enum, ref: Enum, out: WordPair[]): [Enum, Enum] {
  const refPositions = new Map<string, number[]>();
  for (let j = 0; j < ref.words.length; j++) {
    const list = refPositions.get(ref.words[j]);
    if (list) list.push(j);
    else refPositions.set(ref.words[j], [j]);
  }
  const hypMatched = new Uint8Array(hyp.words.length);
  const refMatched = new Uint8Array(ref.words.length);
  let any = false;
  for (let i = hyp.words.length - 1; i >= 0; i--) {
    const positions = refPositions.get(hyp.words[i]);
    if (positions && positions.length > 0) {
      const j = positions.pop() as number;
      hypMatched[i] = 1;
      refMatched[j] = 1;
      any = true;
      out.push([hyp.idx[i], ref.idx[j]]);
    }
  }
  if (!any) return [hyp, ref];
  return [filterEnum(hyp, hypMatched), filterEnum(ref, refMatched)];
}

function filterEnum(e: Enum, matched: Uint8Array): Enum {
  const idx: number[] = [];
  const words: string[] = [];
  for (let k = 0; k < e.words.length; k++) {
    if (!matched[k]) {
      idx.push(e.idx[k]);
      words.push(e.words[k]);
    }
  }
  return { idx, words };
}

function stemEnum(e: Enum): Enum {
  return { idx: e.idx, words: e.words.map(porterStem) };
}

/** nltk `_enum_wordnetsyn_match`. */
function matchSynonyms(hyp: Enum, ref: Enum, wordnet: () => WordNet, out: WordPair[]): void {
  if (hyp.words.length === 0 || ref.words.length === 0) return;
  const refPositions = new Map<string, number[]>();
  for (let j = 0; j < ref.words.length; j++) {
    const list = refPositions.get(ref.words[j]);
    if (list) list.push(j);
    else refPositions.set(ref.words[j], [j]);
  }
  const wn = wordnet();
  for (let i = hyp.words.length - 1; i >= 0; i--) {
    const syns = wn.synonyms(hyp.words[i]);
    // best_j = the highest remaining position among reference words in the synonym set
    let bestJ = -1;
    let bestList: number[] | null = null;
    for (const [word, positions] of refPositions) {
      if (positions.length > 0 && positions[positions.length - 1] > bestJ && syns.has(word)) {
        bestJ = positions[positions.length - 1];
        bestList = positions;
      }
    }
    if (bestList) {
      bestList.pop();
      out.push([hyp.idx[i], ref.idx[bestJ]]);
    }
  }
}

/** nltk `_count_chunks` (on matches sorted by hypothesis index). */
export function countChunks(matches: readonly WordPair[]): number {
  let i = 0;
  let chunks = 1;
  while (i < matches.length - 1) {
    if (matches[i + 1][0] === matches[i][0] + 1 && matches[i + 1][1] === matches[i][1] + 1) {
      i++;
      continue;
    }
    i++;
    chunks++;
  }
  return chunks;
}

function enumerate(tokens: readonly string[]): Enum {
  const idx = new Array<number>(tokens.length);
  const words = new Array<string>(tokens.length);
  for (let k = 0; k < tokens.length; k++) {
    idx[k] = k;
    words[k] = pyLower(tokens[k]);
  }
  return { idx, words };
}

/**
 * nltk `single_meteor_score(reference, hypothesis)` on pre-tokenized input, with the
 * alignment it found.
 */
export function meteorAlignment(
  referenceTokens: readonly string[],
  hypothesisTokens: readonly string[],
  options: MeteorOptions = {},
): MeteorAlignment {
  const alpha = options.alpha ?? 0.9;
  const beta = options.beta ?? 3;
  const gamma = options.gamma ?? 0.5;
  const wordnet = (): WordNet => options.wordnet ?? getWordNet();

  let hyp = enumerate(hypothesisTokens);
  let ref = enumerate(referenceTokens);
  const translationLength = hyp.words.length;
  const referenceLength = ref.words.length;

  const exact: WordPair[] = [];
  const stem: WordPair[] = [];
  const synonym: WordPair[] = [];
  if (translationLength > 0 && referenceLength > 0) {
    [hyp, ref] = matchEnums(hyp, ref, exact);
    if (hyp.words.length > 0 && ref.words.length > 0) {
      [hyp, ref] = matchEnums(stemEnum(hyp), stemEnum(ref), stem);
      matchSynonyms(hyp, ref, wordnet, synonym);
    }
  }
  const matches = [...exact, ...stem, ...synonym].sort((a, b) => a[0] - b[0]);
  const matchesCount = matches.length;
  if (matchesCount === 0 || translationLength === 0 || referenceLength === 0) {
    return { score: 0, matches, exact, stem, synonym, chunks: 0 };
  }
  const precision = matchesCount / translationLength;
  const recall = matchesCount / referenceLength;
  const fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall);
  const chunks = countChunks(matches);
  const fragFrac = chunks / matchesCount;
  const penalty = gamma * fragFrac ** beta;
  return { score: (1 - penalty) * fmean, matches, exact, stem, synonym, chunks };
}

/** nltk `single_meteor_score(reference, hypothesis)` on pre-tokenized input. */
export function singleMeteorScore(
  referenceTokens: readonly string[],
  hypothesisTokens: readonly string[],
  options: MeteorOptions = {},
): number {
  return meteorScorePrepared(prepareMeteorTokens(referenceTokens), prepareMeteorTokens(hypothesisTokens), options);
}

/** A tokenized sentence prepared for METEOR: lower-cased words and their Porter stems. */
export interface MeteorTokens {
  readonly lower: readonly string[];
  readonly stems: readonly string[];
}

/** Lower-case and stem pre-tokenized words once (reused across references and epochs). */
export function prepareMeteorTokens(tokens: readonly string[]): MeteorTokens {
  const lower = tokens.map(pyLower);
  return { lower, stems: lower.map(porterStem) };
}

let hypMatch = new Int32Array(64);
let refUsed = new Uint8Array(64);

/**
 * `single_meteor_score` on prepared tokens without building the alignment lists: the same
 * stages and choices as `meteorAlignment` (each hypothesis word, last to first, takes the
 * last unmatched reference word that qualifies), tracked with flags instead of filtered
 * copies. This is what the corpus functions use.
 */
export function meteorScorePrepared(ref: MeteorTokens, hyp: MeteorTokens, options: MeteorOptions = {}): number {
  const h = hyp.lower.length;
  const r = ref.lower.length;
  if (h === 0 || r === 0) return 0;
  if (hypMatch.length < h) hypMatch = new Int32Array(Math.max(h, hypMatch.length * 2));
  if (refUsed.length < r) refUsed = new Uint8Array(Math.max(r, refUsed.length * 2));
  const match = hypMatch;
  const used = refUsed;
  match.fill(-1, 0, h);
  used.fill(0, 0, r);
  let matched = 0;

  // 1. exact, 2. stems: the same walk on different word forms
  for (let stage = 0; stage < 2 && matched < h && matched < r; stage++) {
    const hw = stage === 0 ? hyp.lower : hyp.stems;
    const rw = stage === 0 ? ref.lower : ref.stems;
    for (let i = h - 1; i >= 0; i--) {
      if (match[i] >= 0) continue;
      const w = hw[i];
      for (let j = r - 1; j >= 0; j--) {
        if (!used[j] && rw[j] === w) {
          used[j] = 1;
          match[i] = j;
          matched++;
          break;
        }
      }
    }
  }
  // 3. WordNet synonyms of the (stemmed) hypothesis word
  if (matched < h && matched < r) {
    const wn = options.wordnet ?? getWordNet();
    for (let i = h - 1; i >= 0; i--) {
      if (match[i] >= 0) continue;
      const syns = wn.synonyms(hyp.stems[i]);
      for (let j = r - 1; j >= 0; j--) {
        if (!used[j] && syns.has(ref.stems[j])) {
          used[j] = 1;
          match[i] = j;
          matched++;
          break;
        }
      }
    }
  }
  if (matched === 0) return 0;

  // chunks over matches sorted by hypothesis index
  let chunks = 0;
  let prevI = -2;
  let prevJ = -2;
  for (let i = 0; i < h; i++) {
    const j = match[i];
    if (j < 0) continue;
    if (!(i === prevI + 1 && j === prevJ + 1)) chunks++;
    prevI = i;
    prevJ = j;
  }
  const alpha = options.alpha ?? 0.9;
  const beta = options.beta ?? 3;
  const gamma = options.gamma ?? 0.5;
  const precision = matched / h;
  const recall = matched / r;
  const fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall);
  const fragFrac = chunks / matched;
  const penalty = gamma * fragFrac ** beta;
  return (1 - penalty) * fmean;
}

/** nltk `meteor_score(references, hypothesis)` on prepared tokens: best reference, 0 if none. */
export function meteorScorePreparedMulti(
  refs: readonly MeteorTokens[],
  hyp: MeteorTokens,
  options: MeteorOptions = {},
): number {
  let best = 0;
  for (let k = 0; k < refs.length; k++) {
    const s = meteorScorePrepared(refs[k], hyp, options);
    if (k === 0 || s > best) best = s;
  }
  return best;
}

/** nltk `meteor_score(references, hypothesis)`: best over pre-tokenized references (0 if none). */
export function meteorScoreTokens(
  referencesTokens: ReadonlyArray<readonly string[]>,
  hypothesisTokens: readonly string[],
  options: MeteorOptions = {},
): number {
  return meteorScorePreparedMulti(
    referencesTokens.map(prepareMeteorTokens),
    prepareMeteorTokens(hypothesisTokens),
    options,
  );
}

/** `word_tokenize(text)` prepared for METEOR, memoised per text. */
export const meteorTokensOf: (text: string) => MeteorTokens = memoize((text: string) =>
  prepareMeteorTokens(wordTokenize(text)),
);

/**
 * METEOR of one prediction against its references, as `evaluate` computes it per case:
 * nltk `word_tokenize` on each side, best reference wins. No reference at all scores 0.
 */
export function meteor(prediction: string, references: readonly string[] | string, options: MeteorOptions = {}): number {
  const refs = typeof references === "string" ? [references] : references;
  return meteorScorePreparedMulti(
    refs.map((r) => meteorTokensOf(r ?? "")),
    meteorTokensOf(prediction ?? ""),
    options,
  );
}
