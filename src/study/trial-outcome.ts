import { lastIntermediateValue, type AttrValue, type FrozenTrial } from "../vocabulary/frozen-trial.ts";

/** The final state a trial is told, with its values and the reason for a failure. */
export interface TrialOutcome {
  readonly state: "COMPLETE" | "PRUNED" | "FAIL";
  readonly values: readonly number[] | null;
  readonly failReason?: string;
  readonly extraSystemAttrs?: Readonly<Record<string, AttrValue>>;
}

/** The outcome of pruning `trial`: as Optuna, its value is its last intermediate value (NaN is not kept). */
export function prunedOutcome(trial: FrozenTrial): TrialOutcome {
  const last = lastIntermediateValue(trial);
  return { state: "PRUNED", values: last === undefined || Number.isNaN(last) ? null : [last] };
}
