import type { FeedFrame } from "./feed-frame.ts";

/** A frame waiting to be written, with what it carries for which study. */
export interface QueuedFrame {
  readonly frame: FeedFrame;
  /** The study whose events it carries, or null for replies and control messages. */
  readonly studyId: number | null;
  /** The last event seq it carries (0 when it carries none). */
  readonly lastSeq: number;
  /** How many events it carries. */
  readonly eventCount: number;
}

/** Limits of one client's queue. */
export interface OutboxLimits {
  /** Frames queued at most (events arrive in batches, so one frame can carry many). */
  readonly maxFrames: number;
  /** Bytes queued at most. */
  readonly maxBytes: number;
}

/**
 * One client's bounded queue of frames not yet handed to its transport. Live events are
 * refused once it is full (the caller then tells the client to resync); replies, snapshots
 * and catch-up pages are forced in, but only after waiting for room ({@link waitForRoom}),
 * so they never take it past its limits by more than one frame; control messages always
 * fit, and the session keeps their number bounded.
 */
export class Outbox {
  readonly #limits: OutboxLimits;
  #frames: QueuedFrame[] = [];
  #head = 0;
  #bytes = 0;
  #waiters: (() => void)[] = [];

  constructor(limits: OutboxLimits) {
    this.#limits = limits;
  }

  /** Frames queued. */
  get size(): number {
    return this.#frames.length - this.#head;
  }

  /** Bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues a live-event frame unless that would pass a limit; false when refused. */
  offer(item: QueuedFrame): boolean {
    const empty = this.size === 0;
    // A single frame larger than maxBytes still goes through an empty queue, or it never could.
    if (!empty && (this.size >= this.#limits.maxFrames || this.#bytes + item.frame.byteLength > this.#limits.maxBytes)) return false;
    this.#push(item);
    return true;
  }

  /** Queues a frame regardless of the limits: for frames whose caller waited for room, and bounded control messages. */
  force(item: QueuedFrame): void {
    this.#push(item);
  }

  /** The oldest frame, removed from the queue. */
  shift(): QueuedFrame | undefined {
    if (this.#head >= this.#frames.length) return undefined;
    const item = this.#frames[this.#head];
    this.#head++;
    this.#bytes -= item.frame.byteLength;
    if (this.#head > 1024 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
    if (this.#waiters.length && this.hasRoom()) this.#wake();
    return item;
  }

  /** Removes every frame carrying events of a study; returns how many events were dropped. */
  dropStudy(studyId: number): number {
    let dropped = 0;
    const kept: QueuedFrame[] = [];
    for (let i = this.#head; i < this.#frames.length; i++) {
      const item = this.#frames[i];
      if (item.studyId === studyId) {
        dropped += item.eventCount;
        this.#bytes -= item.frame.byteLength;
      } else {
        kept.push(item);
      }
    }
    this.#frames = kept;
    this.#head = 0;
    if (this.#waiters.length && this.hasRoom()) this.#wake();
    return dropped;
  }

  /** Whether the queue is at most half full: catch-up reads add a page only then. */
  hasRoom(): boolean {
    return this.size * 2 <= this.#limits.maxFrames && this.#bytes * 2 <= this.#limits.maxBytes;
  }

  /** Resolves once {@link hasRoom} holds (or the outbox is cleared). */
  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Empties the queue and releases every waiter (the client is gone). */
  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#wake();
  }

  #push(item: QueuedFrame): void {
    this.#frames.push(item);
    this.#bytes += item.frame.byteLength;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
