import { lastIntermediateValue, lastStep, type FrozenTrial } from "../../src/vocabulary/frozen-trial.ts";
import type { TrialState } from "../../src/vocabulary/trial-state.ts";
import type { ReportEvent } from "../../src/tracking/tracker.ts";

/** One history row: the metric plus W&B's `_step`, `_runtime` (s) and `_timestamp` (s). */
export type HistoryRow = Readonly<Record<string, unknown>> & { readonly _step: number; readonly _runtime: number; readonly _timestamp: number };

/** How a trial's lifecycle maps onto a W&B run; shared by the online and offline writers. */
export interface TrialRunNaming {
  /** History/summary key of the objective value ("value"). */
  readonly metricName: string;
  /** Extra config merged under every run's params. */
  readonly extraConfig: Readonly<Record<string, unknown>>;
}

/** The W&B view of one trial: config, history rows with steps that never go backwards, summary. */
export class TrialRunState {
  readonly trialNumber: number;
  readonly startedAt: Date;
  readonly #naming: TrialRunNaming;
  readonly #params = new Map<string, unknown>();
  #lastStep: number | undefined;
  #lastRow: HistoryRow | undefined;

  constructor(trialNumber: number, startedAt: Date, naming: TrialRunNaming) {
    this.trialNumber = trialNumber;
    this.startedAt = startedAt;
    this.#naming = naming;
  }

  /** Merges params (suggested so far); returns whether anything new or changed arrived. */
  updateParams(params: Readonly<Record<string, unknown>>): boolean {
    let changed = false;
    for (const [k, v] of Object.entries(params)) {
      if (!this.#params.has(k) || !sameValue(this.#params.get(k), v)) {
        this.#params.set(k, v);
        changed = true;
      }
    }
    return changed;
  }

  /** The run config as plain values: extra config, then params (params win). */
  config(): Record<string, unknown> {
    return { ...this.#naming.extraConfig, ...Object.fromEntries(this.#params) };
  }

  /**
   * The history row for a report, or null when its step is not past the last one (W&B
   * history steps only move forward; Optuna likewise keeps the first report of a step).
   */
  report(event: Pick<ReportEvent, "step" | "value" | "metrics">, now: Date): HistoryRow | null {
    if (this.#lastStep !== undefined && event.step <= this.#lastStep) return null;
    this.#lastStep = event.step;
    // Every metric under its own name; the watched one also under the objective's key, so
    // the "value" curve and summary mean the same as for one-number reports.
    const metrics: Record<string, number> = { ...event.metrics };
    if (event.value !== null) metrics[this.#naming.metricName] = event.value;
    const row: HistoryRow = {
      ...metrics,
      _step: event.step,
      _runtime: this.#runtime(now),
      _timestamp: now.getTime() / 1000,
    };
    this.#lastRow = row;
    return row;
  }

  /** The summary while the trial runs: the last history row. */
  liveSummary(): Record<string, unknown> | null {
    return this.#lastRow ? { ...this.#lastRow } : null;
  }

  /** The final summary: last row, final value(s), state, number and user attrs. */
  finalSummary(trial: FrozenTrial, now: Date): Record<string, unknown> {
    const summary: Record<string, unknown> = { ...this.#lastRow };
    const metric = this.#naming.metricName;
    const values = trial.values ?? (trial.value !== null ? [trial.value] : null);
    if (values && values.length > 1) {
      values.forEach((v, i) => (summary[`${metric}_${i}`] = v));
    } else {
      const value = values?.[0] ?? (trial.state === "PRUNED" ? lastIntermediateValue(trial) : undefined);
      if (value !== undefined) summary[metric] = value;
    }
    const step = lastStep(trial) ?? this.#lastStep;
    if (step !== undefined) summary._step = Math.max(step, this.#lastStep ?? step);
    summary._runtime = this.#runtime(trial.datetimeComplete ?? now);
    summary._timestamp = (trial.datetimeComplete ?? now).getTime() / 1000;
    summary.trial_state = trialStateLabel(trial.state);
    summary.trial_number = trial.number;
    if (Object.keys(trial.userAttrs).length > 0) summary.user_attrs = trial.userAttrs;
    if (typeof trial.systemAttrs.fail_reason === "string") summary.fail_reason = trial.systemAttrs.fail_reason;
    if (typeof trial.systemAttrs.retry_of === "number") summary.retry_of = trial.systemAttrs.retry_of;
    // A run ended by another process (its trial failed as stale) has no rows here: the
    // trial's own last metrics stand in for them.
    if (this.#lastRow === undefined) {
      const last = [...trial.metrics].sort((a, b) => a[0] - b[0]).pop();
      if (last) for (const [k, v] of Object.entries(last[1])) if (!Object.hasOwn(summary, k)) summary[k] = v;
    }
    return summary;
  }

  /** Seconds since the trial started. */
  runtimeSeconds(now: Date): number {
    return this.#runtime(now);
  }

  #runtime(now: Date): number {
    return Math.max(0, (now.getTime() - this.startedAt.getTime()) / 1000);
  }
}

/** W&B exit code for a finished trial: 0 for complete and pruned, 1 for failed. */
export function exitCodeFor(state: TrialState): number {
  return state === "FAIL" ? 1 : 0;
}

/** The lower-case state label written to the summary (`trial_state`). */
export function trialStateLabel(state: TrialState): string {
  return state === "FAIL" ? "failed" : state.toLowerCase();
}

/** The run config in the shape the W&B API stores: `{key: {value}}`. */
export function wrapConfig(config: Readonly<Record<string, unknown>>): Record<string, { value: unknown }> {
  return Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }]));
}

function sameValue(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);
}
