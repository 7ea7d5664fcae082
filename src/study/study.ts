import type { Distribution, ParamValue } from "../vocabulary/distribution.ts";
import type { Pruner } from "../pruners/pruner.ts";
import type { Sampler } from "../samplers/sampler.ts";
import type { Storage, StorageTraits, StudyRecord } from "../storage/storage.ts";
import type { StorageHandle } from "../storage/storage-handles.ts";
import { StorageError, TrialNotRunningError } from "../storage/storage-errors.ts";
import { TrackerHub } from "../tracking/tracker-hub.ts";
import type { Tracker } from "../tracking/tracker.ts";
import type { AttrValue, FrozenTrial } from "../vocabulary/frozen-trial.ts";
import { lastIntermediateValue } from "../vocabulary/frozen-trial.ts";
import { isTrialPruned } from "../vocabulary/trial-pruned.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";
import { Trial, TrialFinishedError, type TrialOutcome } from "./trial.ts";
import { evaluateResult } from "./evaluate-result.ts";
import type { Objective } from "./objective.ts";
import { paretoFront } from "./pareto-front.ts";
import { isBetter, type StudyDirection } from "../vocabulary/study-direction.ts";
import { TrialHistory } from "./trial-history.ts";
import { workerId } from "./worker-id.ts";
import { describeThrown } from "../internal/describe-thrown.ts";
import { prunerViewFor, storedStudyMetric, type StudyMetric } from "./study-metric.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import { DEFAULT_METRIC } from "./trial.ts";
import { HeartbeatKeeper } from "../workers/heartbeat-keeper.ts";
import type { FailedTrialReport } from "../storage/storage.ts";
import type { CheckpointStore } from "../checkpoints/checkpoint-store.ts";
import { FolderCheckpointStore } from "../checkpoints/folder-checkpoint-store.ts";
import { StorageCheckpointStore } from "../checkpoints/storage-checkpoint-store.ts";

/** Which errors `optimize` catches (the trial still ends FAIL either way). */
export type CatchOption = boolean | readonly (abstract new (...args: never[]) => Error)[] | ((error: unknown) => boolean);

/** Called after every finished trial. */
export type StudyCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

/** Options of {@link Study.optimize}. */
export interface OptimizeOptions {
  /** Trials to run in this call (default: until timeout or forever). */
  nTrials?: number;
  /** Seconds after which no new trial starts. */
  timeout?: number;
  /** Trials run at once in this process (default 1). */
  concurrency?: number;
  /**
   * Errors to catch: `true` for all, a list of error classes, or a predicate. Default: none,
   * as Optuna: the trial ends FAIL and optimize rethrows.
   */
  catch?: CatchOption;
  callbacks?: readonly StudyCallback[];
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

/** How a study keeps running trials alive, recovers lost ones and stores checkpoints. */
export interface WorkerOptions {
  /** Seconds between heartbeats of running trials (default 10). */
  heartbeatInterval?: number;
  /** Seconds of silence after which a RUNNING trial is failed and retried (default 2 × interval). */
  gracePeriod?: number;
  /** Retries of a failed-as-stale or interrupted trial, with the same params (default 3). */
  maxRetries?: number;
  /** Keep checkpoints in this folder instead of the database. */
  checkpointDir?: string;
  /**
   * Seconds a worker and the study may lag each other: a trial's reports and attrs are
   * written in batches at most this often (all at once when it ends sooner), and the
   * cached history that ask() and shouldPrune() use may be this old (a background read
   * keeps it younger). 0 writes at once and reads storage on every call. Default 0.05 on
   * PostgreSQL, where each write and read is a round trip that other workers' load slows
   * down; 0 elsewhere.
   */
  syncInterval?: number;
}

/** WorkerOptions with defaults applied. */
export interface ResolvedWorkerOptions {
  readonly heartbeatInterval: number;
  readonly gracePeriod: number;
  readonly maxRetries: number;
  readonly checkpointDir: string | null;
  readonly syncInterval: number;
}

/** Applies the defaults of WorkerOptions (some depend on the storage's traits). */
export function resolveWorkerOptions(o: WorkerOptions = {}, traits?: Pick<StorageTraits, "remoteRoundTrips">): ResolvedWorkerOptions {
  const heartbeatInterval = o.heartbeatInterval ?? 10;
  return {
    heartbeatInterval,
    gracePeriod: o.gracePeriod ?? 2 * heartbeatInterval,
    maxRetries: o.maxRetries ?? 3,
    checkpointDir: o.checkpointDir ?? null,
    syncInterval: o.syncInterval ?? (traits?.remoteRoundTrips ? 0.05 : 0),
  };
}

/** How an optimize call ended. */
export interface OptimizeResult {
  readonly reason: "completed" | "timeout" | "interrupted";
  /** Trials this call finished. */
  readonly finished: number;
}

/** The value a trial is told: a value, one per direction, or a final state. */
export type TellInput = number | readonly number[] | "PRUNED" | "FAIL" | { state: "COMPLETE" | "PRUNED" | "FAIL"; values?: number | readonly number[]; failReason?: string };

/** Options of {@link Study.enqueueTrial}. */
export interface EnqueueOptions {
  userAttrs?: Record<string, AttrValue>;
  /** Skip when a trial with the same params is already waiting, running or finished. */
  skipIfExists?: boolean;
}

/**
 * A study: a named search with its direction(s), sampler, pruner and trials in storage.
 * Create one with `createStudy`, or reopen it with `loadStudy`.
 */
export class Study {
  readonly studyName: string;
  readonly studyId: number;
  readonly directions: readonly StudyDirection[];
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly storage: Storage;
  readonly #handle: StorageHandle;
  readonly #history: TrialHistory;
  readonly #live = new Set<Trial>();
  #activeHub: TrackerHub | null = null;
  readonly #workerOptions: ResolvedWorkerOptions;
  readonly #heartbeats: HeartbeatKeeper;
  readonly #checkpoints: CheckpointStore;
  /** The metric pruners and the objective value watch (null: "value", the study's direction). */
  readonly #metric: StudyMetric | null;
  readonly #prunerView: StudyView;
  /** Trials this process failed as stale outside a run with trackers, told to the next one's. */
  #unannounced: FailedTrialReport[] = [];

  /** @internal Use createStudy / loadStudy. */
  constructor(record: StudyRecord, handle: StorageHandle, sampler: Sampler, pruner: Pruner, workerOptions: WorkerOptions = {}) {
    this.studyName = record.studyName;
    this.studyId = record.studyId;
    this.directions = record.directions;
    this.sampler = sampler;
    this.pruner = pruner;
    this.storage = handle.storage;
    this.#handle = handle;
    this.#workerOptions = resolveWorkerOptions(workerOptions, handle.storage.traits);
    this.#history = new TrialHistory(handle.storage, record.studyId, record.studyName, record.directions, pruner, {
      maxAgeMs: this.#workerOptions.syncInterval * 1000,
      // Most sampler/pruner pairs (random or TPE without constant liar, median) never look at
      // other workers' RUNNING trials: skip re-reading those on every change.
      finishedOnly: sampler.usesRunningTrials === false && pruner.usesRunningTrials === false,
    });
    this.#metric = storedStudyMetric(record.systemAttrs);
    this.#prunerView = prunerViewFor(this.#history, this.#metric);
    this.#heartbeats = new HeartbeatKeeper(handle.storage, record.studyId, {
      intervalSeconds: this.#workerOptions.heartbeatInterval,
      graceSeconds: this.#workerOptions.gracePeriod,
      maxRetries: this.#workerOptions.maxRetries,
      onStale: (reports) => {
        reportRecovered(reports);
        void this.#announceFailed(reports);
      },
    });
    this.#checkpoints = this.#workerOptions.checkpointDir
      ? new FolderCheckpointStore(this.#workerOptions.checkpointDir, record.studyName)
      : new StorageCheckpointStore(handle.storage);
  }

  /** Heartbeat, grace period, retries and checkpoint settings in force. */
  get workerOptions(): ResolvedWorkerOptions {
    return this.#workerOptions;
  }

  /** The single direction; throws for multi-objective studies. */
  get direction(): StudyDirection {
    if (this.directions.length !== 1) throw new Error(`study "${this.studyName}" has ${this.directions.length} directions; use .directions`);
    return this.directions[0];
  }

  /**
   * The metric the pruner and the objective value watch: `trial.report(number, step)` and an
   * objective returning one number report it; a report or result with named metrics gives it
   * by name. "value" unless the study was created with `metric`.
   */
  get metric(): StudyMetric {
    return this.#metric ?? { name: DEFAULT_METRIC };
  }

  /** The study's history as samplers and pruners see it (refreshed on every ask). */
  get view(): TrialHistory {
    return this.#history;
  }

  /**
   * Starts a trial: the oldest enqueued one if any, else a new one; `fixedDistributions`
   * suggests those params at once (ask-and-tell with a declared space).
   */
  async ask(fixedDistributions?: Record<string, Distribution>, options: { workerId?: string } = {}): Promise<Trial> {
    return (await this.#ask(undefined, options.workerId, fixedDistributions))!;
  }

  /** Starts a trial unless the study-wide budget is reserved (then null). */
  async #ask(maxTrials: number | undefined, wid: string | undefined, fixedDistributions?: Record<string, Distribution>): Promise<Trial | null> {
    await this.#history.ensureFresh();
    const frozen = await this.storage.claimOrCreateTrial(this.studyId, { workerId: wid ?? workerId(), maxTrials });
    if (!frozen) return null;
    this.#history.upsert(frozen);
    this.#heartbeats.add(frozen.trialId);
    const hub = this.#activeHub;
    const trial = new Trial(
      {
        storage: this.storage,
        history: this.#history,
        sampler: this.sampler,
        pruner: this.pruner,
        prunerView: this.#prunerView,
        metric: this.metric.name,
        checkpoints: this.#checkpoints,
        writeDelayMs: this.#workerOptions.syncInterval * 1000,
        findTrial: async (number) => {
          const t = this.#history.byNumber(number) ?? (await this.#readTrial(number));
          if (!t) return null;
          return { trialId: t.trialId, number: t.number, retryOf: typeof t.systemAttrs.retry_of === "number" ? t.systemAttrs.retry_of : null };
        },
        onReport: hub
          ? (t, step, value, metrics) => hub.report({ studyName: this.studyName, trialNumber: t.number, step, value, metrics, params: t.params })
          : undefined,
      },
      frozen,
    );
    this.#live.add(trial);
    try {
      trial.initRelative();
      for (const [name, d] of Object.entries(fixedDistributions ?? {})) trial.suggest(name, d);
    } catch (e) {
      await this.#finishLive(trial, { state: "FAIL", values: null, failReason: `sampling failed: ${errorMessage(e)}` });
      throw e;
    }
    return trial;
  }

  /**
   * Recovers trials a previous run left behind: RUNNING trials whose heartbeat is older than
   * the grace period (every RUNNING trial when `runningAreDead`, e.g. an embedded folder
   * nobody else can hold) are failed and retried, and trials failed as `interrupted`
   * (Ctrl-C) are retried, with the same params, up to `maxRetries` times.
   */
  async recover(options: { runningAreDead?: boolean } = {}): Promise<FailedTrialReport[]> {
    const stale = await this.storage.failStaleTrials(this.studyId, {
      graceMs: options.runningAreDead ? 0 : this.#workerOptions.gracePeriod * 1000,
      maxRetries: this.#workerOptions.maxRetries,
    });
    const interrupted = await this.storage.retryFailedTrials(this.studyId, { reasons: ["interrupted"], maxRetries: this.#workerOptions.maxRetries });
    // The dead trials' trackers (a W&B run, a JSONL file) never heard how they ended: this
    // process's trackers say so, at the start of its next run.
    await this.#announceFailed(stale);
    return [...stale, ...interrupted];
  }

  /** Whether the study-wide budget is reached: that many trials are final (retried failures excluded). */
  async budgetReached(budget: number): Promise<boolean> {
    const { byState, retriedFails } = await this.storage.countTrials(this.studyId);
    return byState.COMPLETE + byState.PRUNED + byState.FAIL - retriedFails >= budget;
  }

  /**
   * Finishes a trial (object or number) with a value, values, or a state, as Optuna's tell.
   * PRUNED keeps the last intermediate value as the value; NaN fails the trial.
   */
  async tell(trial: Trial | number, input: TellInput): Promise<FrozenTrial> {
    const outcome = await this.#outcomeOf(trial, input);
    if (trial instanceof Trial) return this.#finishLive(trial, outcome);
    const live = [...this.#live].find((t) => t.number === trial);
    if (live) return this.#finishLive(live, outcome);
    const stored = await this.#trialByNumber(trial);
    if (stored.state !== "RUNNING") throw new StorageError(`trial ${trial} is ${stored.state}, not RUNNING: it cannot be told again`);
    this.sampler.afterTrial?.(this.#history, stored, outcome.state, outcome.values);
    const systemAttrs: Record<string, AttrValue> = {};
    if (outcome.failReason !== undefined) systemAttrs.fail_reason = outcome.failReason;
    await this.storage.updateTrial(stored.trialId, { systemAttrs, finish: { state: outcome.state, values: outcome.values } });
    const final = (await this.storage.getTrial(stored.trialId))!;
    this.#history.upsert(final);
    return final;
  }

  /**
   * Runs the objective for `nTrials` trials (or until `timeout`), `concurrency` at a time.
   * A returned value completes a trial, TrialPruned prunes it, an error fails it.
   */
  async optimize(objective: Objective, options: OptimizeOptions = {}): Promise<OptimizeResult> {
    validateOptimizeOptions(options);
    const concurrency = options.concurrency ?? 1;
    const deadline = options.timeout !== undefined ? Date.now() + options.timeout * 1000 : Infinity;
    const hub = options.trackers?.length ? new TrackerHub(options.trackers) : null;
    const previousHub = this.#activeHub;
    if (hub) this.#activeHub = hub;
    let started = 0;
    let finished = 0;
    let stopReason: OptimizeResult["reason"] = "completed";
    let fatal: { error: unknown } | null = null;
    let interrupted = false;

    if (hub) {
      const { byState, retriedFails } = await this.storage.countTrials(this.studyId);
      const before = byState.COMPLETE + byState.PRUNED + byState.FAIL - retriedFails;
      const planned = options.nTrials ?? (options.budget !== undefined ? Math.max(0, options.budget - before) : undefined);
      const best = this.directions.length === 1 && byState.COMPLETE > 0 ? await this.#best().catch(() => null) : null;
      hub.studyStart({
        studyName: this.studyName,
        directions: this.directions,
        nTrials: planned,
        finishedBefore: before,
        ...(best ? { best: { number: best.number, value: best.value as number } } : {}),
      });
      const pending = this.#unannounced;
      this.#unannounced = [];
      await this.#announceFailed(pending);
    }

    const canStart = (): boolean => {
      if (fatal || interrupted || options.signal?.aborted) return false;
      if (options.nTrials !== undefined && started >= options.nTrials) return false;
      if (Date.now() >= deadline) {
        stopReason = "timeout";
        return false;
      }
      return true;
    };

    const idleMs = Math.min(1000, (this.#workerOptions.heartbeatInterval * 1000) / 2);
    const loop = async (): Promise<void> => {
      while (canStart()) {
        started++;
        const trial = await this.#ask(options.budget, undefined);
        if (!trial) {
          // The budget is reserved by running or waiting trials (possibly other workers'):
          // done once they are final; meanwhile watch for stale ones to retry.
          started--;
          if (await this.budgetReached(options.budget!)) break;
          await new Promise((r) => setTimeout(r, idleMs));
          await this.#heartbeats.checkStale().catch(() => []);
          continue;
        }
        hub?.trialStart({ studyName: this.studyName, trial: trial.snapshot() });
        let outcome: TrialOutcome;
        let error: unknown = null;
        try {
          const result = await objective(trial);
          outcome = evaluateResult(result, this.directions.length, this.metric.name);
          // Once: a console tracker prints it already (above the progress bar).
          if (outcome.state === "FAIL" && !hub?.reportsFailures) console.warn(`hpo: trial ${trial.number} failed: ${outcome.failReason}`);
        } catch (e) {
          if (isTrialPruned(e)) {
            outcome = prunedOutcome(trial);
          } else {
            outcome = { state: "FAIL", values: null, failReason: errorMessage(e) };
            error = e;
          }
        }
        if (trial.isFinished) continue; // interrupted meanwhile: already failed in storage
        let final: FrozenTrial;
        try {
          final = await this.#finishLive(trial, outcome);
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
        hub?.trialFinish({ studyName: this.studyName, trial: final });
        if (error !== null && !shouldCatch(options.catch, error)) {
          fatal ??= { error };
          break;
        }
        for (const cb of options.callbacks ?? []) await cb(this, final);
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
          await this.interrupt("interrupted");
          all.catch(() => undefined);
        }
      } else {
        await all;
      }
    } finally {
      this.#activeHub = previousHub;
      if (hub) {
        hub.studyEnd({ studyName: this.studyName, reason: fatal ? "error" : stopReason });
        await hub.close();
      }
    }
    if (fatal) throw (fatal as { error: unknown }).error;
    return { reason: stopReason, finished };
  }

  /**
   * Tells the trackers of the running `optimize` (or of the next one) that trials failed as
   * stale ended FAIL, with their reason: their own process died before it could.
   */
  async #announceFailed(reports: readonly FailedTrialReport[]): Promise<void> {
    if (reports.length === 0) return;
    const hub = this.#activeHub;
    if (!hub) {
      this.#unannounced.push(...reports);
      return;
    }
    for (const r of reports) {
      const t = await this.#readTrial(r.failed).catch(() => null);
      if (t && t.state === "FAIL") hub.trialFinish({ studyName: this.studyName, trial: t });
    }
  }

  /** Marks every trial this process is running FAIL with `reason` (SIGINT, shutdown). */
  async interrupt(reason = "interrupted"): Promise<number> {
    const live = [...this.#live];
    let n = 0;
    await Promise.all(
      live.map(async (t) => {
        try {
          const final = await this.#finishLive(t, { state: "FAIL", values: null, failReason: reason });
          this.#activeHub?.trialFinish({ studyName: this.studyName, trial: final });
          n++;
        } catch {
          // Finished by its own objective at the same moment: nothing to interrupt.
        }
      }),
    );
    return n;
  }

  /** Queues a trial with fixed params; `ask` hands it out before sampling new ones. */
  async enqueueTrial(params: Record<string, ParamValue>, options: EnqueueOptions = {}): Promise<FrozenTrial | null> {
    if (options.skipIfExists) {
      const { trials } = await this.storage.getTrials(this.studyId);
      const same = trials.find((t) => {
        const fixed = t.systemAttrs.fixed_params as Record<string, ParamValue> | undefined;
        const p = t.state === "WAITING" ? fixed : t.params;
        return p !== undefined && sameParams(p, params);
      });
      if (same) return null;
    }
    const created = await this.storage.createTrial(this.studyId, {
      state: "WAITING",
      userAttrs: options.userAttrs,
      systemAttrs: { fixed_params: { ...params } },
    });
    this.#history.upsert(created);
    return created;
  }

  /** All trials (fresh from storage), optionally only those in `states`, ordered by number. */
  async trials(options: { states?: readonly TrialState[] } = {}): Promise<FrozenTrial[]> {
    const { trials } = await this.storage.getTrials(this.studyId, { states: options.states });
    return [...trials];
  }

  /** The best COMPLETE trial (single-objective); throws when there is none. */
  get bestTrial(): Promise<FrozenTrial> {
    return this.#best();
  }

  /** The best trial's value. */
  get bestValue(): Promise<number> {
    return this.#best().then((t) => t.value as number);
  }

  /** The best trial's params. */
  get bestParams(): Promise<Record<string, ParamValue>> {
    return this.#best().then((t) => ({ ...t.params }));
  }

  /** The Pareto front of COMPLETE trials (multi-objective; for one direction, the best trials). */
  get bestTrials(): Promise<FrozenTrial[]> {
    return this.trials({ states: ["COMPLETE"] }).then((ts) => paretoFront(ts, this.directions));
  }

  /** Sets a study-level user attribute. */
  async setUserAttr(key: string, value: AttrValue): Promise<void> {
    await this.storage.setStudyAttrs(this.studyId, "user", { [key]: value });
  }

  /** Study-level user attributes. */
  async userAttrs(): Promise<Record<string, AttrValue>> {
    const record = await this.storage.findStudy(this.studyName);
    return { ...(record?.userAttrs ?? {}) };
  }

  /** Releases the storage (closes it when no other study in this process uses it). */
  async close(): Promise<void> {
    this.#heartbeats.stop();
    await this.#handle.release();
  }

  async #best(): Promise<FrozenTrial> {
    if (this.directions.length > 1) {
      throw new Error(`study "${this.studyName}" is multi-objective: use bestTrials (the Pareto front)`);
    }
    const complete = await this.trials({ states: ["COMPLETE"] });
    let best: FrozenTrial | null = null;
    for (const t of complete) {
      if (t.value === null) continue;
      if (best === null || isBetter(this.directions[0], t.value, best.value as number)) best = t;
    }
    if (!best) throw new Error(`study "${this.studyName}" has no COMPLETE trial yet`);
    return best;
  }

  async #finishLive(trial: Trial, outcome: TrialOutcome): Promise<FrozenTrial> {
    const snapshot = trial.snapshot();
    try {
      this.sampler.afterTrial?.(this.#history, snapshot, outcome.state, outcome.values);
    } catch (e) {
      console.warn(`hpo: sampler afterTrial failed for trial ${trial.number}: ${errorMessage(e)}`);
    }
    try {
      return await trial.finish(outcome);
    } finally {
      this.#live.delete(trial);
      this.#heartbeats.remove(trial.trialId);
    }
  }

  async #outcomeOf(trial: Trial | number, input: TellInput): Promise<TrialOutcome> {
    const spec = typeof input === "object" && !Array.isArray(input) ? (input as Exclude<TellInput, number | readonly number[] | string>) : null;
    const state = spec ? spec.state : input === "PRUNED" || input === "FAIL" ? input : "COMPLETE";
    if (state === "FAIL") return { state, values: null, failReason: spec?.failReason ?? "told FAIL" };
    if (state === "PRUNED") {
      const snap = trial instanceof Trial ? trial.snapshot() : await this.#trialByNumber(trial);
      return prunedOutcome(snap);
    }
    const raw = spec ? spec.values : input;
    return evaluateResult(raw, this.directions.length, this.metric.name);
  }

  async #trialByNumber(number: number): Promise<FrozenTrial> {
    const t = await this.#readTrial(number);
    if (!t) throw new StorageError(`study "${this.studyName}" has no trial number ${number}`);
    return t;
  }

  /** A trial as stored now (the history may not hold other workers' unfinished trials). */
  async #readTrial(number: number): Promise<FrozenTrial | null> {
    await this.#history.refresh();
    const cached = this.#history.byNumber(number);
    if (cached) return cached;
    const { trials } = await this.storage.getTrials(this.studyId);
    return trials.find((t) => t.number === number) ?? null;
  }
}

function reportRecovered(reports: readonly FailedTrialReport[]): void {
  for (const r of reports) {
    console.warn(`hpo: trial ${r.failed} failed (${r.reason})${r.retry !== null ? `; retrying it as trial ${r.retry}` : "; no retries left"}`);
  }
}

function prunedOutcome(trial: Trial | FrozenTrial): TrialOutcome {
  const snap = trial instanceof Trial ? trial.snapshot() : trial;
  const last = lastIntermediateValue(snap);
  // As Optuna: a pruned trial's value is its last intermediate value (NaN is not kept).
  return { state: "PRUNED", values: last === undefined || Number.isNaN(last) ? null : [last] };
}

function shouldCatch(option: CatchOption | undefined, error: unknown): boolean {
  if (option === undefined || option === false) return false;
  if (option === true) return true;
  if (typeof option === "function") return (option as (e: unknown) => boolean)(error);
  return option.some((cls) => error instanceof cls);
}

function errorMessage(e: unknown): string {
  return describeThrown(e);
}

function sameParams(a: Readonly<Record<string, ParamValue>>, b: Readonly<Record<string, ParamValue>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.is(a[k], b[k]));
}

function validateOptimizeOptions(o: OptimizeOptions): void {
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


