/** How often the line is redrawn while nothing happens (elapsed time and ETA tick). */
const TICK_MS = 1000;

/** Columns assumed when the stream does not say (not a terminal, or a terminal of size 0). */
const DEFAULT_COLUMNS = 80;

type Write = NodeJS.WriteStream["write"];

const CLEAR_LINE = "\r\x1b[2K";

/**
 * One live line at the bottom of a terminal that other output does not glue onto: while
 * it is shown, every write to process.stdout and process.stderr (an objective's
 * console.log, hpo's own messages) first clears it, prints, and then the line is drawn
 * again below. It is redrawn every second so that elapsed time never freezes.
 */
export class StatusLine {
  readonly #out: NodeJS.WritableStream;
  readonly #render: (columns: number) => string;
  readonly #restores: (() => void)[] = [];
  #write: (text: string) => void;
  #shown = false;
  /** Output that did not end its line: the next draw starts on a fresh line. */
  #lineOpen = false;
  #redrawQueued = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(out: NodeJS.WritableStream, render: (columns: number) => string) {
    this.#out = out;
    this.#render = render;
    this.#write = (text) => void out.write(text);
  }

  /** Starts drawing: takes over the process's stdout/stderr writes and starts the tick. */
  start(): void {
    if (this.#timer) return;
    // Only what reaches a terminal can land on the line (a piped stdout cannot).
    for (const stream of [process.stdout, process.stderr]) if (stream.isTTY || stream === this.#out) this.#interpose(stream);
    this.#timer = setInterval(() => this.draw(), TICK_MS);
    this.#timer.unref();
    this.draw();
  }

  /** Draws the line now (replacing the one shown). */
  draw(): void {
    if (!this.#timer) return;
    const columns = (this.#out as NodeJS.WriteStream).columns || DEFAULT_COLUMNS;
    const prefix = this.#lineOpen ? "\n" : CLEAR_LINE;
    this.#lineOpen = false;
    this.#write(`${prefix}${this.#render(columns)}`);
    this.#shown = true;
  }

  /** Prints whole lines above the live line. */
  print(text: string): void {
    this.#clear();
    this.#write(text.endsWith("\n") ? text : `${text}\n`);
    this.draw();
  }

  /** Draws the line a last time, ends it, and gives stdout/stderr back. */
  stop(): void {
    if (!this.#timer) return;
    this.draw();
    clearInterval(this.#timer);
    this.#timer = null;
    this.#write("\n");
    this.#shown = false;
    for (const restore of this.#restores.splice(0)) restore();
  }

  #clear(): void {
    if (this.#shown) this.#write(CLEAR_LINE);
    this.#shown = false;
  }

  /** Wraps a stream's write so that what others write lands above the line. */
  #interpose(stream: NodeJS.WriteStream): void {
    const original: Write = stream.write;
    const own = stream === this.#out;
    if (own) this.#write = (text) => void original.call(stream, text);
    const wrapped = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      this.#clear();
      const result = (original as (c: string | Uint8Array, ...r: unknown[]) => boolean).call(stream, chunk, ...rest);
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      if (text.length > 0) this.#lineOpen = !text.endsWith("\n");
      // A finished line gets the bar back at once; a partial one waits for the tick.
      if (!this.#lineOpen && !this.#redrawQueued) {
        this.#redrawQueued = true;
        setImmediate(() => {
          this.#redrawQueued = false;
          if (!this.#shown && !this.#lineOpen) this.draw();
        });
      }
      return result;
    }) as Write;
    stream.write = wrapped;
    this.#restores.push(() => {
      if (stream.write === wrapped) stream.write = original;
      if (own) this.#write = (text) => void this.#out.write(text);
    });
  }
}
