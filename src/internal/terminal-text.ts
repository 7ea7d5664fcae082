/**
 * Control characters a terminal would act on: C0 (ESC starts colour, cursor and title
 * sequences), DEL, C1 (single-byte CSI/OSC in 8-bit terminals), and Unicode's bidirectional
 * overrides and line separators (which reorder or split what the user reads).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
}

/**
 * Text from a study (names, values, attrs, error messages) made safe to print on a
 * terminal: every control character is shown as an escape (`\x1b`, `\n`, `\u202e`) instead
 * of acting, so a name cannot recolour, move the cursor, retitle the window, or fake lines.
 *
 * @example
 * terminalSafe("lr\x1b[2J") // "lr\\x1b[2J"
 */
export function terminalSafe(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, visible);
}

/**
 * Text cut to at most `max` characters for one line of terminal output, saying how long it
 * was (a 10 MB attr printed whole buries everything around it).
 *
 * @example
 * clipText("x".repeat(5000), 20) // "xxxxxxxxxxxxxxxxxxxx… (5000 characters)"
 */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}
