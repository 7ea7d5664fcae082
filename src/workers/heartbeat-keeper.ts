import type { FailedTrialReport, Storage } from "../storage/storage.ts";

/** Options of {@link HeartbeatKeeper}. */
export interface HeartbeatOptions {
  /** Seconds between heartbeats (and stale checks). */
  readonly intervalSeconds: number;
  /** Seconds without a heartbeat after which a RUNNING trial is failed and retried. */
  readonly graceSeconds: number;
  readonly maxRetries: number;
  /** Told about every trial this process failed as stale. */
  readonly onStale?: (reports: FailedTrialReport[]) => void;
}

/**
 * Keeps this process's running trials alive in storage and, like every live worker,
 * fails trials whose heartbeat went silent (a worker killed or cut off) and enqueues their
 * retries. One timer per study object; it does not keep the process alive.
 */
export class HeartbeatKeeper {
  readonly #storage: Storage;
  readonly #studyId: number;
  readonly #options: HeartbeatOptions;
  readonly #live = new Set<number>();
  #timer: NodeJS.Timeout | null = null;
  #beating = false;
  #reconnectsSeen = 0;
  #judgeAfter = -Infinity;

  constructor(storage: Storage, studyId: number, options: HeartbeatOptions) {
    this.#storage = storage;
    this.#studyId = studyId;
    this.#options = options;
  }

  /** Starts beating for a trial (the first beat was written when it started). */
  add(trialId: number): void {
    this.#live.add(trialId);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.beat(), this.#options.intervalSeconds * 1000);
      this.#timer.unref();
    }
  }

  /** Stops beating for a trial (finished). */
  remove(trialId: number): void {
    this.#live.delete(trialId);
    if (this.#live.size === 0) this.stop();
  }

  /** Writes heartbeats for the live trials, then fails stale ones of other workers. */
  async beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      if (this.#live.size) await this.#storage.recordHeartbeats([...this.#live]);
      await this.checkStale();
    } catch {
      // A lost connection: the next beat retries; the grace period absorbs short outages.
    } finally {
      this.#beating = false;
    }
  }

  /** Fails trials silent for longer than the grace period and enqueues their retries. */
  async checkStale(): Promise<FailedTrialReport[]> {
    // After a lost connection, other workers need a grace period to reconnect and beat again
    // (and a crashed server may have lost their last heartbeats): nobody is judged stale
    // until then.
    const reconnects = this.#storage.reconnects ?? 0;
    if (reconnects !== this.#reconnectsSeen) {
      this.#reconnectsSeen = reconnects;
      this.#judgeAfter = performance.now() + this.#options.graceSeconds * 1000;
    }
    if (performance.now() < this.#judgeAfter) return [];
    const reports = await this.#storage.failStaleTrials(this.#studyId, {
      graceMs: this.#options.graceSeconds * 1000,
      maxRetries: this.#options.maxRetries,
    });
    if (reports.length) this.#options.onStale?.(reports);
    return reports;
  }

  /** Stops the timer. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
