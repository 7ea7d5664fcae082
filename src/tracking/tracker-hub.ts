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
 * Fans study events out to trackers without ever blocking the caller: each tracker has its
 * own ordered queue drained asynchronously; a failing tracker is logged once and skipped
 * from then on for that hook, and never fails the study.
 */
export class TrackerHub {
  readonly #trackers: readonly Tracker[];
  readonly #queues = new Map<Tracker, Promise<void>>();
  readonly #warned = new Set<string>();
  readonly #log: (message: string) => void;

  constructor(trackers: readonly Tracker[], log: (message: string) => void = (m) => console.warn(m)) {
    this.#trackers = trackers;
    this.#log = log;
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

  /** Waits for every queue to drain and every tracker to flush (bounded by a timeout). */
  async close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    await Promise.all(
      this.#trackers.map(async (t) => {
        const drained = (this.#queues.get(t) ?? Promise.resolve()).then(() => t.close?.());
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
      }),
    );
  }

  #emit<H extends Hook>(hook: H, event: Parameters<NonNullable<Tracker[H]>>[0]): void {
    for (const t of this.#trackers) {
      const fn = t[hook] as ((e: typeof event) => void | Promise<void>) | undefined;
      if (!fn) continue;
      const prev = this.#queues.get(t) ?? Promise.resolve();
      const next = prev.then(async () => {
        try {
          await fn.call(t, event);
        } catch (e) {
          this.#warnOnce(t, hook, e);
        }
      });
      this.#queues.set(t, next);
    }
  }

  #warnOnce(t: Tracker, hook: string, e: unknown): void {
    const key = `${t.name}:${hook}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#log(`hpo: tracker "${t.name}" failed in ${hook}: ${(e as Error)?.message ?? String(e)} (the study goes on)`);
  }
}
