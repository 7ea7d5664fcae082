import { STUDY_DELETED_SEQ, type Storage, type StudyRecord } from "../storage/storage.ts";
import { StudyGoneError } from "./feed-errors.ts";
import { FeedSession, type FeedClientLimits, type FeedSessionHost } from "./feed-session.ts";
import { StudiesFeed } from "./studies-feed.ts";
import { StudyChannel } from "./study-channel.ts";

/** Tuning of a feed; every field has a default. */
export interface FeedOptions extends Partial<FeedClientLimits> {
  /** Events per study kept in memory for replays (default 4096). */
  readonly recentEvents?: number;
  /** Events read per storage query (default 1000). */
  readonly pageSize?: number;
  /**
   * Least time between two batches of a study, in ms (default 0: every turn of the event
   * loop). Larger values trade a little latency for fewer frames per client.
   */
  readonly batchMs?: number;
  /**
   * How often studies with subscribers are checked for events whose announcement was
   * lost (a PostgreSQL reconnect) and for deletion, in ms (default 3000; 0: never).
   */
  readonly pollMs?: number;
  /** Least time between two studies-list updates, in ms (default 500). */
  readonly studiesThrottleMs?: number;
  /** How long a study without subscribers keeps its cache, in ms (default 30000). */
  readonly channelIdleMs?: number;
  /** Where unexpected errors are reported (default: stderr). */
  readonly log?: (message: string) => void;
}

/** Counters of a running feed. */
export interface FeedStats {
  readonly sessions: number;
  readonly subscriptions: number;
  readonly channels: number;
  /** Clients told to resync because their queue overflowed. */
  readonly resyncs: number;
  /** Events dropped from overflowing queues (the clients get them again by resyncing). */
  readonly droppedEvents: number;
}

/**
 * The transport-free live feed over one storage: it listens for committed events, keeps
 * one channel per followed study and serves sessions (one per client connection) that
 * subscribe with a snapshot or a replay from a sequence number.
 *
 * @example
 * const hub = await FeedHub.open(storage);
 * const session = hub.openSession();
 * session.onFrames(() => { for (let f; (f = session.nextFrame()); ) socket.send(f.text); });
 * session.receive(JSON.stringify({ type: "subscribe", study: "my-study" }));
 */
export class FeedHub implements FeedSessionHost {
  readonly storage: Storage;
  readonly limits: FeedClientLimits;
  readonly studies: StudiesFeed;
  readonly #options: FeedOptions;
  readonly #channels = new Map<number, Promise<StudyChannel>>();
  /** The same channels, available at once (announcements reach them while they start). */
  readonly #known = new Map<number, StudyChannel>();
  readonly #sessions = new Set<FeedSession>();
  readonly #logFn: (message: string) => void;
  #unwatch: (() => Promise<void>) | null = null;
  #poll: NodeJS.Timeout | null = null;
  #polling = false;
  #resyncs = 0;
  #droppedEvents = 0;
  #closed = false;

  private constructor(storage: Storage, options: FeedOptions) {
    this.storage = storage;
    this.#options = options;
    this.limits = {
      maxQueuedFrames: options.maxQueuedFrames ?? 256,
      maxQueuedBytes: options.maxQueuedBytes ?? 8 * 1024 * 1024,
      maxSubscriptions: options.maxSubscriptions ?? 100,
      maxPendingBytes: options.maxPendingBytes ?? 1024 * 1024,
    };
    this.#logFn = options.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.studies = new StudiesFeed(storage, options.studiesThrottleMs ?? 500, (e) => this.log(`feed: studies list: ${(e as Error)?.message ?? e}`));
  }

  /** Starts a feed over a storage (listening for its events). */
  static async open(storage: Storage, options: FeedOptions = {}): Promise<FeedHub> {
    const hub = new FeedHub(storage, options);
    hub.#unwatch = await storage.watchEvents((studyId, lastSeq) => hub.#announced(studyId, lastSeq));
    const pollMs = options.pollMs ?? 3000;
    if (pollMs > 0) {
      hub.#poll = setInterval(() => void hub.#pollChannels(), pollMs);
      hub.#poll.unref();
    }
    return hub;
  }

  /** A new client session. */
  openSession(): FeedSession {
    if (this.#closed) throw new Error("the feed is closed");
    const session = new FeedSession(this);
    this.#sessions.add(session);
    return session;
  }

  /** Current counters. */
  get stats(): FeedStats {
    let subscriptions = 0;
    for (const s of this.#sessions) subscriptions += s.subscriptionCount;
    return { sessions: this.#sessions.size, subscriptions, channels: this.#channels.size, resyncs: this.#resyncs, droppedEvents: this.#droppedEvents };
  }

  /**
   * Sends what is committed but not yet sent: reads every followed study up to its current
   * head and waits (at most `timeoutMs`) until the clients' queues are handed to their
   * transports. For a clean shutdown: a run that ends should not cut off its last events.
   */
  async flush(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const followed = [...this.#known.values()].filter((c) => c.subscriberCount > 0);
    await Promise.all(followed.map(async (c) => c.catchUpTo(await this.headSeq(c.studyId)).catch(() => undefined)));
    while (Date.now() < deadline && [...this.#sessions].some((s) => s.queuedFrames > 0)) await new Promise((r) => setTimeout(r, 20));
  }

  /** Stops listening and ends every session (their transports close the connections). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#poll) clearInterval(this.#poll);
    for (const s of [...this.#sessions]) s.close();
    this.studies.close();
    for (const c of this.#known.values()) c.close();
    this.#known.clear();
    this.#channels.clear();
    await this.#unwatch?.();
  }

  /** @internal */
  channelFor(study: StudyRecord): Promise<StudyChannel> {
    let pending = this.#channels.get(study.studyId);
    if (!pending) {
      const channel = new StudyChannel(this.storage, study, {
        recentEvents: this.#options.recentEvents ?? 4096,
        pageSize: this.#options.pageSize ?? 1000,
        batchMs: this.#options.batchMs ?? 0,
        onIdle: (c) => this.#idle(c),
        onError: (c, e) => this.log(`feed: reading events of study "${c.name}": ${(e as Error)?.message ?? e}`),
      });
      // Registered before its head is read, so announcements from then on are not missed.
      this.#known.set(study.studyId, channel);
      pending = this.headSeq(study.studyId).then(async (head) => {
        await channel.init(head);
        return channel;
      });
      this.#channels.set(study.studyId, pending);
      pending.catch(() => this.#forget(channel));
    }
    return pending;
  }

  /** @internal */
  async headSeq(studyId: number): Promise<number> {
    return this.storage.headSeq(studyId);
  }

  /** @internal */
  recordResync(droppedEvents: number): void {
    this.#resyncs++;
    this.#droppedEvents += droppedEvents;
  }

  /** @internal */
  sessionClosed(session: FeedSession): void {
    this.#sessions.delete(session);
  }

  /** @internal */
  log(message: string): void {
    this.#logFn(message);
  }

  #announced(studyId: number, lastSeq: number): void {
    if (this.#closed) return;
    const channel = this.#known.get(studyId);
    if (lastSeq === STUDY_DELETED_SEQ) {
      if (channel) {
        channel.fail(new StudyGoneError(channel.name));
        this.#forget(channel);
      }
    } else {
      channel?.notify(lastSeq);
    }
    this.studies.changed();
  }

  #idle(channel: StudyChannel): void {
    const timer = setTimeout(() => {
      if (channel.subscriberCount > 0 || this.#closed) return;
      this.#forget(channel);
    }, this.#options.channelIdleMs ?? 30_000);
    timer.unref();
  }

  #forget(channel: StudyChannel): void {
    channel.close();
    if (this.#known.get(channel.studyId) === channel) {
      this.#known.delete(channel.studyId);
      this.#channels.delete(channel.studyId);
    }
  }

  async #pollChannels(): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    try {
      for (const channel of [...this.#known.values()]) {
        if (channel.subscriberCount === 0 || this.#closed) continue;
        try {
          channel.notify(await this.headSeq(channel.studyId));
        } catch (e) {
          const now = await this.storage.findStudy(channel.name).catch(() => undefined);
          if (now === null || (now && now.studyId !== channel.studyId)) {
            channel.fail(new StudyGoneError(channel.name));
            this.#forget(channel);
          } else {
            this.log(`feed: checking study "${channel.name}": ${(e as Error)?.message ?? e}`);
          }
        }
      }
    } finally {
      this.#polling = false;
    }
  }
}
