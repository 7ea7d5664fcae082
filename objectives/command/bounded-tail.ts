/**
 * The last few lines of a stream (stderr, for error messages), each cut to a maximum
 * length, so a program that writes gigabytes to stderr leaves a few kilobytes behind.
 */
export class BoundedTail {
  readonly #maxLines: number;
  readonly #maxLineLength: number;
  readonly #lines: string[] = [];

  constructor(options: { maxLines?: number; maxLineLength?: number } = {}) {
    this.#maxLines = options.maxLines ?? 20;
    this.#maxLineLength = options.maxLineLength ?? 500;
  }

  /** Keeps a line, dropping the oldest once full. */
  push(line: string): void {
    this.#lines.push(line.length > this.#maxLineLength ? `${line.slice(0, this.#maxLineLength)}…` : line);
    if (this.#lines.length > this.#maxLines) this.#lines.shift();
  }

  /** The kept lines, oldest first. */
  lines(): readonly string[] {
    return this.#lines;
  }

  /** The kept lines joined with newlines ("" when none). */
  toString(): string {
    return this.#lines.join("\n");
  }
}
