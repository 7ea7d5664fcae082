import type { Distribution, ParamValue } from "./distribution.ts";
import type { TrialState } from "./trial-state.ts";
import { StepView } from "./step-series.ts";

/** A JSON-compatible attribute value (NaN and ±Infinity are preserved by storage). */
export type AttrValue = null | boolean | number | string | AttrValue[] | { [key: string]: AttrValue };

/**
 * A snapshot of one trial: what samplers, pruners, callbacks and `study.trials()` see.
 * Plain data; never mutated after it is handed out.
 */
export interface FrozenTrial {
  /** Storage-wide id (unique across studies). */
  readonly trialId: number;
  /** Dense, 0-based number within the study. */
  readonly number: number;
  readonly state: TrialState;
  /** The first objective value, or null (multi-objective studies use `values`). */
  readonly value: number | null;
  readonly values: readonly number[] | null;
  /** External param values by name, in suggestion order. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** Intermediate values by step, in ascending step order: the study's watched metric. */
  readonly intermediateValues: ReadonlyMap<number, number>;
  /**
   * Every metric reported at each step, by name (`trial.report({ val_loss, meteor }, step)`;
   * a one-number report appears under the study's metric name), in ascending step order.
   */
  readonly metrics: ReadonlyMap<number, Readonly<Record<string, number>>>;
  readonly userAttrs: Readonly<Record<string, AttrValue>>;
  readonly systemAttrs: Readonly<Record<string, AttrValue>>;
  readonly datetimeStart: Date | null;
  readonly datetimeComplete: Date | null;
  /** The process that ran it (host:pid:random), when known (absent while WAITING). */
  readonly workerId?: string;
}

/** The last reported intermediate value of a trial, or undefined if it reported none. */
export function lastIntermediateValue(trial: FrozenTrial): number | undefined {
  const view = trial.intermediateValues;
  if (view instanceof StepView) return view.lastStep === undefined ? undefined : view.get(view.lastStep);
  let lastStep = -Infinity;
  let last: number | undefined;
  for (const [step, v] of trial.intermediateValues) {
    if (step > lastStep) {
      lastStep = step;
      last = v;
    }
  }
  return last;
}

/** The deepest step a trial has reported, or undefined. */
export function lastStep(trial: FrozenTrial): number | undefined {
  if (trial.intermediateValues instanceof StepView) return trial.intermediateValues.lastStep;
  let max: number | undefined;
  for (const step of trial.intermediateValues.keys()) if (max === undefined || step > max) max = step;
  return max;
}

/** The names of every metric a trial reported, in first-reported order. */
export function metricNames(trial: FrozenTrial): string[] {
  const names = new Set<string>();
  for (const record of trial.metrics.values()) for (const name of Object.keys(record)) names.add(name);
  return [...names];
}

/** Duration in milliseconds, or null while the trial has not both started and finished. */
export function trialDurationMs(trial: FrozenTrial): number | null {
  if (!trial.datetimeStart || !trial.datetimeComplete) return null;
  return trial.datetimeComplete.getTime() - trial.datetimeStart.getTime();
}
