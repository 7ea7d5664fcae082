import type { FeedEvent } from "./feed-protocol.ts";

/**
 * The last few thousand events of one study, in seq order, so clients that reconnect a
 * moment later (or fall slightly behind) are served from memory instead of the database.
 */
export class RecentEvents {
  readonly #capacity: number;
  #events: FeedEvent[] = [];

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Appends events that directly follow the newest one held (a gap empties the cache). */
  append(events: readonly FeedEvent[]): void {
    if (events.length === 0) return;
    const last = this.#events.at(-1);
    if (last && events[0].seq !== last.seq + 1) this.#events = [];
    this.#events.push(...events);
    // Trim in bulk now and then rather than shifting on every append.
    if (this.#events.length > 2 * this.#capacity) this.#events = this.#events.slice(-this.#capacity);
  }

  /** Up to `limit` events after `afterSeq`, or null when the cache does not reach back that far. */
  after(afterSeq: number, limit: number): FeedEvent[] | null {
    const first = this.#events[0];
    if (!first || afterSeq + 1 < first.seq) return null;
    const start = afterSeq + 1 - first.seq;
    return this.#events.slice(start, start + limit);
  }
}
