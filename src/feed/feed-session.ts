import type { Storage, StudyRecord } from "../storage/storage.ts";
import { formatZodError } from "../internal/format-zod-error.ts";
import { FeedFrame } from "./feed-frame.ts";
import { StudyGoneError } from "./feed-errors.ts";
import { studyToFeed, trialToFeed } from "./feed-json.ts";
import {
  FEED_PROTOCOL_VERSION,
  feedClientMessageSchema,
  type FeedClientMessage,
  type FeedErrorCode,
  type FeedRequestId,
} from "./feed-protocol.ts";
import { Outbox, type QueuedFrame } from "./outbox.ts";
import type { StudiesFeed, StudiesListener } from "./studies-feed.ts";
import type { StudyChannel } from "./study-channel.ts";
import { Subscription, type SubscriptionSink } from "./subscription.ts";

/** Limits that apply to each client. */
export interface FeedClientLimits {
  /** Frames queued for a client at most before it is told to resync. */
  readonly maxQueuedFrames: number;
  /** Bytes queued for a client at most before it is told to resync. */
  readonly maxQueuedBytes: number;
  /** Studies one client may follow at once. */
  readonly maxSubscriptions: number;
  /**
   * Text of client messages waiting to be handled, at most (each counts its length plus
   * {@link REQUEST_OVERHEAD}). Requests are handled one at a time, each only once the
   * client's queue has room for the reply, so a client that sends without reading fills
   * this and is disconnected.
   */
  readonly maxPendingBytes: number;
}

/** What a waiting request costs beyond its text, for the pending-requests limit. */
export const REQUEST_OVERHEAD = 64;

/** Longest message text in an error reply (an invalid 64 KiB message is not echoed whole). */
const MAX_ERROR_MESSAGE = 1000;

/** What a session needs from the hub that owns it. */
export interface FeedSessionHost {
  readonly storage: Storage;
  readonly limits: FeedClientLimits;
  readonly studies: StudiesFeed;
  /** The channel of a study (created on first use). */
  channelFor(study: StudyRecord): Promise<StudyChannel>;
  /** The study's last committed seq, read from storage. */
  headSeq(studyId: number): Promise<number>;
  /** Counts a resync and the events it dropped. */
  recordResync(droppedEvents: number): void;
  /** The session ended. */
  sessionClosed(session: FeedSession): void;
  /** Reports an unexpected error. */
  log(message: string): void;
}

/** Marks queued studies-list updates, so a newer list replaces one not yet sent. */
const STUDIES_UPDATE = -1;

/**
 * One client connection, transport-free: it takes the client's text messages
 * ({@link receive}), and its transport pulls the frames to send ({@link nextFrame})
 * whenever {@link onFrames} says there are some. Requests are handled one at a time, in
 * the order they arrive.
 *
 * Its memory is bounded whatever the client does: every frame enters the client's queue
 * either as a live event (refused when the queue is full: the client is told to resync) or
 * once the queue is at most half full (replies, snapshots, catch-up pages), apart from a
 * few control messages (at most one per followed study, and one studies list); waiting
 * requests are bounded by `maxPendingBytes`.
 */
export class FeedSession implements SubscriptionSink, StudiesListener {
  readonly #host: FeedSessionHost;
  readonly #outbox: Outbox;
  readonly #subs = new Map<string, Subscription>();
  readonly #byStudyId = new Map<number, Subscription>();
  /** Client messages not yet handled (null: a message that was not text), oldest first. */
  #pending: (string | null)[] = [];
  #pendingBytes = 0;
  #handling = false;
  #onFrames: (() => void) | null = null;
  #onEnd: ((reason: string) => void) | null = null;
  #closed = false;

  constructor(host: FeedSessionHost) {
    this.#host = host;
    this.#outbox = new Outbox({ maxFrames: host.limits.maxQueuedFrames, maxBytes: host.limits.maxQueuedBytes });
    this.#control(FeedFrame.of({ type: "hello", protocol: FEED_PROTOCOL_VERSION }));
  }

  /** Whether the session has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Frames waiting for the transport. */
  get queuedFrames(): number {
    return this.#outbox.size;
  }

  /** Studies this client follows. */
  get subscriptionCount(): number {
    return this.#subs.size;
  }

  /** Sets the function told whenever frames are queued (the transport then pulls them). */
  onFrames(listener: () => void): void {
    this.#onFrames = listener;
    if (this.#outbox.size > 0) listener();
  }

  /**
   * Sets the function told when the session ends itself because the client broke a limit
   * (the transport then closes the connection, saying `reason`).
   */
  onEnd(listener: (reason: string) => void): void {
    this.#onEnd = listener;
  }

  /** The next frame to send, or undefined when none is queued. */
  nextFrame(): FeedFrame | undefined {
    const item = this.#outbox.shift();
    if (!item) return undefined;
    if (item.lastSeq > 0 && item.studyId !== null) {
      const sub = this.#byStudyId.get(item.studyId);
      if (sub && item.lastSeq > sub.delivered) sub.delivered = item.lastSeq;
    }
    return item.frame;
  }

  /**
   * A message from the client: text (JSON), or null for a message that was not text. It
   * waits its turn: requests are handled one at a time, in order, each once the client's
   * queue has room for its reply. A client whose waiting requests pass
   * `maxPendingBytes` is not reading its replies: the session ends.
   */
  receive(text: string | null): void {
    if (this.#closed) return;
    this.#pendingBytes += (text?.length ?? 0) + REQUEST_OVERHEAD;
    if (this.#pendingBytes > this.#host.limits.maxPendingBytes) {
      this.#end(`too many requests waiting (over ${this.#host.limits.maxPendingBytes} bytes): a client must read the replies to its requests`);
      return;
    }
    this.#pending.push(text);
    if (!this.#handling) void this.#handleAll();
  }

  async #handleAll(): Promise<void> {
    this.#handling = true;
    try {
      while (!this.#closed && this.#pending.length > 0) {
        // The reply goes into the client's queue only once it has room: a client that does
        // not read stops having its requests handled, and its waiting requests are bounded.
        await this.#outbox.waitForRoom();
        if (this.#closed) return;
        const text = this.#pending.shift()!;
        this.#pendingBytes -= (text?.length ?? 0) + REQUEST_OVERHEAD;
        await this.#handleText(text);
      }
    } finally {
      this.#handling = false;
    }
  }

  async #handleText(text: string | null): Promise<void> {
    let raw: unknown;
    try {
      if (text === null) throw new Error("messages must be text frames holding JSON");
      raw = JSON.parse(text);
    } catch (e) {
      this.#error(undefined, "bad_message", text === null ? (e as Error).message : `not JSON: ${(e as Error).message}`);
      return;
    }
    const parsed = feedClientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.#error(requestIdOf(raw), "bad_message", `invalid message: ${formatZodError(parsed.error)}`);
      return;
    }
    const message = parsed.data;
    try {
      await this.#handle(message);
    } catch (e) {
      if (this.#closed) return;
      if (e instanceof StudyGoneError) {
        this.#error(message.id, "unknown_study", e.message, "study" in message ? message.study : undefined);
        return;
      }
      this.#reportFailure(message.id, "study" in message ? message.study : undefined, undefined, e, `${message.type} failed`);
    }
  }

  /** Ends the session (the connection closed): every subscription is dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of this.#subs.values()) sub.close();
    this.#subs.clear();
    this.#byStudyId.clear();
    this.#host.studies.remove(this);
    this.#outbox.clear();
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#host.sessionClosed(this);
  }

  /** The client broke a limit: the session ends and the transport is told to hang up. */
  #end(reason: string): void {
    if (this.#closed) return;
    this.#host.log(`feed: disconnecting a client: ${reason} (${this.#outbox.size} frames, ${this.#outbox.bytes} bytes were queued for it)`);
    this.close();
    this.#onEnd?.(reason);
  }

  // -- SubscriptionSink --

  /** @internal */
  offer(item: QueuedFrame): boolean {
    if (this.#closed) return true;
    if (!this.#outbox.offer(item)) return false;
    this.#wake();
    return true;
  }

  /** @internal */
  force(item: QueuedFrame): void {
    if (this.#closed) return;
    this.#outbox.force(item);
    this.#wake();
  }

  /** @internal */
  waitForRoom(): Promise<void> {
    return this.#outbox.waitForRoom();
  }

  /** @internal */
  overflowed(sub: Subscription, rejected: number): void {
    const name = sub.channel.name;
    this.#drop(name, sub);
    const dropped = rejected + this.#outbox.dropStudy(sub.studyId);
    this.#host.recordResync(dropped);
    this.#control(FeedFrame.of({ type: "resync", study: name, studyId: sub.studyId, since: sub.delivered, reason: "slow_client" }));
  }

  /** @internal */
  failed(sub: Subscription, error: unknown): void {
    const name = sub.channel.name;
    if (this.#subs.get(name) !== sub) return;
    this.#drop(name, sub);
    this.#outbox.dropStudy(sub.studyId);
    if (error instanceof StudyGoneError) {
      this.#error(undefined, "study_deleted", error.message, name);
      return;
    }
    this.#reportFailure(undefined, name, sub.studyId, error, `study "${name}"`);
  }

  /**
   * Reports an unexpected error, unless the study it concerns is gone: a study deleted while
   * a client subscribes or catches up shows up as failed reads or missing events, and the
   * client should hear `study_deleted`, not an internal error.
   */
  #reportFailure(id: FeedRequestId | undefined, name: string | undefined, studyId: number | undefined, error: unknown, context: string): void {
    const message = (error as Error)?.message ?? String(error);
    const internal = () => {
      this.#host.log(`feed: ${context}: ${message}`);
      this.#error(id, "internal", message, name);
    };
    if (name === undefined) return internal();
    void this.#host.storage
      .findStudy(name)
      .catch(() => undefined)
      .then((now) => {
        if (now === null || (now && studyId !== undefined && now.studyId !== studyId)) {
          this.#error(id, "study_deleted", new StudyGoneError(name).message, name);
        } else {
          internal();
        }
      });
  }

  // -- StudiesListener --

  /** @internal */
  pushStudies(frame: FeedFrame, reply: boolean): void {
    if (this.#closed) return;
    if (reply) {
      this.#control(frame);
      return;
    }
    this.#outbox.dropStudy(STUDIES_UPDATE);
    this.#outbox.force({ frame, studyId: STUDIES_UPDATE, lastSeq: 0, eventCount: 0 });
    this.#wake();
  }

  async #handle(message: FeedClientMessage): Promise<void> {
    if (this.#closed) return;
    switch (message.type) {
      case "subscribe":
        return this.#subscribe(message.study, message.since, message.studyId, message.id);
      case "unsubscribe": {
        const sub = this.#subs.get(message.study);
        if (sub) {
          this.#drop(message.study, sub);
          this.#outbox.dropStudy(sub.studyId);
        }
        this.#control(FeedFrame.of(withId({ type: "unsubscribed", study: message.study }, message.id)));
        return;
      }
      case "subscribe_studies":
        await this.#host.studies.add(this, message.id);
        if (this.#closed) this.#host.studies.remove(this);
        return;
      case "unsubscribe_studies":
        this.#host.studies.remove(this);
        this.#outbox.dropStudy(STUDIES_UPDATE);
        this.#control(FeedFrame.of(withId({ type: "studies", studies: [] }, message.id)));
        return;
    }
  }

  async #subscribe(name: string, since: number | undefined, studyId: number | undefined, id: FeedRequestId | undefined): Promise<void> {
    const { storage, limits } = this.#host;
    if (!this.#subs.has(name) && this.#subs.size >= limits.maxSubscriptions) {
      this.#error(id, "too_many_subscriptions", `a client may follow at most ${limits.maxSubscriptions} studies`, name);
      return;
    }
    const study = await storage.findStudy(name);
    if (this.#closed) return;
    if (!study) {
      this.#error(id, "unknown_study", `no study named "${name}"`, name);
      return;
    }
    const previous = this.#subs.get(name);
    if (previous) {
      this.#drop(name, previous);
      this.#outbox.dropStudy(previous.studyId);
    }
    // A `since` from another incarnation of the study, or from the future, gets a snapshot.
    let replayFrom = studyId !== undefined && studyId !== study.studyId ? undefined : since;
    let head = 0;
    if (replayFrom !== undefined) {
      head = await this.#host.headSeq(study.studyId);
      if (replayFrom > head) replayFrom = undefined;
    }
    if (this.#closed) return;

    let cursor: number;
    if (replayFrom === undefined) {
      await this.#outbox.waitForRoom();
      const { trials, version } = await storage.getTrials(study.studyId);
      if (this.#closed) return;
      this.#control(FeedFrame.of(withId({ type: "snapshot", study: studyToFeed(study), seq: version, trials: trials.map(trialToFeed) }, id)));
      cursor = version;
    } else {
      this.#control(FeedFrame.of(withId({ type: "subscribed", study: name, studyId: study.studyId, since: replayFrom, head }, id)));
      cursor = replayFrom;
    }
    // Events after the cursor that commit meanwhile are read by the subscription's catch-up.
    // No await between getting the channel and joining it: an idle channel cannot close in between.
    const channel = await this.#host.channelFor(study);
    if (this.#closed) return;
    const sub = new Subscription(channel, this, cursor);
    this.#subs.set(name, sub);
    this.#byStudyId.set(study.studyId, sub);
    sub.start();
  }

  #drop(name: string, sub: Subscription): void {
    sub.close();
    if (this.#subs.get(name) === sub) this.#subs.delete(name);
    if (this.#byStudyId.get(sub.studyId) === sub) this.#byStudyId.delete(sub.studyId);
  }

  #error(id: FeedRequestId | undefined, code: FeedErrorCode, text: string, study?: string): void {
    const message = text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}… (${text.length} characters)` : text;
    this.#control(FeedFrame.of(withId({ type: "error", code, message, ...(study === undefined ? {} : { study }) }, id)));
  }

  #control(frame: FeedFrame): void {
    if (this.#closed) return;
    this.#outbox.force({ frame, studyId: null, lastSeq: 0, eventCount: 0 });
    this.#wake();
  }

  #wake(): void {
    this.#onFrames?.();
  }
}

function withId<T extends object>(message: T, id: FeedRequestId | undefined): T & { id?: FeedRequestId } {
  return id === undefined ? message : { ...message, id };
}

function requestIdOf(raw: unknown): FeedRequestId | undefined {
  if (raw && typeof raw === "object" && "id" in raw) {
    const id = (raw as { id: unknown }).id;
    if (typeof id === "number" || (typeof id === "string" && id.length <= 200)) return id;
  }
  return undefined;
}
