/**
 * `tokenize13a`: the mteval-v13a tokenizer exactly as Hugging Face `evaluate`'s bleu metric
 * runs it (`tokenizer_13a.py`, equal to sacrebleu's `Tokenizer13a` followed by `str.split()`).
 * Case-sensitive; no Unicode normalisation.
 */
import { pySplit, replaceAllLiteral } from "./python-text.ts";

// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "  (ASCII punctuation except ' - . , and the space
// itself is in the class: U+0020-U+0026)
const RE_PUNCT = /([\u007b-\u007e\u005b-\u0060\u0020-\u0026\u0028-\u002b\u003a-\u0040\u002f])/g;
// tokenize period and comma unless preceded by a digit
const RE_PERIOD_COMMA_PRE = /([^0-9])([.,])/gu;
// tokenize period and comma unless followed by a digit
const RE_PERIOD_COMMA_POST = /([.,])([^0-9])/gu;
// tokenize dash when preceded by a digit
const RE_DIGIT_DASH = /([0-9])(-)/g;

// Text without any character the rules act on (ASCII punctuation other than the apostrophe,
// and "\n") is only split on whitespace.
const UNTOUCHED = /[\u0021-\u0026\u0028-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007e\n]/;

/** Tokenize one line the way `evaluate`'s bleu does (13a), returning the tokens. */
export function tokenize13a(line: string): string[] {
  if (!UNTOUCHED.test(line)) return pySplit(line);
  // language-independent part
  line = replaceAllLiteral(line, "<skipped>", "");
  line = replaceAllLiteral(line, "-\n", "");
  line = replaceAllLiteral(line, "\n", " ");
  if (line.includes("&")) {
    line = replaceAllLiteral(line, "&quot;", '"');
    line = replaceAllLiteral(line, "&amp;", "&");
    line = replaceAllLiteral(line, "&lt;", "<");
    line = replaceAllLiteral(line, "&gt;", ">");
  }
  line = ` ${line} `;
  // language-dependent part (TokenizerRegexp)
  line = line.replace(RE_PUNCT, " $1 ");
  line = line.replace(RE_PERIOD_COMMA_PRE, "$1 $2 ");
  line = line.replace(RE_PERIOD_COMMA_POST, " $1 $2");
  line = line.replace(RE_DIGIT_DASH, "$1 $2 ");
  return pySplit(line);
}
