import type { Distribution, ParamValue } from "../vocabulary/distribution.ts";
import type { Pruner } from "../pruners/pruner.ts";
import type { Sampler } from "../samplers/sampler.ts";
import type { FailedTrialReport, Storage, StudyRecord } from "../storage/storage.ts";
import type { StorageHandle } from "../storage/storage-handles.ts";
import { StorageError } from "../storage/storage-errors.ts";
import { failurePatch } from "../storage/storage-protocol.ts";
import type { AttrValue, FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";
import { isBetter, type StudyDirection } from "../vocabulary/study-direction.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import { describeThrown } from "../internal/describe-thrown.ts";
import { HeartbeatKeeper } from "../workers/heartbeat-keeper.ts";
import type { CheckpointStore } from "../checkpoints/checkpoint-store.ts";
import { FolderCheckpointStore } from "../checkpoints/folder-checkpoint-store.ts";
import { StorageCheckpointStore } from "../checkpoints/storage-checkpoint-store.ts";
import { Trial } from "./trial.ts";
import { prunedOutcome, type TrialOutcome } from "./trial-outcome.ts";
import { evaluateResult } from "./evaluate-result.ts";
import type { Objective } from "./objective.ts";
import { paretoFront } from "./pareto-front.ts";
import { TrialHistory } from "./trial-history.ts";
import { TrackerRoute } from "./tracker-route.ts";
import { workerId } from "./worker-id.ts";
import { prunerViewFor, storedStudyMetric, type StudyMetric } from "./study-metric.ts";
import { DEFAULT_METRIC } from "./report-metrics.ts";
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from "./worker-options.ts";
import { runOptimize, type OptimizedStudy, type OptimizeResult, type OptimizeRunOptions } from "./optimize.ts";

/** Called after every finished trial of an optimize call. */
export type StudyCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

/** Options of {@link Study.optimize}. */
export interface OptimizeOptions extends OptimizeRunOptions {
  callbacks?: readonly StudyCallback[];
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
  readonly #trackers: TrackerRoute;
  readonly #workerOptions: ResolvedWorkerOptions;
  readonly #heartbeats: HeartbeatKeeper;
  readonly #checkpoints: CheckpointStore;
  /** The metric pruners and the objective value watch (null: "value", the study's direction). */
  readonly #metric: StudyMetric | null;
  readonly #prunerView: StudyView;

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
    this.#trackers = new TrackerRoute(record.studyName, (number) => this.#readTrial(number));
    this.#metric = storedStudyMetric(record.systemAttrs);
    this.#prunerView = prunerViewFor(this.#history, this.#metric);
    this.#heartbeats = new HeartbeatKeeper(handle.storage, record.studyId, {
      intervalSeconds: this.#workerOptions.heartbeatInterval,
      graceSeconds: this.#workerOptions.gracePeriod,
      maxRetries: this.#workerOptions.maxRetries,
      onStale: (reports) => {
        reportRecovered(reports);
        void this.#trackers.announceFailed(reports);
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
    const frozen = await this.#history.claimFresh({ workerId: wid ?? workerId(), maxTrials });
    if (!frozen) return null;
    return this.#start(frozen, fixedDistributions);
  }

  /** Starts running a trial claimed for this process: it is kept alive, followed, and sampled from. */
  async #start(frozen: FrozenTrial, fixedDistributions?: Record<string, Distribution>): Promise<Trial> {
    this.#history.upsert(frozen);
    this.#heartbeats.add(frozen.trialId);
    const hub = this.#trackers.hub;
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
    this.#history.follow(trial);
    try {
      trial.initRelative();
      for (const [name, d] of Object.entries(fixedDistributions ?? {})) trial.suggest(name, d);
    } catch (e) {
      await this.#finishLive(trial, { state: "FAIL", values: null, failReason: `sampling failed: ${describeThrown(e)}` });
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
    await this.#trackers.announceFailed(stale);
    return [...stale, ...interrupted];
  }

  /** Whether the study-wide budget is reached: that many trials are final (retried failures excluded). */
  async budgetReached(budget: number): Promise<boolean> {
    return (await this.#finalCount()).final >= budget;
  }

  /** Trials final so far (a retried failure counts through its retry), and how many of them COMPLETE. */
  async #finalCount(): Promise<{ final: number; complete: number }> {
    const { byState, retriedFails } = await this.storage.countTrials(this.studyId);
    return { final: byState.COMPLETE + byState.PRUNED + byState.FAIL - retriedFails, complete: byState.COMPLETE };
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
    const { callbacks = [], ...run } = options;
    return runOptimize(this.#optimized(), objective, run, callbacks.map((cb) => (trial: FrozenTrial) => cb(this, trial)));
  }

  /** What the optimize loop drives: this study, with the internals it needs. */
  #optimized(): OptimizedStudy {
    return {
      studyName: this.studyName,
      directions: this.directions,
      metricName: this.metric.name,
      heartbeatInterval: this.#workerOptions.heartbeatInterval,
      standing: async () => {
        const { final, complete } = await this.#finalCount();
        return { finished: final, best: this.directions.length === 1 && complete > 0 ? await this.#best().catch(() => null) : null };
      },
      budgetReached: (budget) => this.budgetReached(budget),
      ask: (budget, claimed) => (claimed ? this.#start(claimed) : this.#ask(budget, undefined)),
      finish: (trial, outcome, next) => this.#finishAndClaim(trial, outcome, next ? { workerId: workerId(), maxTrials: next.budget } : undefined),
      release: (claimed, reason) => this.storage.updateTrial(claimed.trialId, failurePatch(reason)),
      attachTrackers: (hub) => this.#trackers.attach(hub),
      checkStale: async () => {
        await this.#heartbeats.checkStale();
      },
      interrupt: (reason) => this.interrupt(reason),
    };
  }

  /** Marks every trial this process is running FAIL with `reason` (SIGINT, shutdown). */
  async interrupt(reason = "interrupted"): Promise<number> {
    const live = [...this.#live];
    let n = 0;
    await Promise.all(
      live.map(async (t) => {
        try {
          const final = await this.#finishLive(t, { state: "FAIL", values: null, failReason: reason });
          this.#trackers.hub?.trialFinish({ studyName: this.studyName, trial: final });
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
    return (await this.#finishAndClaim(trial, outcome)).final;
  }

  /** Finishes a live trial; with `claimNext`, where the storage can, claims this process's next trial in the same round trip. */
  async #finishAndClaim(
    trial: Trial,
    outcome: TrialOutcome,
    claimNext?: { workerId: string; maxTrials?: number },
  ): Promise<{ final: FrozenTrial; claimed: FrozenTrial | null }> {
    const snapshot = trial.snapshot();
    try {
      this.sampler.afterTrial?.(this.#history, snapshot, outcome.state, outcome.values);
    } catch (e) {
      console.warn(`hpo: sampler afterTrial failed for trial ${trial.number}: ${describeThrown(e)}`);
    }
    try {
      return await trial.finish(outcome, claimNext);
    } finally {
      this.#live.delete(trial);
      this.#history.unfollow(trial.number);
      this.#heartbeats.remove(trial.trialId);
    }
  }

  async #outcomeOf(trial: Trial | number, input: TellInput): Promise<TrialOutcome> {
    const spec = typeof input === "object" && !Array.isArray(input) ? (input as Exclude<TellInput, number | readonly number[] | string>) : null;
    const state = spec ? spec.state : input === "PRUNED" || input === "FAIL" ? input : "COMPLETE";
    if (state === "FAIL") return { state, values: null, failReason: spec?.failReason ?? "told FAIL" };
    if (state === "PRUNED") return prunedOutcome(trial instanceof Trial ? trial.snapshot() : await this.#trialByNumber(trial));
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

function sameParams(a: Readonly<Record<string, ParamValue>>, b: Readonly<Record<string, ParamValue>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.is(a[k], b[k]));
}
