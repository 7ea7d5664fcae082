/**
 * nltk's `PorterStemmer()` in its default NLTK_EXTENSIONS mode (nltk 3.10.3), the stemmer
 * behind `meteor_score`. Ported rule by rule; no npm Porter stemmer equals this mode.
 *
 * Python indexes strings by code point and JS by UTF-16 unit; the rules only look at ASCII
 * letters and at character equality, so a word with astral characters is stemmed with each
 * astral character stood in for by a private-use BMP character, then mapped back.
 */
import { registerCache } from "./memo.ts";
import { pyLen, pyLower } from "./python-text.ts";

const IRREGULAR_FORMS: Record<string, string[]> = {
  sky: ["sky", "skies"],
  die: ["dying"],
  lie: ["lying"],
  tie: ["tying"],
  news: ["news"],
  inning: ["innings", "inning"],
  outing: ["outings", "outing"],
  canning: ["cannings", "canning"],
  howe: ["howe"],
  proceed: ["proceed"],
  exceed: ["exceed"],
  succeed: ["succeed"],
};

const POOL = new Map<string, string>();
for (const [key, forms] of Object.entries(IRREGULAR_FORMS)) for (const f of forms) POOL.set(f, key);

function isVowelChar(c: string): boolean {
  return c === "a" || c === "e" || c === "i" || c === "o" || c === "u";
}

/** _is_consonant(word, i) */
function isConsonant(word: string, i: number): boolean {
  const c = word[i];
  if (isVowelChar(c)) return false;
  if (c === "y") {
    let negate = false;
    while (i > 0 && word[i] === "y") {
      negate = !negate;
      i--;
    }
    return !isVowelChar(word[i]) !== negate;
  }
  return true;
}

/** _measure(stem): number of "vc" in the consonant/vowel sequence. */
function measure(stem: string): number {
  let m = 0;
  let prevCons = false;
  let prevWasVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const c = stem[i];
    let cons: boolean;
    if (isVowelChar(c)) cons = false;
    else if (c === "y") cons = i === 0 ? true : !prevCons;
    else cons = true;
    if (cons && prevWasVowel) m++;
    prevWasVowel = !cons;
    prevCons = cons;
  }
  return m;
}

function containsVowel(stem: string): boolean {
  let prevCons = false;
  for (let i = 0; i < stem.length; i++) {
    const c = stem[i];
    let cons: boolean;
    if (isVowelChar(c)) cons = false;
    else if (c === "y") cons = i === 0 ? true : !prevCons;
    else cons = true;
    if (!cons) return true;
    prevCons = cons;
  }
  return false;
}

function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

function endsCvc(word: string): boolean {
  const n = word.length;
  return (
    (n >= 3 &&
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      word[n - 1] !== "w" &&
      word[n - 1] !== "x" &&
      word[n - 1] !== "y") ||
    (n === 2 && !isConsonant(word, 0) && isConsonant(word, 1))
  );
}

type Condition = ((stem: string) => boolean) | null;
type Rule = readonly [suffix: string, replacement: string, condition: Condition];

const positiveMeasure = (stem: string): boolean => measure(stem) > 0;
const measureGt1 = (stem: string): boolean => measure(stem) > 1;

/** _apply_rule_list: the first rule whose suffix matches decides (applies or keeps word). */
function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = suffix === "" ? word : word.slice(0, word.length - suffix.length);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const STEP1A_RULES: Rule[] = [
  ["sses", "ss", null],
  ["ies", "i", null],
  ["ss", "ss", null],
  ["s", "", null],
];

function step1a(word: string): string {
  if (word.endsWith("ies") && word.length === 4) return word.slice(0, -3) + "ie";
  return applyRuleList(word, STEP1A_RULES);
}

function step1b(word: string): string {
  if (word.endsWith("ied")) {
    return word.length === 4 ? word.slice(0, -3) + "ie" : word.slice(0, -3) + "i";
  }
  if (word.endsWith("eed")) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? stem + "ee" : word;
  }
  let intermediate: string | null = null;
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const candidate = word.slice(0, word.length - suffix.length);
      if (containsVowel(candidate)) {
        intermediate = candidate;
        break;
      }
    }
  }
  if (intermediate === null) return word;
  const stem = intermediate;
  const last = stem[stem.length - 1];
  return applyRuleList(stem, [
    ["at", "ate", null],
    ["bl", "ble", null],
    ["iz", "ize", null],
    ["*d", last, () => last !== "l" && last !== "s" && last !== "z"],
    ["", "e", (s) => measure(s) === 1 && endsCvc(s)],
  ]);
}

const STEP1C_RULES: Rule[] = [["y", "i", (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]];

function step1c(word: string): string {
  return applyRuleList(word, STEP1C_RULES);
}

const STEP2_RULES: Rule[] = [
  ["ational", "ate", positiveMeasure],
  ["tional", "tion", positiveMeasure],
  ["enci", "ence", positiveMeasure],
  ["anci", "ance", positiveMeasure],
  ["izer", "ize", positiveMeasure],
  ["bli", "ble", positiveMeasure],
  ["alli", "al", positiveMeasure],
  ["entli", "ent", positiveMeasure],
  ["eli", "e", positiveMeasure],
  ["ousli", "ous", positiveMeasure],
  ["ization", "ize", positiveMeasure],
  ["ation", "ate", positiveMeasure],
  ["ator", "ate", positiveMeasure],
  ["alism", "al", positiveMeasure],
  ["iveness", "ive", positiveMeasure],
  ["fulness", "ful", positiveMeasure],
  ["ousness", "ous", positiveMeasure],
  ["aliti", "al", positiveMeasure],
  ["iviti", "ive", positiveMeasure],
  ["biliti", "ble", positiveMeasure],
  ["fulli", "ful", positiveMeasure],
  ["logi", "log", (stem) => positiveMeasure(stem + "l")],
];

function step2(word: string): string {
  if (word.endsWith("alli") && positiveMeasure(word.slice(0, -4))) {
    return step2(word.slice(0, -4) + "al");
  }
  return applyRuleList(word, STEP2_RULES);
}

const STEP3_RULES: Rule[] = [
  ["icate", "ic", positiveMeasure],
  ["ative", "", positiveMeasure],
  ["alize", "al", positiveMeasure],
  ["iciti", "ic", positiveMeasure],
  ["ical", "ic", positiveMeasure],
  ["ful", "", positiveMeasure],
  ["ness", "", positiveMeasure],
];

function step3(word: string): string {
  return applyRuleList(word, STEP3_RULES);
}

const STEP4_RULES: Rule[] = [
  ["al", "", measureGt1],
  ["ance", "", measureGt1],
  ["ence", "", measureGt1],
  ["er", "", measureGt1],
  ["ic", "", measureGt1],
  ["able", "", measureGt1],
  ["ible", "", measureGt1],
  ["ant", "", measureGt1],
  ["ement", "", measureGt1],
  ["ment", "", measureGt1],
  ["ent", "", measureGt1],
  ["ion", "", (stem) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))],
  ["ou", "", measureGt1],
  ["ism", "", measureGt1],
  ["ate", "", measureGt1],
  ["iti", "", measureGt1],
  ["ous", "", measureGt1],
  ["ive", "", measureGt1],
  ["ize", "", measureGt1],
];

function step4(word: string): string {
  return applyRuleList(word, STEP4_RULES);
}

function step5a(word: string): string {
  if (word.endsWith("e")) {
    const stem = word.slice(0, -1);
    const m = measure(stem);
    if (m > 1) return stem;
    if (m === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

function step5b(word: string): string {
  if (word.endsWith("ll")) return measure(word.slice(0, -1)) > 1 ? word.slice(0, -1) : word;
  return word;
}

function stemBmp(lowered: string, originalLength: number): string {
  const pooled = POOL.get(lowered);
  if (pooled !== undefined) return pooled;
  if (originalLength <= 2) return lowered;
  let stem = step1a(lowered);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  stem = step5b(stem);
  return stem;
}

const ASTRAL = /[\ud800-\udbff][\udc00-\udfff]/g;
const HAS_SURROGATE = /[\ud800-\udfff]/;

function stemUncached(word: string): string {
  const lowered = pyLower(word);
  if (!HAS_SURROGATE.test(lowered)) {
    return stemBmp(lowered, HAS_SURROGATE.test(word) ? pyLen(word) : word.length);
  }
  // Stand each astral character in by a private-use BMP character absent from the word.
  const forward = new Map<string, string>();
  const back = new Map<string, string>();
  let next = 0xe000;
  const encoded = lowered.replace(ASTRAL, (ch) => {
    let stand = forward.get(ch);
    if (stand === undefined) {
      while (lowered.includes(String.fromCharCode(next))) next++;
      stand = String.fromCharCode(next++);
      forward.set(ch, stand);
      back.set(stand, ch);
    }
    return stand;
  });
  const stemmed = stemBmp(encoded, pyLen(word));
  let out = "";
  for (const ch of stemmed) out += back.get(ch) ?? ch;
  return out;
}

const CACHE_LIMIT = 500_000;
const cache = new Map<string, string>();
registerCache(() => cache.clear());

/**
 * `PorterStemmer().stem(word)` (NLTK_EXTENSIONS, to_lowercase=True). Results are memoised.
 */
export function porterStem(word: string): string {
  let s = cache.get(word);
  if (s === undefined) {
    s = stemUncached(word);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(word, s);
  }
  return s;
}
