import { StepView } from "../../vocabulary/step-series.ts";

/**
 * Whether `step` is the first reported step in its pruning interval (Optuna's
 * `_is_first_in_interval_step`): checks happen at warmup + k·interval, and a check whose
 * step was not reported is postponed to the next reported step.
 */
export function isFirstInIntervalStep(
  step: number,
  reported: ReadonlyMap<number, number>,
  nWarmupSteps: number,
  intervalSteps: number,
): boolean {
  const nearestLowerPruningStep = Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  return secondLastStep(step, reported) < nearestLowerPruningStep;
}

/** The deepest reported step other than `step` (-1 when none): O(1) on a running trial's snapshot. */
function secondLastStep(step: number, reported: ReadonlyMap<number, number>): number {
  if (reported instanceof StepView) {
    const last = reported.lastStep ?? -1;
    return last !== step ? last : (reported.secondLastStep ?? -1);
  }
  let found = -1;
  for (const s of reported.keys()) if (s > found && s !== step) found = s;
  return found;
}
