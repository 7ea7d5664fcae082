import { terminalSafe } from "../internal/terminal-text.ts";

/**
 * Writes one of the CLI's messages to stderr. Messages quote names and values a study's
 * writer chose (study and param names, fail reasons, paths), so control characters are
 * shown as escapes rather than acted on by the terminal; the message's own line breaks stay.
 */
export function logLine(message: string): void {
  process.stderr.write(`${terminalSafe(message, { keepNewlines: true })}\n`);
}
