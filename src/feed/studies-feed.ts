import type { Storage } from "../storage/storage.ts";
import { FeedFrame } from "./feed-frame.ts";
import { summaryToFeed } from "./feed-json.ts";
import type { FeedRequestId } from "./feed-protocol.ts";

/** A client that follows the studies list. */
export interface StudiesListener {
  /** Receives a `studies` message: the reply to its request, or an update (replacing any not yet sent). */
  pushStudies(frame: FeedFrame, reply: boolean): void;
}

/**
 * The studies list for clients that follow it: sent on subscribe, then again (at most
 * once per `throttleMs`) after any study's events change, so counts and best values stay
 * current without clients polling.
 */
export class StudiesFeed {
  readonly #storage: Storage;
  readonly #throttleMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<StudiesListener>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(storage: Storage, throttleMs: number, onError: (error: unknown) => void) {
    this.#storage = storage;
    this.#throttleMs = throttleMs;
    this.#onError = onError;
  }

  /** Adds a listener and sends it the current list. */
  async add(listener: StudiesListener, id?: FeedRequestId): Promise<void> {
    const frame = await this.#frame(id);
    this.#listeners.add(listener);
    listener.pushStudies(frame, true);
  }

  /** Removes a listener. */
  remove(listener: StudiesListener): void {
    this.#listeners.delete(listener);
  }

  /** Some study changed: schedule a fresh list. */
  changed(): void {
    if (this.#closed || this.#timer || this.#listeners.size === 0) return;
    this.#timer = setTimeout(() => void this.#flush(), this.#throttleMs);
    this.#timer.unref();
  }

  /** Stops sending. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  async #flush(): Promise<void> {
    // Cleared first: a change during the query schedules the next list.
    this.#timer = null;
    try {
      const frame = await this.#frame();
      if (this.#closed) return;
      for (const l of this.#listeners) l.pushStudies(frame, false);
    } catch (e) {
      if (!this.#closed) this.#onError(e);
    }
  }

  async #frame(id?: FeedRequestId): Promise<FeedFrame> {
    const studies = (await this.#storage.listStudies()).map(summaryToFeed);
    return FeedFrame.of(id === undefined ? { type: "studies", studies } : { type: "studies", id, studies });
  }
}
