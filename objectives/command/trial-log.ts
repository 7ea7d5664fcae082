import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";

/** Lines are gathered up to this many characters before one write to the file. */
const BATCH_CHARS = 64 * 1024;

/**
 * A trial's log file: the program's output other than hpo: lines. Lines are written in
 * batches (at the latest on the next turn of the event loop, so `tail -f` stays live),
 * and writes wait for the disk when it falls behind, so a chatty program cannot grow the
 * runner's memory.
 */
export class TrialLog {
  readonly path: string;
  readonly #stream: WriteStream;
  #batch: string[] = [];
  #batchChars = 0;
  #flushScheduled = false;
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

  /** Appends one line; resolves at once, or when the disk has caught up with a full batch. */
  async writeLine(line: string): Promise<void> {
    // A full disk must not fail the trial: after an error, lines are dropped (see close()).
    if (this.#failure) return;
    this.#batch.push(line, "\n");
    this.#batchChars += line.length + 1;
    if (this.#batchChars >= BATCH_CHARS) {
      if (!this.#writeBatch()) await once(this.#stream, "drain").catch(() => undefined);
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#writeBatch();
      });
    }
  }

  /** Flushes and closes the file; resolves with the first write error (null when none). */
  async close(): Promise<Error | null> {
    this.#writeBatch();
    if (!this.#stream.writableFinished && !this.#stream.destroyed) {
      await new Promise<void>((resolve) => {
        this.#stream.end(resolve);
        this.#stream.once("error", () => resolve());
      });
    }
    return this.#failure;
  }

  /** Hands the batch to the stream; false when the stream asks us to wait. */
  #writeBatch(): boolean {
    if (this.#batch.length === 0) return true;
    const text = this.#batch.join("");
    this.#batch = [];
    this.#batchChars = 0;
    // Lines after close() or a write error are dropped rather than held.
    if (this.#failure || this.#stream.writableEnded) return true;
    return this.#stream.write(text);
  }
}
