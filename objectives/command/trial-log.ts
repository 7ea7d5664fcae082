import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";

/**
 * A trial's log file: the program's output other than hpo: lines. Writes wait for the
 * disk when the file falls behind, so a chatty program cannot grow the runner's memory.
 */
export class TrialLog {
  readonly path: string;
  readonly #stream: WriteStream;
  #failure: Error | null = null;

  private constructor(path: string, stream: WriteStream) {
    this.path = path;
    this.#stream = stream;
    stream.on("error", (e) => {
      this.#failure ??= e;
    });
  }

  /** Opens (appends to) a log file; rejects when it cannot be created. */
  static async open(path: string): Promise<TrialLog> {
    const stream = createWriteStream(path, { flags: "a" });
    try {
      await once(stream, "open"); // rejects on "error"
    } catch (e) {
      throw new Error(`command: cannot open log ${path}: ${(e as Error).message}`);
    }
    return new TrialLog(path, stream);
  }

  /** Appends one line; resolves when the stream can take more. */
  async writeLine(line: string): Promise<void> {
    // A full disk must not fail the trial: after an error, lines are dropped (see close()).
    if (this.#failure) return;
    if (!this.#stream.write(`${line}\n`)) await once(this.#stream, "drain").catch(() => undefined);
  }

  /** Flushes and closes the file; resolves with the first write error (null when none). */
  async close(): Promise<Error | null> {
    if (!this.#stream.writableFinished && !this.#stream.destroyed) {
      await new Promise<void>((resolve) => {
        this.#stream.end(resolve);
        this.#stream.once("error", () => resolve());
      });
    }
    return this.#failure;
  }
}
