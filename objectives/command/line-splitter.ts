import { StringDecoder } from "node:string_decoder";

/** Default longest line kept whole: 64 KiB. Longer lines are cut, the rest dropped. */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/**
 * Splits a byte stream into lines (UTF-8, `\n` or `\r\n`) while holding at most
 * `maxLineLength` characters: a program that prints gigabytes without a newline costs no
 * more memory than one long line.
 *
 * @example
 * const splitter = new LineSplitter();
 * for (const line of splitter.push(chunk)) handle(line);
 * for (const line of splitter.end()) handle(line);
 */
export class LineSplitter {
  readonly #maxLineLength: number;
  readonly #decoder = new StringDecoder("utf8");
  #pending = "";
  /** Characters dropped from the current line after it reached the limit. */
  #dropped = 0;

  constructor(options: { maxLineLength?: number } = {}) {
    this.#maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  /** Characters held for the line in progress (never more than the limit). */
  get pendingLength(): number {
    return this.#pending.length;
  }

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: Buffer | string): string[] {
    const text = typeof chunk === "string" ? chunk : this.#decoder.write(chunk);
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      if (newline === -1) {
        this.#append(text.slice(start));
        return lines;
      }
      this.#append(text.slice(start, newline));
      lines.push(this.#takeLine());
      start = newline + 1;
    }
  }

  /** Flushes the last line when the stream ended without a newline. */
  end(): string[] {
    this.#append(this.#decoder.end());
    return this.#pending.length > 0 || this.#dropped > 0 ? [this.#takeLine()] : [];
  }

  #append(part: string): void {
    const room = this.#maxLineLength - this.#pending.length;
    if (part.length <= room) {
      this.#pending += part;
    } else {
      this.#pending += part.slice(0, Math.max(0, room));
      this.#dropped += part.length - Math.max(0, room);
    }
  }

  #takeLine(): string {
    let line = this.#pending.endsWith("\r") ? this.#pending.slice(0, -1) : this.#pending;
    if (this.#dropped > 0) line += ` [… ${this.#dropped} more characters dropped]`;
    this.#pending = "";
    this.#dropped = 0;
    return line;
  }
}
