import type {
  ReportEvent,
  StudyEndEvent,
  StudyStartEvent,
  Tracker,
  TrialFinishEvent,
  TrialStartEvent,
} from "./tracker.ts";

type Hook = "onStudyStart" | "onTrialStart" | "onReport" | "onTrialFinish" | "onStudyEnd";

/** How long `close()` waits for a tracker's queue and flush before giving up on it. */
const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

/**
 * Reports queued for one tracker beyond which new reports are dropped: only a tracker that
 * hangs gets there, and it must not make the process hold every event in memory.
 */
const MAX_QUEUED_REPORTS = 10_000;

interface TrackerQueue {
  tail: Promise<void>;
  queuedReports: number;
  droppedReports: number;
}

/**
 * Fans study events out to trackers without ever blocking the caller: each tracker has its
 * own ordered queue drained asynchronously; a failing tracker is logged once per hook and
 * never fails the study; a tracker that hangs has its reports dropped past a bound
 * (lifecycle events are always kept) and is cut off by `close()`'s timeout.
 */
export class TrackerHub {
  readonly #trackers: readonly Tracker[];
  readonly #queues = new Map<Tracker, TrackerQueue>();
  readonly #warned = new Map<Tracker, Set<string>>();
  readonly #log: (message: string) => void;
  #closing: Promise<void> | null = null;

  constructor(trackers: readonly Tracker[], log: (message: string) => void = (m) => console.warn(m)) {
    this.#trackers = trackers;
    this.#log = log;
    for (const t of trackers) this.#queues.set(t, { tail: Promise.resolve(), queuedReports: 0, droppedReports: 0 });
  }

  /** Whether one of the trackers shows each failure's reason to the user. */
  get reportsFailures(): boolean {
    return this.#trackers.some((t) => t.reportsFailures === true);
  }

  /** Emits `onStudyStart`. */
  studyStart(e: StudyStartEvent): void {
    this.#emit("onStudyStart", e);
  }
  /** Emits `onTrialStart`. */
  trialStart(e: TrialStartEvent): void {
    this.#emit("onTrialStart", e);
  }
  /** Emits `onReport`. */
  report(e: ReportEvent): void {
    this.#emit("onReport", e);
  }
  /** Emits `onTrialFinish`. */
  trialFinish(e: TrialFinishEvent): void {
    this.#emit("onTrialFinish", e);
  }
  /** Emits `onStudyEnd`. */
  studyEnd(e: StudyEndEvent): void {
    this.#emit("onStudyEnd", e);
  }

  /**
   * Waits for every queue to drain and every tracker to flush, each bounded by `timeoutMs`.
   * Events emitted afterwards are ignored; calling it again returns the same promise.
   */
  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    this.#closing ??= Promise.all(this.#trackers.map((t) => this.#closeOne(t, timeoutMs))).then(() => undefined);
    return this.#closing;
  }

  async #closeOne(t: Tracker, timeoutMs: number): Promise<void> {
    const q = this.#queues.get(t)!;
    if (q.droppedReports > 0) this.#log(`hpo: tracker "${t.name}" fell behind; ${q.droppedReports} reports were not delivered to it`);
    const drained = q.tail.then(() => t.close?.());
    const guarded = drained.catch((e: unknown) => this.#warnOnce(t, "close", e));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#warnOnce(t, "close", new Error(`did not finish within ${timeoutMs} ms`));
        resolve();
      }, timeoutMs);
      timer.unref();
    });
    await Promise.race([guarded, timeout]);
    clearTimeout(timer);
  }

  #emit<H extends Hook>(hook: H, event: Parameters<NonNullable<Tracker[H]>>[0]): void {
    if (this.#closing) return;
    for (const t of this.#trackers) {
      const fn = t[hook] as ((e: typeof event) => void | Promise<void>) | undefined;
      if (!fn) continue;
      const q = this.#queues.get(t)!;
      const isReport = hook === "onReport";
      if (isReport) {
        if (q.queuedReports >= MAX_QUEUED_REPORTS) {
          q.droppedReports++;
          continue;
        }
        q.queuedReports++;
      }
      q.tail = q.tail.then(async () => {
        if (isReport) q.queuedReports--;
        try {
          await fn.call(t, event);
        } catch (e) {
          this.#warnOnce(t, hook, e);
        }
      });
    }
  }

  #warnOnce(t: Tracker, hook: string, e: unknown): void {
    let warned = this.#warned.get(t);
    if (!warned) this.#warned.set(t, (warned = new Set()));
    if (warned.has(hook)) return;
    warned.add(hook);
    this.#log(`hpo: tracker "${t.name}" failed in ${hook}: ${(e as Error)?.message ?? String(e)} (the study goes on)`);
  }
}
