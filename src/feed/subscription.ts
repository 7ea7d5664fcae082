import type { FeedFrame } from "./feed-frame.ts";
import type { FeedEvent } from "./feed-protocol.ts";
import type { QueuedFrame } from "./outbox.ts";
import type { StudyChannel } from "./study-channel.ts";

/** Where a subscription puts its frames: the client's session. */
export interface SubscriptionSink {
  /** Queues a live frame; false when the client's queue is full. */
  offer(item: QueuedFrame): boolean;
  /** Queues a frame regardless of limits (catch-up pages, after waiting for room). */
  force(item: QueuedFrame): void;
  /** Resolves when the client's queue has room for another catch-up page. */
  waitForRoom(): Promise<void>;
  /** The client's queue overflowed: it must be told to resync. `rejected` events were not queued. */
  overflowed(sub: Subscription, rejected: number): void;
  /** The subscription cannot go on (study deleted, storage error). */
  failed(sub: Subscription, error: unknown): void;
}

/** Events read per catch-up page. */
const CATCH_UP_PAGE = 500;

/**
 * One client's interest in one study: a cursor (the last seq queued for it) that first
 * catches up from the channel's cache or the database, paced by the client's queue, and
 * then follows the channel's live batches. Every event reaches the client once, in order.
 */
export class Subscription {
  readonly channel: StudyChannel;
  readonly #sink: SubscriptionSink;
  /** The last seq queued for the client. */
  #cursor: number;
  /** The last seq handed to the transport (what a resync resumes from). */
  delivered: number;
  #state: "catching_up" | "live" | "closed" = "catching_up";

  constructor(channel: StudyChannel, sink: SubscriptionSink, cursor: number) {
    this.channel = channel;
    this.#sink = sink;
    this.#cursor = cursor;
    this.delivered = cursor;
  }

  /** The study's id. */
  get studyId(): number {
    return this.channel.studyId;
  }

  /** The last seq queued for the client. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Whether it follows live batches (as opposed to catching up or closed). */
  get live(): boolean {
    return this.#state === "live";
  }

  /** Joins the channel and starts catching up. */
  start(): void {
    this.channel.add(this);
    void this.#catchUp();
  }

  /** A live batch read by the channel; `frame` is its shared encoding. */
  offer(events: readonly FeedEvent[], frame: FeedFrame): void {
    if (this.#state !== "live" || events.length === 0) return;
    const last = events[events.length - 1].seq;
    if (last <= this.#cursor) return;
    if (events[0].seq > this.#cursor + 1) {
      // Cannot happen while the channel reads contiguously; recover by reading the gap.
      this.#state = "catching_up";
      void this.#catchUp();
      return;
    }
    let sent = events;
    let sentFrame = frame;
    if (events[0].seq <= this.#cursor) {
      // This client's snapshot was newer than the channel's head: send only the rest.
      sent = events.filter((e) => e.seq > this.#cursor);
      sentFrame = this.channel.frameFor(sent);
    }
    if (!this.#sink.offer({ frame: sentFrame, studyId: this.studyId, lastSeq: last, eventCount: sent.length })) {
      this.#sink.overflowed(this, sent.length);
      return;
    }
    this.#cursor = last;
  }

  /** The channel cannot serve this study any more. */
  fail(error: unknown): void {
    if (this.#state === "closed") return;
    this.#sink.failed(this, error);
  }

  /** Leaves the channel; nothing more is queued. */
  close(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.channel.remove(this);
  }

  async #catchUp(): Promise<void> {
    try {
      while (this.#state === "catching_up") {
        // Synchronous check-and-switch: no live batch can slip between them.
        if (this.#cursor >= this.channel.headSeq) {
          this.#state = "live";
          return;
        }
        await this.#sink.waitForRoom();
        if (this.#state !== "catching_up") return;
        const events = await this.channel.eventsAfter(this.#cursor, CATCH_UP_PAGE);
        if (this.#state !== "catching_up") return;
        if (events.length === 0 || events[0].seq !== this.#cursor + 1) {
          throw new Error(`events after seq ${this.#cursor} of study "${this.channel.name}" are missing (deleted study?)`);
        }
        const last = events[events.length - 1].seq;
        this.#sink.force({ frame: this.channel.frameFor(events), studyId: this.studyId, lastSeq: last, eventCount: events.length });
        this.#cursor = last;
      }
    } catch (e) {
      this.fail(e);
    }
  }
}
