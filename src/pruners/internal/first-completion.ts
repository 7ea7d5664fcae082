import type { FrozenTrial } from "../../vocabulary/frozen-trial.ts";

/**
 * The trial whose completion lets an "auto" resource be estimated: the earliest COMPLETE
 * trial (by completion time, then number) that reported at least one step.
 *
 * Optuna estimates "auto" once, at the first pruning call after a trial completes, and
 * keeps it in the pruner object; deriving it from this fixed trial gives the same number
 * in a sequential study while staying a pure function of the history (and the same on
 * every worker).
 */
export function firstCompletion(trials: readonly FrozenTrial[]): FrozenTrial | undefined {
  let first: FrozenTrial | undefined;
  for (const t of trials) {
    if (t.state !== "COMPLETE" || t.intermediateValues.size === 0) continue;
    if (first === undefined || completesBefore(t, first)) first = t;
  }
  return first;
}

function completesBefore(a: FrozenTrial, b: FrozenTrial): boolean {
  const ta = a.datetimeComplete?.getTime() ?? Infinity;
  const tb = b.datetimeComplete?.getTime() ?? Infinity;
  return ta !== tb ? ta < tb : a.number < b.number;
}

/**
 * Whether `t` started once `reference` had completed. Optuna records no rung before an
 * "auto" resource is known, so trials that ran before then take no part in the rungs
 * (exact for sequential studies; falls back to trial numbers where times are missing).
 */
export function startedAfterCompletionOf(t: FrozenTrial, reference: FrozenTrial): boolean {
  if (t.number === reference.number) return false;
  if (t.datetimeStart && reference.datetimeComplete) return t.datetimeStart.getTime() >= reference.datetimeComplete.getTime();
  return t.number > reference.number;
}
