/**
 * Python text semantics that the reference implementations rely on, spelled out for
 * JavaScript. JS's `\s`, `\w`, `\d`, `\b`, `$` and `String.prototype.trim` all differ from
 * Python's (Unicode-aware `re`, `str.split()`, `str.strip()`), and those differences change
 * tokens — e.g. U+FEFF is whitespace to JS but not to Python, U+001C..U+001F and U+0085 are
 * whitespace to Python but not to JS.
 *
 * Pure definitions: nothing here runs at import time beyond building small constants.
 */

/**
 * The characters for which Python 3.11's `str.isspace()` is true (Unicode 14); this is also
 * exactly what Python's `re` matches with `\s` on str patterns.
 */
export const PY_WHITESPACE_CHARS =
  "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680" +
  "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" +
  "\u2028\u2029\u202f\u205f\u3000";

/** Regex source of a character class body matching Python's `\s` (use inside `[...]`). */
export const PY_WS = "\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** Python's `\s` as a regex atom. */
export const PY_S = `[${PY_WS}]`;
/** Python's `\S` as a regex atom (needs the `u` flag to take whole code points). */
export const PY_NS = `[^${PY_WS}]`;
/** Python's Unicode `\w` (letters, numbers, underscore; combining marks are not `\w`). Needs `u`. */
export const PY_W_CLASS = "\\p{L}\\p{N}_";
export const PY_W = `[${PY_W_CLASS}]`;
export const PY_NW = `[^${PY_W_CLASS}]`;
/** Python's Unicode `\d` (decimal digits, category Nd). Needs `u`. */
export const PY_D = "\\p{Nd}";
/** Python's `\b` (Unicode word boundary) as look-arounds. Needs `u`. */
export const PY_B = `(?:(?<=${PY_W})(?!${PY_W})|(?<!${PY_W})(?=${PY_W}))`;
/** Python's `$` without MULTILINE: end of string, or just before a final "\n". */
export const PY_END = "(?=\\n?$)";

const wsSet = new Set<number>(Array.from(PY_WHITESPACE_CHARS, (c) => c.charCodeAt(0)));

/** `ch.isspace()` for one UTF-16 code unit (all Python whitespace is in the BMP). */
export function isPySpaceCode(code: number): boolean {
  // Fast path for the common ASCII letters/digits.
  if (code > 0x20 && code < 0x7f) return false;
  return wsSet.has(code);
}

/** Python's `str.split()` with no arguments: split on runs of whitespace, no empty strings. */
export function pySplit(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isPySpaceCode(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isPySpaceCode(text.charCodeAt(i))) i++;
    out.push(text.slice(start, i));
  }
  return out;
}

/** Python's `str.rstrip()` with no arguments. */
export function pyRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isPySpaceCode(text.charCodeAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** Python's `str.strip()` with no arguments. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPySpaceCode(text.charCodeAt(start))) start++;
  while (end > start && isPySpaceCode(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** True when `text` is empty or only Python whitespace (what `not text.strip()` tests). */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isPySpaceCode(text.charCodeAt(i))) return false;
  return true;
}

/** Python's `str.lower()`. JS's default case mapping matches it (both use full Unicode mappings). */
export function pyLower(text: string): string {
  return text.toLowerCase();
}

const UPPER_FIRST = /^\p{Uppercase}/u;
const LOWER_FIRST = /^\p{Lowercase}/u;

/** `s[0].isupper()` for a non-empty string: the first code point has the Uppercase property. */
export function firstIsUpper(s: string): boolean {
  return UPPER_FIRST.test(s);
}

/** `s[0].islower()` for a non-empty string. */
export function firstIsLower(s: string): boolean {
  return LOWER_FIRST.test(s);
}

/** Number of code points (Python's `len`). */
export function pyLen(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Replace every non-overlapping occurrence (Python's `str.replace`). */
export function replaceAllLiteral(text: string, find: string, repl: string): string {
  return text.includes(find) ? text.split(find).join(repl) : text;
}
