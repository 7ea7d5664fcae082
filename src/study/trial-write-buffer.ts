import type { MetricWrite, ParamWrite, Storage, TrialPatch } from "../storage/storage.ts";
import { TrialNotRunningError } from "../storage/storage-errors.ts";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";

/**
 * The write-behind buffer of one running trial: what the objective hands over (params,
 * reports, user attrs) is kept here and written in the background, one transaction at a
 * time, so that the objective never waits for storage. What changes while a write is in
 * flight goes out in the next one; a failed write keeps its data for the next try and its
 * error for the trial's next await point. {@link close} hands back what is left for the
 * trial's final patch.
 */
export class TrialWriteBuffer {
  readonly #storage: Storage;
  readonly #trialId: number;
  readonly #delayMs: number;
  readonly #onNotRunning: (error: TrialNotRunningError) => void;
  #pending: PendingWrites = emptyPending();
  #flushScheduled = false;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The write in flight, if any; what changes meanwhile goes out in the next one. */
  #writing: Promise<void> | null = null;
  #writeError: unknown = null;
  #closed = false;

  /**
   * `delayMs`: batch writes over this many ms (0: write after each synchronous stretch).
   * `onNotRunning`: told when storage refuses a write because the trial ended elsewhere
   * (failed as stale by another worker): its objective should stop.
   */
  constructor(storage: Storage, trialId: number, options: { delayMs: number; onNotRunning: (error: TrialNotRunningError) => void }) {
    this.#storage = storage;
    this.#trialId = trialId;
    this.#delayMs = options.delayMs;
    this.#onNotRunning = options.onNotRunning;
  }

  /** Whether writes are batched over a time window (else they go out after each synchronous stretch). */
  get batched(): boolean {
    return this.#delayMs > 0;
  }

  /**
   * Queues a suggested param. It goes out with the batch, within the write delay: a trial
   * that ends sooner sends it with its outcome, one round trip instead of two (the cost of a
   * short trial on a busy server), and a retry after a crash finds it unless the worker died
   * within that window.
   */
  addParam(param: ParamWrite): void {
    this.#pending.params.push(param);
    this.#scheduleFlush();
  }

  /** Queues the metrics newly reported at `step`, and the watched metric's value among them (null: not reported). */
  addReport(step: number, metrics: Readonly<Record<string, number>>, watched: number | null): void {
    for (const [name, value] of Object.entries(metrics)) this.#pending.metrics.push({ step, name, value });
    if (watched !== null) this.#pending.reports.push({ step, value: watched });
    this.#scheduleFlush();
  }

  /** Queues a user attribute (already checked and copied). */
  setUserAttr(key: string, value: AttrValue): void {
    this.#pending.userAttrs[key] = value;
    this.#scheduleFlush();
  }

  /** Rethrows (once) the error of a background write that failed; its data is pending again. */
  throwWriteError(): void {
    if (!this.#writeError) return;
    const e = this.#writeError;
    this.#writeError = null;
    throw e;
  }

  /** Unless writes are batched, starts writing what is pending now instead of after this synchronous stretch. */
  sendUnlessBatched(): void {
    if (!this.batched) this.#flushNow();
  }

  /** Writes everything buffered and waits for it; rethrows a failed write. */
  async flush(): Promise<void> {
    await this.#drain();
    // A background write failed: report it here; its data is pending again for the next try.
    this.throwWriteError();
    this.#startWrite();
    await this.#drain();
    this.throwWriteError();
  }

  /**
   * Stops writing (at once: nothing new starts), waits for the write in flight and returns
   * what is still pending, for the trial's final patch. A background write that failed
   * earlier (e.g. a lost connection) put its changes back in the pending patch: they go out
   * with the final one, so its error no longer matters.
   */
  async close(): Promise<TrialPatch> {
    this.#closed = true;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    await this.#drain();
    this.#writeError = null;
    return this.#takePending();
  }

  async #drain(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    if (this.#delayMs > 0) {
      // Batches the writes of a time window; a trial ending sooner sends them with its outcome.
      this.#flushTimer = setTimeout(() => this.#flushNow(), this.#delayMs);
      this.#flushTimer.unref?.();
    } else {
      // Batches every suggest/report made in one synchronous stretch into one transaction.
      queueMicrotask(() => this.#flushNow());
    }
  }

  #flushNow(): void {
    this.#flushScheduled = false;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    // A write in flight takes what is pending when it ends; after a failed write, the next
    // flush() or close() retries.
    if (this.#closed || this.#writing || this.#writeError) return;
    this.#startWrite();
  }

  #startWrite(): void {
    const patch = this.#takePending();
    if (!patch.params && !patch.intermediateValues && !patch.metrics && !patch.userAttrs) return;
    this.#writing = (async () => {
      try {
        await this.#storage.updateTrial(this.#trialId, patch);
      } catch (e) {
        // Kept for the next await point (shouldPrune, finish) instead of an unhandled rejection;
        // the data is re-sent with the next write or the final patch.
        this.#writeError ??= e;
        this.#requeue(patch);
        // Failed elsewhere (stale, retried by another worker): its objective should stop.
        if (e instanceof TrialNotRunningError) this.#onNotRunning(e);
      }
    })().finally(() => {
      this.#writing = null;
      // What came in while that transaction ran goes out together in the next one, on the
      // usual schedule (so batching holds across writes).
      const p = this.#pending;
      if (this.#closed || this.#writeError) return;
      if (p.params.length || p.reports.length || p.metrics.length || Object.keys(p.userAttrs).length) this.#scheduleFlush();
    });
  }

  #requeue(patch: TrialPatch): void {
    this.#pending.params.unshift(...(patch.params ?? []));
    this.#pending.reports.unshift(...(patch.intermediateValues ?? []));
    this.#pending.metrics.unshift(...(patch.metrics ?? []));
    this.#pending.userAttrs = { ...patch.userAttrs, ...this.#pending.userAttrs };
  }

  #takePending(): TrialPatch {
    const p = this.#pending;
    this.#pending = emptyPending();
    return {
      params: p.params.length ? p.params : undefined,
      intermediateValues: p.reports.length ? p.reports : undefined,
      metrics: p.metrics.length ? p.metrics : undefined,
      userAttrs: Object.keys(p.userAttrs).length ? p.userAttrs : undefined,
    };
  }
}

interface PendingWrites {
  params: ParamWrite[];
  reports: { step: number; value: number }[];
  metrics: MetricWrite[];
  userAttrs: Record<string, AttrValue>;
}

function emptyPending(): PendingWrites {
  return { params: [], reports: [], metrics: [], userAttrs: {} };
}
