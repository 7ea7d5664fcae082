import type { Storage, StudyRecord } from "../storage/storage.ts";
import { FeedFrame } from "./feed-frame.ts";
import { eventToFeed } from "./feed-json.ts";
import type { FeedEvent } from "./feed-protocol.ts";
import { RecentEvents } from "./recent-events.ts";
import type { Subscription } from "./subscription.ts";

/** Tuning of a channel. */
export interface StudyChannelOptions {
  /** Events kept in memory for replays. */
  readonly recentEvents: number;
  /** Events read from storage per query. */
  readonly pageSize: number;
  /** Least time between the starts of two reads (batches), in ms. */
  readonly batchMs: number;
  /** Told when the last subscriber leaves. */
  readonly onIdle: (channel: StudyChannel) => void;
  /** Told of read errors (the next announcement retries). */
  readonly onError: (channel: StudyChannel, error: unknown) => void;
}

/**
 * One study's live events for every subscriber in this process: announcements (from
 * watchEvents or a poll) make it read the new events once, encode each batch once and
 * hand it to every live subscription.
 */
export class StudyChannel {
  readonly studyId: number;
  readonly name: string;
  readonly #storage: Storage;
  readonly #options: StudyChannelOptions;
  readonly #subs = new Set<Subscription>();
  readonly #recent: RecentEvents;
  /** The last seq read and fanned out. */
  #head = 0;
  /** The highest seq announced. */
  #wanted = 0;
  #ready = false;
  #reading: Promise<void> | null = null;
  #lastRead = -Infinity;
  /** Set once the study cannot be followed any more (deleted): late joiners are told too. */
  #failure: { error: unknown } | null = null;
  #closed = false;

  constructor(storage: Storage, study: StudyRecord, options: StudyChannelOptions) {
    this.#storage = storage;
    this.studyId = study.studyId;
    this.name = study.studyName;
    this.#options = options;
    this.#recent = new RecentEvents(options.recentEvents);
  }

  /** Starts from the study's current head; announcements that arrive meanwhile are kept. */
  async init(head: number): Promise<void> {
    this.#head = head;
    this.#ready = true;
    this.notify(this.#wanted);
  }

  /** The last seq read and fanned out. */
  get headSeq(): number {
    return this.#head;
  }

  /** Live and catching-up subscriptions. */
  get subscriberCount(): number {
    return this.#subs.size;
  }

  /** Events up to `lastSeq` are committed: read them unless already read. */
  notify(lastSeq: number): void {
    if (lastSeq > this.#wanted) this.#wanted = lastSeq;
    if (!this.#ready || this.#closed || this.#reading || this.#wanted <= this.#head) return;
    // Read on the next turn of the event loop, and not sooner than batchMs after the last
    // read: everything committed meanwhile goes out as one batch, one frame per client, so
    // the cost of a busy study is bounded by clients × (1000 / batchMs) frames per second.
    const wait = this.#lastRead + this.#options.batchMs - performance.now();
    const due = wait > 0 ? new Promise<void>((resolve) => setTimeout(resolve, wait)) : new Promise<void>((resolve) => setImmediate(resolve));
    this.#reading = due.then(() => this.#read()).finally(() => {
      this.#reading = null;
      // An announcement may have come in during the last (empty) read.
      if (this.#wanted > this.#head) this.notify(this.#wanted);
    });
  }

  /** Reads and fans out every event up to `lastSeq` (for a server that is about to close). */
  async catchUpTo(lastSeq: number): Promise<void> {
    this.notify(lastSeq);
    while (!this.#closed && this.#head < lastSeq && this.#reading) await this.#reading;
  }

  /** Adds a subscription (it catches up by itself, then receives live batches). */
  add(sub: Subscription): void {
    // A session may join after the study's deletion was announced (it sent its snapshot
    // first): tell it at once instead of leaving it on a channel that hears nothing more.
    if (this.#failure) {
      const { error } = this.#failure;
      queueMicrotask(() => sub.fail(error));
      return;
    }
    this.#subs.add(sub);
  }

  /** Removes a subscription. */
  remove(sub: Subscription): void {
    if (this.#subs.delete(sub) && this.#subs.size === 0) this.#options.onIdle(this);
  }

  /** Up to `limit` events after `afterSeq`, from memory when it reaches back that far. */
  async eventsAfter(afterSeq: number, limit: number): Promise<FeedEvent[]> {
    const cached = this.#recent.after(afterSeq, limit);
    if (cached && (cached.length > 0 || afterSeq >= this.#head)) return cached;
    return (await this.#storage.readEvents(this.studyId, afterSeq, limit)).map(eventToFeed);
  }

  /** The `events` message for a batch of this study. */
  frameFor(events: readonly FeedEvent[]): FeedFrame {
    return FeedFrame.of({ type: "events", study: this.name, studyId: this.studyId, events });
  }

  /** Tells every subscriber the study cannot be followed any more. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    for (const sub of [...this.#subs]) sub.fail(error);
  }

  /** Stops reading; subscribers are expected to be gone. */
  close(): void {
    this.#closed = true;
    this.#subs.clear();
  }

  async #read(): Promise<void> {
    this.#lastRead = performance.now();
    while (!this.#closed && this.#wanted > this.#head) {
      let events: FeedEvent[];
      try {
        events = (await this.#storage.readEvents(this.studyId, this.#head, this.#options.pageSize)).map(eventToFeed);
      } catch (e) {
        this.#options.onError(this, e);
        this.#wanted = this.#head;
        return;
      }
      if (this.#closed) return;
      if (events.length === 0) {
        // Announced but not readable: wait for the next announcement or poll.
        this.#wanted = this.#head;
        return;
      }
      this.#recent.append(events);
      this.#head = events[events.length - 1].seq;
      if (this.#head > this.#wanted) this.#wanted = this.#head;
      if (this.#subs.size === 0) continue;
      const frame = this.frameFor(events);
      for (const sub of this.#subs) sub.offer(events, frame);
    }
  }
}
