import { TrialNotRunningError } from "../storage/storage-errors.ts";
import { TrackerHub } from "../tracking/tracker-hub.ts";
import type { Tracker } from "../tracking/tracker.ts";
import { describeThrown } from "../internal/describe-thrown.ts";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";
import { isTrialPruned } from "../vocabulary/trial-pruned.ts";
import { evaluateResult } from "./evaluate-result.ts";
import type { Objective } from "./objective.ts";
import { type Trial, TrialFinishedError } from "./trial.ts";
import { prunedOutcome, type TrialOutcome } from "./trial-outcome.ts";

/** Which errors `optimize` catches (the trial still ends FAIL either way). */
export type CatchOption = boolean | readonly (abstract new (...args: never[]) => Error)[] | ((error: unknown) => boolean);

/** Options of an optimize call, but for its callbacks (they receive the study: `OptimizeOptions` adds them). */
export interface OptimizeRunOptions {
  /** Trials to run in this call (default: until timeout or forever). */
  nTrials?: number;
  /**
   * Seconds after which no new trial starts. A trial claimed with the previous one's final
   * write (one round trip for both, on a server) started then, and runs.
   */
  timeout?: number;
  /** Trials run at once in this process (default 1). */
  concurrency?: number;
  /**
   * Errors to catch: `true` for all, a list of error classes, or a predicate. Default: none,
   * as Optuna: the trial ends FAIL and optimize rethrows.
   */
  catch?: CatchOption;
  trackers?: readonly Tracker[];
  /** Aborting marks running trials FAIL ("interrupted") and returns at once. */
  signal?: AbortSignal;
  /**
   * Study-wide budget shared by every process working on the study: finished trials
   * (COMPLETE, PRUNED, FAIL; a retried failure counts through its retry). New trials stop
   * once it is reserved; the call returns when it is reached, waiting meanwhile for other
   * workers' trials (and retrying those that go stale).
   */
  budget?: number;
}

/** How an optimize call ended. */
export interface OptimizeResult {
  readonly reason: "completed" | "timeout" | "interrupted";
  /** Trials this call finished. */
  readonly finished: number;
}

/**
 * The study an optimize loop runs: what the loop reads of it, and the few internals Study
 * lends it (asking within a budget, finishing a live trial, routing tracker events).
 */
export interface OptimizedStudy {
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  /** The metric a one-number result is the value of. */
  readonly metricName: string;
  /** Seconds between heartbeats: a loop waiting on other workers looks for stale trials twice as often. */
  readonly heartbeatInterval: number;
  /** Trials final so far (retried failures counted once) and the best one (single-objective), for the trackers' start. */
  standing(): Promise<{ finished: number; best: FrozenTrial | null }>;
  /** Whether `budget` trials are final. */
  budgetReached(budget: number): Promise<boolean>;
  /**
   * Starts a trial unless `budget` is reserved by trials final, running or waiting (then
   * null); with `claimed`, starts that one (claimed by a finish) without asking storage.
   */
  ask(budget: number | undefined, claimed?: FrozenTrial): Promise<Trial | null>;
  /**
   * Tells a live trial its outcome; with `next`, where the storage can, claims this process's
   * next trial within `budget` in the same round trip (`claimed`, else null).
   */
  finish(trial: Trial, outcome: TrialOutcome, next?: { budget: number | undefined }): Promise<{ final: FrozenTrial; claimed: FrozenTrial | null }>;
  /** Fails a trial a finish claimed that will not run, with `reason`. */
  release(claimed: FrozenTrial, reason: string): Promise<void>;
  /** Routes reports, stale failures and interrupts to `hub` (telling it the failures it missed) until the returned function restores the previous route. */
  attachTrackers(hub: TrackerHub): Promise<() => void>;
  /** Fails and retries trials whose heartbeat stopped. */
  checkStale(): Promise<void>;
  /** Fails every trial this process runs with `reason`. */
  interrupt(reason: string): Promise<number>;
}

/**
 * Runs `objective` for `nTrials` trials (or until `timeout`, the budget or `signal`),
 * `concurrency` at a time, as Optuna's `_optimize`: a returned value completes a trial,
 * TrialPruned prunes it, an error fails it (and ends the call unless caught).
 * `callbacks` (the study's, bound to it) run after every trial this call finished.
 */
export async function runOptimize(
  study: OptimizedStudy,
  objective: Objective,
  options: OptimizeRunOptions,
  callbacks: readonly ((trial: FrozenTrial) => void | Promise<void>)[],
): Promise<OptimizeResult> {
  validateOptimizeOptions(options);
  const concurrency = options.concurrency ?? 1;
  const deadline = options.timeout !== undefined ? Date.now() + options.timeout * 1000 : Infinity;
  const hub = options.trackers?.length ? new TrackerHub(options.trackers) : null;
  let detach = (): void => undefined;
  let started = 0;
  let finished = 0;
  let stopReason: OptimizeResult["reason"] = "completed";
  let fatal: { error: unknown } | null = null;
  let interrupted = false;

  if (hub) {
    const standing = await study.standing();
    const planned = options.nTrials ?? (options.budget !== undefined ? Math.max(0, options.budget - standing.finished) : undefined);
    hub.studyStart({
      studyName: study.studyName,
      directions: study.directions,
      nTrials: planned,
      finishedBefore: standing.finished,
      ...(standing.best ? { best: { number: standing.best.number, value: standing.best.value as number } } : {}),
    });
    detach = await study.attachTrackers(hub);
  }

  // An error, an interrupt or an abort: nothing more runs, not even a trial already claimed.
  const stopping = (): boolean => fatal !== null || interrupted || options.signal?.aborted === true;
  const canStart = (): boolean => {
    if (stopping()) return false;
    if (options.nTrials !== undefined && started >= options.nTrials) return false;
    if (Date.now() >= deadline) {
      stopReason = "timeout";
      return false;
    }
    return true;
  };

  // Claiming the next trial with a finish saves a round trip (and a wait for the server's
  // disk) per trial. Only where nothing but an abort can stop the loop between the two, or
  // the claimed trial would be failed without having run: one trial at a time (another's
  // error ends the call) and no callbacks (which may throw).
  const claimsAhead = concurrency === 1 && callbacks.length === 0;

  const idleMs = Math.min(1000, (study.heartbeatInterval * 1000) / 2);
  const loop = async (): Promise<void> => {
    // The next trial, claimed with the last one's finish, until it starts.
    let claimed: FrozenTrial | null = null;
    try {
      // A trial claimed with the last one's finish has started (its start time is the
      // claim's): it runs even if the timeout passed meanwhile; only stopping skips it.
      while (claimed ? !stopping() : canStart()) {
        started++;
        const from = claimed;
        claimed = null;
        const trial = await study.ask(options.budget, from ?? undefined);
        if (!trial) {
          // The budget is reserved by running or waiting trials (possibly other workers'):
          // done once they are final; meanwhile watch for stale ones to retry.
          started--;
          if (await study.budgetReached(options.budget!)) break;
          await new Promise((r) => setTimeout(r, idleMs));
          await study.checkStale().catch(() => undefined);
          continue;
        }
        hub?.trialStart({ studyName: study.studyName, trial: trial.snapshot() });
        let outcome: TrialOutcome;
        let error: unknown = null;
        try {
          const result = await objective(trial);
          outcome = evaluateResult(result, study.directions.length, study.metricName);
          // Once: a console tracker prints it already (above the progress bar).
          if (outcome.state === "FAIL" && !hub?.reportsFailures) console.warn(`hpo: trial ${trial.number} failed: ${outcome.failReason}`);
        } catch (e) {
          if (isTrialPruned(e)) {
            outcome = prunedOutcome(trial.snapshot());
          } else {
            outcome = { state: "FAIL", values: null, failReason: describeThrown(e) };
            error = e;
          }
        }
        if (trial.isFinished) continue; // interrupted meanwhile: already failed in storage
        // Whether the loop goes on to another trial, as far as is known before the finish.
        const ends = error !== null && !shouldCatch(options.catch, error);
        const next = claimsAhead && !ends && canStart();
        let final: FrozenTrial;
        try {
          ({ final, claimed } = await study.finish(trial, outcome, next ? { budget: options.budget } : undefined));
        } catch (e) {
          if (e instanceof TrialFinishedError) continue;
          if (e instanceof TrialNotRunningError) {
            // Another worker failed it as stale (we were cut off too long); its retry redoes it.
            console.warn(`hpo: trial ${trial.number} was failed by another worker while it ran (${e.message}); its result is dropped`);
            continue;
          }
          throw e;
        }
        finished++;
        hub?.trialFinish({ studyName: study.studyName, trial: final });
        if (ends) {
          fatal ??= { error };
          break;
        }
        for (const cb of callbacks) await cb(final);
      }
    } finally {
      // Stopped between a finish that claimed the next trial and its ask: that trial never ran.
      if (claimed) await study.release(claimed, "interrupted").catch(() => undefined);
    }
  };

  const loops = Array.from({ length: concurrency }, () => loop());
  const all = Promise.all(loops);
  try {
    if (options.signal) {
      const aborted = new Promise<"aborted">((resolve) => {
        if (options.signal!.aborted) resolve("aborted");
        options.signal!.addEventListener("abort", () => resolve("aborted"), { once: true });
      });
      const first = await Promise.race([all.then(() => "done" as const), aborted]);
      if (first === "aborted") {
        interrupted = true;
        stopReason = "interrupted";
        await study.interrupt("interrupted");
        all.catch(() => undefined);
      }
    } else {
      await all;
    }
  } finally {
    detach();
    if (hub) {
      hub.studyEnd({ studyName: study.studyName, reason: fatal ? "error" : stopReason });
      await hub.close();
    }
  }
  if (fatal) throw (fatal as { error: unknown }).error;
  return { reason: stopReason, finished };
}

function shouldCatch(option: CatchOption | undefined, error: unknown): boolean {
  if (option === undefined || option === false) return false;
  if (option === true) return true;
  if (typeof option === "function") return (option as (e: unknown) => boolean)(error);
  return option.some((cls) => error instanceof cls);
}

function validateOptimizeOptions(o: OptimizeRunOptions): void {
  if (o.nTrials !== undefined && (!Number.isInteger(o.nTrials) || o.nTrials < 0)) {
    throw new TypeError(`optimize: nTrials must be a non-negative integer, got ${String(o.nTrials)}`);
  }
  if (o.concurrency !== undefined && (!Number.isInteger(o.concurrency) || o.concurrency < 1)) {
    throw new TypeError(`optimize: concurrency must be a positive integer, got ${String(o.concurrency)}`);
  }
  if (o.budget !== undefined && (!Number.isInteger(o.budget) || o.budget < 0)) {
    throw new TypeError(`optimize: budget must be a non-negative integer, got ${String(o.budget)}`);
  }
  if (o.timeout !== undefined && (typeof o.timeout !== "number" || !(o.timeout > 0))) {
    throw new TypeError(`optimize: timeout must be a positive number of seconds, got ${String(o.timeout)}`);
  }
}
