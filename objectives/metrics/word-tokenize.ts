/**
 * nltk 3.10.3's `word_tokenize` (English, preserve_line=False): Punkt sentence splitting
 * followed by `NLTKWordTokenizer` (the improved Treebank tokenizer) on each sentence.
 * Every regex below is the nltk one with Python's Unicode `\s`, `\w`, `\d`, `\b` and `$`
 * spelled out (see python-text.ts), applied in nltk's order.
 */
import { registerCache } from "./memo.ts";
import { PY_B, PY_D, PY_END, PY_S, PY_W, PY_WS, pyRstrip, pySplit } from "./python-text.ts";
import { type PunktParameters, getPunktParameters, punktParametersVersion, sentTokenize } from "./punkt.ts";

type Rule = readonly [RegExp, string];

const rx = (source: string, flags = "gu"): RegExp => new RegExp(source, flags);

const STARTING_QUOTES: Rule[] = [
  [rx("([«“‘„]|[`]+)"), " $1 "],
  [rx('^"', "u"), "``"],
  [rx("(``)"), " $1 "],
  [rx("([ (\\[{<])(\"|'{2})"), "$1 `` "],
  // (?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)
  [rx(`(?<!${PY_W})(')(?!(?:re|ve|ll|m|t|s|d|n)${PY_B})(?=${PY_W})`, "giu"), "$1 "],
];

const ENDING_QUOTES: Rule[] = [
  [rx("([»”’])"), " $1 "],
  [rx("''"), " '' "],
  [rx('"'), " '' "],
  [rx(`${PY_S}+`), " "],
  [rx("([^' ])('[sS]|'[mM]|'[dD]|') "), "$1 $2 "],
  [rx("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), "$1 $2 "],
];

const PUNCTUATION: Rule[] = [
  [rx(`([^.])(\\.)([\\])}>"'»”’ ]*)${PY_S}*${PY_END}`), "$1 $2 $3 "],
  [rx(`([:,])([^${PY_D}])`), " $1 $2"],
  [rx(`([:,])${PY_END}`), " $1 "],
  [rx("\\.{2,}"), " $& "],
  [rx("[;@#$%&]"), " $& "],
  [rx("[\\u2012-\\u2015]"), " $& "],
  [rx(`([^.])(\\.)([\\])}>"']*)${PY_S}*${PY_END}`), "$1 $2$3 "],
  [rx("[?!]"), " $& "],
  [rx("([^'])' "), "$1 ' "],
  [rx("[*]"), " $& "],
];

const PARENS_BRACKETS: Rule = [rx("[\\]\\[(){}<>]"), " $& "];
const DOUBLE_DASHES: Rule = [rx("--"), " -- "];

const NW_AHEAD = `(?!${PY_W})`; // \b after a word character
const NW_BEHIND = `(?<!${PY_W})`; // \b before a word character

const CONTRACTIONS2: RegExp[] = [
  rx(`${NW_BEHIND}(can)(not)${NW_AHEAD}`, "giu"),
  rx(`${NW_BEHIND}(d)('ye)${NW_AHEAD}`, "giu"),
  rx(`${NW_BEHIND}(gim)(me)${NW_AHEAD}`, "giu"),
  rx(`${NW_BEHIND}(gon)(na)${NW_AHEAD}`, "giu"),
  rx(`${NW_BEHIND}(got)(ta)${NW_AHEAD}`, "giu"),
  rx(`${NW_BEHIND}(lem)(me)${NW_AHEAD}`, "giu"),
  rx(`${NW_BEHIND}(more)('n)${NW_AHEAD}`, "giu"),
  rx(`${NW_BEHIND}(wan)(na)(?=[${PY_WS}])`, "giu"),
];
const CONTRACTIONS3: RegExp[] = [rx(` ('t)(is)${NW_AHEAD}`, "giu"), rx(` ('t)(was)${NW_AHEAD}`, "giu")];

const SENTENCE_END = /[.?!]/;

/** nltk `word_tokenize` without the cache. */
function wordTokenizeUncached(text: string, params: PunktParameters): string[] {
  // Without . ? ! Punkt finds no boundary: the one sentence is the text, right-stripped.
  if (!SENTENCE_END.test(text)) return treebankWordTokenize(pyRstrip(text));
  return sentTokenize(text, params).flatMap((s) => treebankWordTokenize(s));
}

function applyRules(text: string, rules: readonly Rule[]): string {
  for (const [re, sub] of rules) text = text.replace(re, sub);
  return text;
}

// Text made only of letters, digits, spaces and single hyphens triggers none of the rules
// above except the contractions (cannot, gimme, gonna, gotta, lemme, wanna) and the
// whitespace collapse, so it tokenizes to its whitespace-separated words.
const PLAIN_TEXT = /^[\p{L}\p{N} -]*$/u;
const PLAIN_CONTRACTION = /cannot|gimme|gonna|gotta|lemme|wanna|--/iu;

/**
 * `NLTKWordTokenizer().tokenize(text)` — the Treebank-style tokenizer on text that is
 * already one sentence (no Punkt step).
 */
export function treebankWordTokenize(text: string): string[] {
  if (PLAIN_TEXT.test(text) && !PLAIN_CONTRACTION.test(text)) return pySplit(text);
  text = applyRules(text, STARTING_QUOTES);
  text = applyRules(text, PUNCTUATION);
  text = text.replace(PARENS_BRACKETS[0], PARENS_BRACKETS[1]);
  text = text.replace(DOUBLE_DASHES[0], DOUBLE_DASHES[1]);
  text = ` ${text} `;
  text = applyRules(text, ENDING_QUOTES);
  for (const re of CONTRACTIONS2) text = text.replace(re, " $1 $2 ");
  for (const re of CONTRACTIONS3) text = text.replace(re, " $1 $2 ");
  return pySplit(text);
}

// Tokenization results are memoised: captions and references repeat across epochs. The cache
// is bounded (cleared when full) and keyed on the Punkt parameters in force.
const CACHE_LIMIT = 200_000;
let cache = new Map<string, readonly string[]>();
let cacheVersion = -1;
registerCache(() => {
  cache = new Map();
});

/**
 * nltk's `word_tokenize(text)`: sentences by Punkt, then `NLTKWordTokenizer` on each.
 * The returned array is shared with the cache when `params` is omitted: do not mutate it.
 */
export function wordTokenize(text: string, params?: PunktParameters): readonly string[] {
  if (params) return wordTokenizeUncached(text, params);
  const version = punktParametersVersion();
  if (version !== cacheVersion) {
    cache = new Map();
    cacheVersion = version;
  }
  let tokens = cache.get(text);
  if (tokens === undefined) {
    tokens = Object.freeze(wordTokenizeUncached(text, getPunktParameters()));
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, tokens);
  }
  return tokens;
}
