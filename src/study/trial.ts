import { categoricalDistribution, floatDistribution, intDistribution, type RangeOptions } from "../distributions/create-distribution.ts";
import { type CategoricalChoice, type Distribution, DistributionError, type ParamValue } from "../vocabulary/distribution.ts";
import { describeDistribution, distributionsEqual, isSingleValue, toExternal, toInternal } from "../distributions/distribution-ops.ts";
import type { Pruner } from "../pruners/pruner.ts";
import type { Sampler } from "../samplers/sampler.ts";
import type { MetricWrite, ParamWrite, Storage, TrialPatch } from "../storage/storage.ts";
import { UnstorableDataError } from "../storage/storage-errors.ts";
import { checkReportStep, checkStorableName, storableAttrValue } from "../storage/storable-data.ts";
import type { TrialHistory } from "./trial-history.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import { buildFrozenTrial } from "../storage/build-frozen-trial.ts";
import { StepLog } from "../vocabulary/step-series.ts";
import { MetricLog } from "./metric-log.ts";
import type { CheckpointStore } from "../checkpoints/checkpoint-store.ts";
import { StorageCheckpointStore } from "../checkpoints/storage-checkpoint-store.ts";
import { TrialCheckpoint, type PredecessorLookup } from "../checkpoints/trial-checkpoint.ts";
import type { AttrValue, FrozenTrial } from "../vocabulary/frozen-trial.ts";
import { TrialWriteBuffer } from "./trial-write-buffer.ts";
import { checkEnqueuedValue, enqueuedParams } from "./enqueued-params.ts";
import { checkMetricRecord, DEFAULT_METRIC } from "./report-metrics.ts";
import type { TrialOutcome } from "./trial-outcome.ts";

/** What a Trial needs from its study; provided by Study. */
export interface TrialContext {
  readonly storage: Storage;
  readonly history: TrialHistory;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  /** What the pruner is shown (the history, with the watched metric's direction); default `history`. */
  readonly prunerView?: StudyView;
  /**
   * Called for every accepted report (trackers, progress): the watched metric's value (null
   * when the report did not include it) and every metric newly recorded at that step.
   */
  readonly onReport?: (trial: Trial, step: number, value: number | null, metrics: Readonly<Record<string, number>>) => void;
  /** The metric pruners watch; a one-number report is recorded under this name (default "value"). */
  readonly metric?: string;
  /** Where warnings go (default console.warn). */
  readonly warn?: (message: string) => void;
  /** Where `trial.checkpoint` keeps its data. */
  readonly checkpoints?: CheckpointStore;
  /** Finds an earlier trial by number (a retry resumes from its predecessor's checkpoint). */
  readonly findTrial?: PredecessorLookup;
  /** Batch writes over this many ms (0: write after each synchronous stretch). */
  readonly writeDelayMs?: number;
}

/** Raised when a finished trial is used again. */
export class TrialFinishedError extends Error {
  override readonly name = "TrialFinishedError";
}

/**
 * A running trial, handed to the objective: suggests parameters (synchronously, from the
 * history loaded when it started), records intermediate values and answers whether to
 * prune. Writes are batched and flushed in the background; `shouldPrune()` and the end of
 * the trial wait for them.
 *
 * @example
 * const lr = trial.suggestFloat("lr", 1e-5, 1e-2, { log: true });
 * trial.report(loss, epoch);
 * if (await trial.shouldPrune()) throw new TrialPruned();
 */
export class Trial {
  /** Dense number within the study. */
  readonly number: number;
  /** Storage-wide id. */
  readonly trialId: number;
  /** The study this trial belongs to. */
  readonly studyName: string;
  /** For a retry of a trial failed as stale or interrupted: that trial's number; else null. */
  readonly retryOf: number | null;
  /**
   * The trial's latest checkpoint: `save(bytes | object)`, `load()`. A retried trial loads
   * its predecessor's until it saves its own.
   */
  readonly checkpoint: TrialCheckpoint;
  readonly #ctx: TrialContext;
  readonly #abort = new AbortController();
  readonly #start: FrozenTrial;
  readonly #params = new Map<string, { distribution: Distribution; internal: number }>();
  readonly #fixed: Readonly<Record<string, ParamValue>>;
  readonly #intermediate = new Map<number, number>();
  /** The same reports while they arrive in ascending step order (snapshots view it); null after one does not. */
  #stepLog: StepLog | null = new StepLog();
  /** Every metric record, versioned so that snapshots view it instead of copying it. */
  readonly #metrics = new MetricLog();
  readonly #userAttrs: Record<string, AttrValue>;
  #relativeSpace: Record<string, Distribution> = {};
  #relativeParams: Record<string, ParamValue> = {};
  /** What this trial hands over and storage has not got yet. */
  readonly #writes: TrialWriteBuffer;
  #finished = false;
  #warnedSteps = new Set<string>();
  /** The storage's reconnect count when this trial's writes began. */
  readonly #reconnectsAt: number;

  /** @internal Created by Study.ask(). */
  constructor(ctx: TrialContext, start: FrozenTrial) {
    this.#ctx = ctx;
    this.#start = start;
    this.number = start.number;
    this.trialId = start.trialId;
    this.studyName = ctx.history.studyName;
    this.#reconnectsAt = ctx.storage.reconnects ?? 0;
    this.#writes = new TrialWriteBuffer(ctx.storage, start.trialId, {
      delayMs: ctx.writeDelayMs ?? 0,
      onNotRunning: (e) => this.#abort.abort(e),
    });
    for (const [name, d] of Object.entries(start.distributions)) {
      this.#params.set(name, { distribution: d, internal: toInternal(d, start.params[name]) });
    }
    for (const [step, v] of start.intermediateValues) this.#record(step, v);
    for (const [step, record] of start.metrics) this.#metrics.set(step, { ...record });
    this.#userAttrs = { ...start.userAttrs };
    this.retryOf = typeof start.systemAttrs.retry_of === "number" ? start.systemAttrs.retry_of : null;
    this.checkpoint = new TrialCheckpoint(
      ctx.checkpoints ?? new StorageCheckpointStore(ctx.storage),
      { trialId: start.trialId, number: start.number, retryOf: this.retryOf },
      ctx.findTrial ?? (async () => null),
    );
    this.#fixed = enqueuedParams(start.systemAttrs);
  }

  /**
   * Aborted once the trial has ended. For an objective still running, that means the trial
   * was interrupted (Ctrl-C, `study.interrupt()`, optimize's `signal`) or failed by another
   * worker as stale: pass it on (fetch, child processes) or check it between epochs to stop
   * at once.
   */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** @internal Runs the sampler's joint proposal; called once by Study.ask(). */
  initRelative(): void {
    const view = this.#ctx.history;
    const self = this.snapshot();
    this.#ctx.sampler.beforeTrial?.(view, self);
    this.#relativeSpace = this.#ctx.sampler.inferRelativeSearchSpace(view, self);
    this.#relativeParams = Object.keys(this.#relativeSpace).length
      ? this.#ctx.sampler.sampleRelative(view, self, this.#relativeSpace)
      : {};
  }

  /** Params suggested so far, by name (external values). */
  get params(): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (const [name, p] of this.#params) out[name] = toExternal(p.distribution, p.internal);
    return out;
  }

  /** Distributions of the params suggested so far. */
  get distributions(): Record<string, Distribution> {
    const out: Record<string, Distribution> = {};
    for (const [name, p] of this.#params) out[name] = p.distribution;
    return out;
  }

  /** User attributes set so far. */
  get userAttrs(): Readonly<Record<string, AttrValue>> {
    return { ...this.#userAttrs };
  }

  /** Intermediate values reported so far, by step (the study's watched metric). */
  get intermediateValues(): ReadonlyMap<number, number> {
    return new Map(this.#intermediate);
  }

  /** Every metric reported so far, by step and name. */
  get metrics(): ReadonlyMap<number, Readonly<Record<string, number>>> {
    return new Map([...this.#metrics.entries()].map(([step, record]) => [step, { ...record }]));
  }

  /** The metric pruners watch; a one-number report is recorded under this name. */
  get metricName(): string {
    return this.#ctx.metric ?? DEFAULT_METRIC;
  }

  /** Suggests a float in [low, high]; `log` samples log-uniformly, `step` discretises. */
  suggestFloat(name: string, low: number, high: number, options: RangeOptions = {}): number {
    return this.#suggest(name, floatDistribution(low, high, options, name)) as number;
  }

  /** Suggests an integer in [low, high] (`step` defaults to 1; `log` samples log-uniformly). */
  suggestInt(name: string, low: number, high: number, options: RangeOptions = {}): number {
    return this.#suggest(name, intDistribution(low, high, options, name)) as number;
  }

  /** Suggests one of `choices` (strings, numbers, booleans or null). */
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.#suggest(name, categoricalDistribution(choices, name)) as T;
  }

  /** Suggests a value from an already-built distribution (declarative spaces). */
  suggest(name: string, distribution: Distribution): ParamValue {
    return this.#suggest(name, distribution);
  }

  /**
   * Records metrics at `step` (an integer from 0 to 2^31 − 1) for pruners, trackers and live views:
   * one number (the study's watched metric) or several by name, e.g.
   * `trial.report({ val_loss: 2.41, meteor: 0.22 }, epoch)`. Pruners read the watched metric
   * (the study's `metric`, default "value"). A metric reported twice at a step keeps its
   * first value, as Optuna does; other names can still be added to that step.
   */
  report(value: number | Readonly<Record<string, number>>, step: number): void {
    this.#checkOpen("report");
    checkReportStep(`trial ${this.number}: report(value, step)`, step);
    const watched = this.metricName;
    const record = typeof value === "number" ? { [watched]: value } : checkMetricRecord(this.number, value);
    for (const name of Object.keys(record)) checkStorableName(`trial ${this.number}: metric name`, name);
    const known = this.#metrics.get(step) ?? {};
    const added: Record<string, number> = {};
    for (const [name, v] of Object.entries(record)) {
      // Reports made before named metrics existed have an intermediate value but no record.
      const seen = Object.hasOwn(known, name) || (name === watched && this.#intermediate.has(step));
      if (!seen) {
        added[name] = v;
        continue;
      }
      const key = `${step}\u0000${name}`;
      if (!this.#warnedSteps.has(key)) {
        this.#warnedSteps.add(key);
        const what = typeof value === "number" ? "step" : `metric "${name}" at step`;
        this.#warn(`trial ${this.number}: ${what} ${step} was already reported; the value ${v} is ignored`);
      }
    }
    if (Object.keys(added).length === 0) return;
    this.#metrics.set(step, { ...known, ...added });
    const watchedValue = Object.hasOwn(added, watched) ? added[watched] : null;
    if (watchedValue !== null) this.#record(step, watchedValue);
    this.#writes.addReport(step, added, watchedValue);
    this.#ctx.onReport?.(this, step, watchedValue, added);
  }

  /** Whether the study's pruner says this trial should stop now. */
  async shouldPrune(): Promise<boolean> {
    this.#checkOpen("shouldPrune");
    // The decision needs this trial's reports (kept here) and the others' (refreshed), not
    // our own write to land: it goes on in the background (at once, or batched when writes
    // are delayed), and a failure surfaces here next time or at the end of the trial.
    this.#writes.throwWriteError();
    this.#writes.sendUnlessBatched();
    await this.#ctx.history.ensureFresh();
    return this.#ctx.pruner.prune(this.#ctx.prunerView ?? this.#ctx.history, this.snapshot());
  }

  /**
   * Stores a user attribute (JSON-compatible value) on this trial. What cannot be stored
   * (circular, BigInt, a function, undefined, a NUL in the key) throws UnstorableDataError
   * here, in the objective; the value is copied, so later changes to it are not seen.
   */
  setUserAttr(key: string, value: AttrValue): void {
    this.#checkOpen("setUserAttr");
    checkStorableName(`trial ${this.number}: user attr name`, key);
    const stored = storableAttrValue(`trial ${this.number}: user attr ${JSON.stringify(key)}`, value);
    this.#userAttrs[key] = stored;
    this.#writes.setUserAttr(key, stored);
  }

  /** Writes everything buffered and waits for it; rethrows a failed write. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  #record(step: number, value: number): void {
    this.#intermediate.set(step, value);
    // Out of order (rare): snapshots copy and sort from then on.
    if (this.#stepLog && !this.#stepLog.append(step, value)) this.#stepLog = null;
  }

  /** This trial as a FrozenTrial (RUNNING) with what it has so far. */
  snapshot(): FrozenTrial {
    const reports = this.#stepLog?.view();
    return buildFrozenTrial({
      trialId: this.trialId,
      number: this.number,
      state: "RUNNING",
      params: this.#paramRows(),
      values: null,
      intermediate: reports ? [] : [...this.#intermediate],
      userAttrs: this.#userAttrs,
      systemAttrs: { ...this.#start.systemAttrs },
      datetimeStart: this.#start.datetimeStart,
      workerId: this.#start.workerId,
      datetimeComplete: null,
    }, reports, this.#metrics.view());
  }

  /** Whether the trial has been told its outcome. */
  get isFinished(): boolean {
    return this.#finished;
  }

  /**
   * @internal Writes pending changes and the outcome in one transaction; returns the final
   * trial. With `claimNext`, where the storage can, the same round trip claims this
   * process's next trial (TrialHistory.finishAndClaim), returned as `claimed`.
   */
  async finish(outcome: TrialOutcome, claimNext?: { workerId: string; maxTrials?: number }): Promise<{ final: FrozenTrial; claimed: FrozenTrial | null }> {
    this.#checkOpen("finish");
    this.#finished = true;
    // Nothing more is written in the background (close stops that at once); what is left
    // goes out with the outcome.
    const left = this.#writes.close();
    // Whoever still works for this trial (an objective that has not returned: the trial
    // was interrupted) can stop now.
    this.#abort.abort(new TrialFinishedError(`trial ${this.number} ended: ${outcome.state}${outcome.failReason ? ` (${outcome.failReason})` : ""}`));
    const patch = await left;
    let claimed: FrozenTrial | null = null;
    let systemAttrs: Record<string, AttrValue> = { ...outcome.extraSystemAttrs };
    if (outcome.failReason !== undefined) systemAttrs.fail_reason = outcome.failReason;
    try {
      const finalPatch: TrialPatch = {
        ...patch,
        systemAttrs,
        finish: { state: outcome.state, values: outcome.values },
        // Only a storage that acknowledges before the disk can have lost acknowledged writes.
        ...(this.#ctx.storage.traits.acknowledgesBeforeDurable ? { wholeTrial: { reconnectsAt: this.#reconnectsAt, data: () => this.#wholeData() } } : {}),
      };
      if (claimNext) claimed = await this.#ctx.history.finishAndClaim(this.trialId, finalPatch, claimNext);
      else await this.#ctx.storage.updateTrial(this.trialId, finalPatch);
    } catch (e) {
      if (!(e instanceof UnstorableDataError)) throw e;
      // The trial's own data cannot be stored (the checks above should have caught it when
      // it was handed over): that trial fails with the reason; nothing else is affected.
      outcome = { state: "FAIL", values: null, failReason: `its data cannot be stored: ${e.message}` };
      systemAttrs = { fail_reason: outcome.failReason! };
      await this.#ctx.storage.updateTrial(this.trialId, { params: patch.params, systemAttrs, finish: { state: "FAIL", values: null } });
    }
    const final = buildFrozenTrial({
      trialId: this.trialId,
      number: this.number,
      state: outcome.state,
      params: this.#paramRows(),
      values: outcome.values,
      intermediate: [...this.#intermediate],
      metrics: this.#metricRows(),
      userAttrs: this.#userAttrs,
      systemAttrs: { ...this.#start.systemAttrs, ...systemAttrs },
      datetimeStart: this.#start.datetimeStart,
      workerId: this.#start.workerId,
      datetimeComplete: new Date(),
    });
    this.#ctx.history.upsert(final);
    return { final, claimed };
  }

  /** Everything this trial has written or will write, for a storage that may have lost some. */
  #wholeData(): Pick<TrialPatch, "params" | "intermediateValues" | "metrics" | "userAttrs"> {
    return {
      params: this.#paramRows(),
      intermediateValues: [...this.#intermediate].map(([step, value]) => ({ step, value })),
      metrics: this.#metricRows().map(([step, name, value]): MetricWrite => ({ step, name, value })),
      userAttrs: { ...this.#userAttrs },
    };
  }

  #paramRows(): ParamWrite[] {
    return [...this.#params].map(([name, p]) => ({ name, distribution: p.distribution, internal: p.internal }));
  }

  #metricRows(): [number, string, number][] {
    const rows: [number, string, number][] = [];
    for (const [step, record] of this.#metrics.entries()) for (const [name, v] of Object.entries(record)) rows.push([step, name, v]);
    return rows;
  }

  #suggest(name: string, distribution: Distribution): ParamValue {
    checkStorableName(`trial ${this.number}: param name`, name);
    this.#checkOpen(`suggest "${name}"`);
    const known = this.#params.get(name);
    if (known) {
      if (!distributionsEqual(known.distribution, distribution)) {
        throw new DistributionError(
          `parameter "${name}" was already suggested as ${describeDistribution(known.distribution)} and cannot be suggested again as ${describeDistribution(distribution)}`,
        );
      }
      return toExternal(known.distribution, known.internal);
    }
    let external: ParamValue;
    if (Object.hasOwn(this.#fixed, name)) {
      external = this.#fixed[name];
      checkEnqueuedValue(name, external, distribution, (m) => this.#warn(`trial ${this.number}: ${m}`));
    } else if (isSingleValue(distribution)) {
      external = distribution.type === "categorical" ? distribution.choices[0] : distribution.low;
    } else if (
      Object.hasOwn(this.#relativeParams, name) &&
      this.#relativeSpace[name] &&
      distributionsEqual(this.#relativeSpace[name], distribution)
    ) {
      external = this.#relativeParams[name];
    } else {
      external = this.#ctx.sampler.sampleIndependent(this.#ctx.history, this.snapshot(), name, distribution);
    }
    let internal: number;
    try {
      internal = toInternal(distribution, external);
    } catch (e) {
      throw new DistributionError(`parameter "${name}": sampler returned an invalid value: ${(e as Error).message}`);
    }
    this.#params.set(name, { distribution, internal });
    this.#writes.addParam({ name, distribution, internal });
    return toExternal(distribution, internal);
  }

  #checkOpen(what: string): void {
    if (this.#finished) throw new TrialFinishedError(`trial ${this.number} is already finished: cannot ${what}`);
  }

  #warn(message: string): void {
    (this.#ctx.warn ?? ((m: string) => console.warn(`hpo: ${m}`)))(message);
  }
}
