/**
 * Punkt sentence splitting as nltk 3.10.3's `sent_tokenize` runs it (PunktTokenizer with
 * the `punkt_tab/english` parameters), tokenize-only: no training. `wordTokenize` needs it
 * because nltk splits sentences before word tokenization, which decides whether a period
 * inside a caption stays on its word ("St.") or becomes its own token ("hot" ".").
 *
 * The decision logic, token regexes and boundary realignment are ported line by line from
 * nltk/tokenize/punkt.py (3.10.3). What is NOT bundled is nltk_data's trained English model
 * (its full abbreviation list, collocations, sentence starters, orthographic context);
 * `ENGLISH_PUNKT_PARAMETERS` carries a short list of common English abbreviations instead
 * (see docs/metrics.md). For exact parity on arbitrary text, load a real model directory
 * with `loadPunktParameters` and pass it to `setPunktParameters` (or to `wordTokenize`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { clearMetricCaches } from "./memo.ts";
import {
  PY_D,
  PY_NS,
  PY_S,
  PY_W_CLASS,
  firstIsLower,
  firstIsUpper,
  pyLower,
  pyRstrip,
  pyStrip,
} from "./python-text.ts";

export interface PunktParameters {
  /** Lower-cased abbreviation types without their final period ("st", "u.s"). */
  readonly abbrevTypes: ReadonlySet<string>;
  /** Known collocations `typ + " " + nextTyp` where the first word ends in a period. */
  readonly collocations: ReadonlySet<string>;
  /** Types that frequently start a sentence. */
  readonly sentStarters: ReadonlySet<string>;
  /** Orthographic context flags per type (missing = 0, as nltk's defaultdict(int)). */
  readonly orthoContext: ReadonlyMap<string, number>;
}

/**
 * Common English abbreviations (a small hand-written subset of the kinds nltk's English
 * model knows: titles, street/company words, months, days, units, dotted initialisms).
 * Collocations, sentence starters and orthographic context are left empty — the golden
 * vectors were themselves produced with an empty orthographic context.
 */
const ENGLISH_ABBREVIATIONS = [
  // titles and ranks
  "mr", "mrs", "ms", "dr", "prof", "jr", "sr", "messrs", "gen", "col", "lt", "maj", "adm",
  "sen", "rep", "reps",
  // places, companies
  "st", "ave", "co", "corp", "inc", "ltd", "bros", "cie",
  // months and days
  "jan", "feb", "aug", "sep", "sept", "oct", "nov", "dec", "wed", "tues", "fri",
  // misc
  "vs", "mg", "ft", "ok", "a.m", "p.m", "ph.d", "u.s", "u.k", "u.n", "d.c",
];

export const ENGLISH_PUNKT_PARAMETERS: PunktParameters = Object.freeze({
  abbrevTypes: new Set(ENGLISH_ABBREVIATIONS),
  collocations: new Set<string>(),
  sentStarters: new Set<string>(),
  orthoContext: new Map<string, number>(),
});

/** Empty parameters: every period-final word is a sentence break unless it is an initial. */
export const EMPTY_PUNKT_PARAMETERS: PunktParameters = Object.freeze({
  abbrevTypes: new Set<string>(),
  collocations: new Set<string>(),
  sentStarters: new Set<string>(),
  orthoContext: new Map<string, number>(),
});

let defaultParameters: PunktParameters = ENGLISH_PUNKT_PARAMETERS;
let parametersVersion = 0;

/** Parameters `sentTokenize`/`wordTokenize` use when none are passed. */
export function getPunktParameters(): PunktParameters {
  return defaultParameters;
}

/** Replace the default parameters (e.g. with `loadPunktParameters(dir)`); clears caches. */
export function setPunktParameters(params: PunktParameters | null): void {
  defaultParameters = params ?? ENGLISH_PUNKT_PARAMETERS;
  parametersVersion++;
  clearMetricCaches(); // memoised tokens depend on the parameters
}

/** Bumped whenever the default parameters change (tokenizer caches key on it). */
export function punktParametersVersion(): number {
  return parametersVersion;
}

/** nltk.tabdata: lines of a text file read in universal-newline mode, final "\n" removed. */
function readLines(path: string): string[] {
  const text = readFileSync(path, "utf8").replace(/\r\n?/g, "\n");
  if (text === "") return [];
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  return lines;
}

/**
 * Load a Punkt model in nltk_data's `punkt_tab/<language>/` format (abbrev_types.txt,
 * collocations.tab, sent_starters.txt, ortho_context.tab), as `load_punkt_params` does.
 * A missing ortho_context.tab is read as empty.
 */
export function loadPunktParameters(dir: string): PunktParameters {
  const abbrevTypes = new Set(readLines(join(dir, "abbrev_types.txt")));
  const sentStarters = new Set(readLines(join(dir, "sent_starters.txt")));
  const collocations = new Set<string>();
  for (const line of readLines(join(dir, "collocations.tab"))) {
    const parts = line.split("\t");
    if (parts.length === 2) collocations.add(`${parts[0]} ${parts[1]}`);
  }
  const orthoContext = new Map<string, number>();
  let orthoLines: string[] = [];
  try {
    orthoLines = readLines(join(dir, "ortho_context.tab"));
  } catch {
    orthoLines = [];
  }
  for (const line of orthoLines) {
    const parts = line.split("\t");
    if (parts.length === 2) orthoContext.set(parts[0], Number.parseInt(parts[1], 10));
  }
  return { abbrevTypes, collocations, sentStarters, orthoContext };
}

// ---------------------------------------------------------------------------------------
// Orthographic context constants
const ORTHO_BEG_UC = 1 << 1;
const ORTHO_MID_UC = 1 << 2;
const ORTHO_UNK_UC = 1 << 3;
const ORTHO_BEG_LC = 1 << 4;
const ORTHO_MID_LC = 1 << 5;
const ORTHO_UNK_LC = 1 << 6;
const ORTHO_UC = ORTHO_BEG_UC + ORTHO_MID_UC + ORTHO_UNK_UC;
const ORTHO_LC = ORTHO_BEG_LC + ORTHO_MID_LC + ORTHO_UNK_LC;

// ---------------------------------------------------------------------------------------
// PunktLanguageVars (English defaults)

// _re_non_word_chars: (?:[)\";}\]\*:@\'\({\[\u2018\u2019\u201c\u201d\xab\xbb?!])
const NON_WORD = "(?:[)\";}\\]*:@'({\\[\\u2018\\u2019\\u201c\\u201d\\u00ab\\u00bb?!])";
// _re_multi_char_punct: (?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${PY_S}){2,}\\.)`;
// _re_word_start: [^\(\"\`{\[:;&\#\*@\)}\]\-,]
const WORD_START = "[^(\"`{\\[:;&#*@)}\\]\\-,]";

/** PunktLanguageVars._word_tokenizer_re (findall of group 1 = the whole match). */
const WORD_TOKENIZER_RE = new RegExp(
  `${MULTI_CHAR}` +
    `|(?=${WORD_START})${PY_NS}+?(?=${PY_S}|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|${PY_S}|${NON_WORD}|${MULTI_CHAR}))` +
    `|${PY_NS}`,
  "gu",
);

/** PunktLanguageVars.period_context_re: group 1 = after_tok, group 2 = next_tok. */
const PERIOD_CONTEXT_RE = new RegExp(`[.?!](?=(${NON_WORD}|${PY_S}+(${PY_NS}+)))`, "gu");

/** re_boundary_realignment (MULTILINE `$` = end of string or before "\n"), anchored. */
const BOUNDARY_REALIGNMENT_RE = new RegExp(
  `^["')\\]}\\u2018\\u2019\\u201c\\u201d\\u00ab\\u00bb]+?(?:${PY_S}+|(?=--)|(?=\\n|$))`,
  "u",
);

const RE_ELLIPSIS = /^\.\.+$/;
const RE_NUMERIC = new RegExp(`^-?[.,]?${PY_D}[${PY_D},.\\-]*\\.?$`, "u");
const RE_INITIAL = new RegExp(`^[${PY_W_CLASS.replace("\\p{N}", "\\p{Nl}\\p{No}")}]\\.$`, "u");

const SENT_END_CHARS = new Set([".", "?", "!"]);
const PUNCTUATION = new Set([";", ":", ",", ".", "!", "?"]);
/** Python's `string.whitespace` (ASCII only), used by _get_last_whitespace_index. */
const ASCII_WHITESPACE = new Set([" ", "\t", "\n", "\r", "\u000b", "\u000c"]);

interface PunktToken {
  tok: string;
  type: string;
  periodFinal: boolean;
  sentbreak: boolean;
  abbr: boolean;
  ellipsis: boolean;
}

function makeToken(tok: string): PunktToken {
  const lower = pyLower(tok);
  return {
    tok,
    type: RE_NUMERIC.test(lower) ? "##number##" : lower,
    periodFinal: tok.endsWith("."),
    sentbreak: false,
    abbr: false,
    ellipsis: false,
  };
}

function typeNoPeriod(t: PunktToken): string {
  // len(type) > 1 in code points; a type ending in "." with 2+ UTF-16 units has 2+ code points
  return t.type.length > 1 && t.type.endsWith(".") ? t.type.slice(0, -1) : t.type;
}

function typeNoSentperiod(t: PunktToken): string {
  return t.sentbreak ? typeNoPeriod(t) : t.type;
}

/** PunktBaseClass._tokenize_words (only the tokens; para/line-start flags are unused here). */
function tokenizeWords(plaintext: string): PunktToken[] {
  const out: PunktToken[] = [];
  for (const line of plaintext.split("\n")) {
    if (pyStrip(line) === "") continue;
    WORD_TOKENIZER_RE.lastIndex = 0;
    for (const m of line.matchAll(WORD_TOKENIZER_RE)) out.push(makeToken(m[0]));
  }
  return out;
}

function firstPassAnnotation(t: PunktToken, params: PunktParameters): void {
  const tok = t.tok;
  if (SENT_END_CHARS.has(tok)) {
    t.sentbreak = true;
  } else if (RE_ELLIPSIS.test(tok)) {
    t.ellipsis = true;
  } else if (t.periodFinal && !tok.endsWith("..")) {
    const stem = pyLower(tok.slice(0, -1));
    const parts = stem.split("-");
    if (params.abbrevTypes.has(stem) || params.abbrevTypes.has(parts[parts.length - 1])) {
      t.abbr = true;
    } else {
      t.sentbreak = true;
    }
  }
}

type OrthoDecision = true | false | "unknown";

function orthoHeuristic(t: PunktToken, params: PunktParameters): OrthoDecision {
  if (PUNCTUATION.has(t.tok)) return false;
  const ortho = params.orthoContext.get(typeNoSentperiod(t)) ?? 0;
  const upper = firstIsUpper(t.tok);
  if (upper && ortho & ORTHO_LC && !(ortho & ORTHO_MID_UC)) return true;
  const lower = firstIsLower(t.tok);
  if (lower && (ortho & ORTHO_UC || !(ortho & ORTHO_BEG_LC))) return false;
  return "unknown";
}

function secondPassAnnotation(t1: PunktToken, t2: PunktToken | undefined, params: PunktParameters): void {
  if (!t2) return;
  if (!t1.periodFinal) return;
  const typ = typeNoPeriod(t1);
  const nextTyp = typeNoSentperiod(t2);
  const tokIsInitial = RE_INITIAL.test(t1.tok);

  if (params.collocations.has(`${typ} ${nextTyp}`)) {
    t1.sentbreak = false;
    t1.abbr = true;
    return;
  }

  if ((t1.abbr || t1.ellipsis) && !tokIsInitial) {
    const isSentStarter = orthoHeuristic(t2, params);
    if (isSentStarter === true) {
      t1.sentbreak = true;
      return;
    }
    if (firstIsUpper(t2.tok) && params.sentStarters.has(nextTyp)) {
      t1.sentbreak = true;
      return;
    }
  }

  if (tokIsInitial || typ === "##number##") {
    const isSentStarter = orthoHeuristic(t2, params);
    if (isSentStarter === false) {
      t1.sentbreak = false;
      t1.abbr = true;
      return;
    }
    if (
      isSentStarter === "unknown" &&
      tokIsInitial &&
      firstIsUpper(t2.tok) &&
      !((params.orthoContext.get(nextTyp) ?? 0) & ORTHO_LC)
    ) {
      t1.sentbreak = false;
      t1.abbr = true;
    }
  }
}

/** PunktSentenceTokenizer.text_contains_sentbreak. */
function textContainsSentbreak(text: string, params: PunktParameters): boolean {
  const tokens = tokenizeWords(text);
  for (const t of tokens) firstPassAnnotation(t, params);
  let found = false;
  for (let i = 0; i < tokens.length; i++) {
    if (found) return true;
    secondPassAnnotation(tokens[i], tokens[i + 1], params);
    if (tokens[i].sentbreak) found = true;
  }
  return false;
}

function lastWhitespaceIndex(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (ASCII_WHITESPACE.has(text[i])) return i;
  return 0;
}

interface EndContext {
  start: number;
  end: number;
  nextTokStart: number; // -1 when the match has no next_tok
  context: string;
}

/** PunktSentenceTokenizer._match_potential_end_contexts. */
function matchPotentialEndContexts(text: string): EndContext[] {
  const out: EndContext[] = [];
  let prevStart = 0;
  let prevStop = 0;
  let prev: RegExpExecArray | null = null;
  const make = (m: RegExpExecArray, sliceStart: number, sliceStop: number): EndContext => {
    const after = m[1];
    const next = m[2];
    const start = m.index;
    return {
      start,
      end: start + m[0].length,
      nextTokStart: next === undefined ? -1 : start + m[0].length + after.length - next.length,
      context: text.slice(sliceStart, sliceStop) + m[0] + after,
    };
  };
  PERIOD_CONTEXT_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PERIOD_CONTEXT_RE.exec(text)) !== null) {
    const beforeText = text.slice(prevStop, m.index);
    let idx = lastWhitespaceIndex(beforeText);
    if (idx) idx += prevStop + 1;
    else idx = prevStart;
    if (prev && prevStop <= idx) out.push(make(prev, prevStart, prevStop));
    prev = m;
    prevStart = idx;
    prevStop = m.index;
  }
  if (prev) out.push(make(prev, prevStart, prevStop));
  return out;
}

/** Sentence spans [start, end) of `text`, as PunktSentenceTokenizer.span_tokenize. */
export function sentenceSpans(text: string, params: PunktParameters = defaultParameters): Array<[number, number]> {
  // _slices_from_text
  const slices: Array<[number, number]> = [];
  let lastBreak = 0;
  for (const c of matchPotentialEndContexts(text)) {
    if (textContainsSentbreak(c.context, params)) {
      slices.push([lastBreak, c.end]);
      lastBreak = c.nextTokStart >= 0 ? c.nextTokStart : c.end;
    }
  }
  slices.push([lastBreak, pyRstrip(text).length]);

  // _realign_boundaries
  const out: Array<[number, number]> = [];
  let realign = 0;
  for (let i = 0; i < slices.length; i++) {
    const s1: [number, number] = [slices[i][0] + realign, slices[i][1]];
    const s2 = slices[i + 1];
    const nonEmpty = s1[1] > s1[0];
    if (!s2) {
      if (nonEmpty) out.push(s1);
      continue;
    }
    const m = BOUNDARY_REALIGNMENT_RE.exec(text.slice(s2[0], Math.max(s2[0], s2[1])));
    if (m) {
      out.push([s1[0], s2[0] + pyRstrip(m[0]).length]);
      realign = m[0].length;
    } else {
      realign = 0;
      if (nonEmpty) out.push(s1);
    }
  }
  return out;
}

/** nltk's `sent_tokenize(text)` (English, realign_boundaries=True). */
export function sentTokenize(text: string, params: PunktParameters = defaultParameters): string[] {
  return sentenceSpans(text, params).map(([s, e]) => text.slice(s, e));
}
